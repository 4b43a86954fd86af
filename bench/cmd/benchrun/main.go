// Command benchrun measures newsflow side by side with the limit and with a
// peer, in one run so that ratios hold on a noisy machine. It prints the
// tables, writes them as Markdown for BENCHMARKS.md and the raw results as
// JSON, and ends with one line of the headline ratios.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/newsflow/newsflow/bench/relay"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// Report is everything one run measured.
type Report struct {
	Machine  Machine       `json:"machine"`
	Relay    []RelayResult `json:"relay"`
	Ratios   Ratios        `json:"ratios"`
	Started  time.Time     `json:"started"`
	Duration string        `json:"duration"`
}

// Machine records where the numbers come from.
type Machine struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	Commit    string `json:"commit"`
}

// RelayResult is one relay variant over every round.
type RelayResult struct {
	Variant    string    `json:"variant"`
	PerSecond  []float64 `json:"per_second"`
	Median     float64   `json:"median_per_second"`
	MedianTime string    `json:"median_time"`
}

// Ratios are the headline numbers.
type Ratios struct {
	RuntimeVsRaw float64 `json:"runtime_vs_raw"`
	VsWatermill  float64 `json:"vs_watermill"`
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	articles := fs.Int("relay-articles", 20000, "articles per relay run")
	rounds := fs.Int("rounds", 3, "interleaved rounds of each relay variant; the median counts")
	concurrency := fs.Int("concurrency", 16, "messages each hop handles at once")
	jsonOut := fs.String("json", "bench-results.json", "write raw results here")
	mdOut := fs.String("markdown", "bench-results.md", "write the tables here, ready for BENCHMARKS.md")
	commit := fs.String("commit", "", "commit measured, recorded with the results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep := Report{Started: time.Now().UTC(), Machine: machine(*commit)}

	setup := relay.Setup{Articles: *articles, Concurrency: *concurrency, Batch: 256, Payload: relay.Payload(5000)}
	variants := []string{"raw", "runtime", "watermill"}
	samples := map[string][]relay.Result{}
	for r := range *rounds {
		for _, v := range variants {
			res, err := relay.Run(ctx, v, setup)
			if err != nil {
				return err
			}
			samples[v] = append(samples[v], res)
			fmt.Fprintf(os.Stderr, "round %d %-9s %8.0f articles/s\n", r+1, v, res.PerSecond())
		}
	}
	median := map[string]float64{}
	for _, v := range variants {
		rr := RelayResult{Variant: v}
		var times []time.Duration
		for _, s := range samples[v] {
			rr.PerSecond = append(rr.PerSecond, s.PerSecond())
			times = append(times, s.Elapsed)
		}
		rr.Median = medianOf(rr.PerSecond)
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		rr.MedianTime = times[len(times)/2].Round(time.Millisecond).String()
		median[v] = rr.Median
		rep.Relay = append(rep.Relay, rr)
	}
	rep.Ratios = Ratios{
		RuntimeVsRaw: median["runtime"] / median["raw"],
		VsWatermill:  median["runtime"] / median["watermill"],
	}
	rep.Duration = time.Since(rep.Started).Round(time.Second).String()

	md := markdown(rep, setup)
	fmt.Fprint(stdout, md)
	if err := os.WriteFile(*mdOut, []byte(md), 0o644); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "runtime_vs_raw=%.2f vs_watermill=%.2f\n", rep.Ratios.RuntimeVsRaw, rep.Ratios.VsWatermill)
	return nil
}

func markdown(rep Report, setup relay.Setup) string {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s/%s, %s; commit %s; %s.\n\n", m.CPUModel, m.CPUs, m.OS, m.Arch, m.GoVersion, m.Commit, rep.Started.Format(time.RFC3339))
	fmt.Fprintf(&b, "### 4-hop relay, %d articles of ~5 KB, concurrency %d per hop, median of %d interleaved rounds\n\n",
		setup.Articles, setup.Concurrency, len(rep.Relay[0].PerSecond))
	b.WriteString("| variant | articles/s (median) | rounds | median time |\n|---|---:|---|---:|\n")
	for _, r := range rep.Relay {
		var rounds []string
		for _, p := range r.PerSecond {
			rounds = append(rounds, fmt.Sprintf("%.0f", p))
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s | %s |\n", r.Variant, r.Median, strings.Join(rounds, ", "), r.MedianTime)
	}
	fmt.Fprintf(&b, "\nruntime_vs_raw = %.2f (target ≥ 0.9); vs_watermill = %.2f (target ≥ 1.5)\n\n", rep.Ratios.RuntimeVsRaw, rep.Ratios.VsWatermill)
	return b.String()
}

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func machine(commit string) Machine {
	m := Machine{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Commit: commit}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPUModel = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return m
}
