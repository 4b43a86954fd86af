// Command load runs a sustained load through newsflow run --once: at least
// 100,000 articles made from the BBC corpus and its syndication variants
// (chaos.WriteLoadInput: distinct articles, each round's words permuted,
// and about 35 % copies, the corpus's own re-publications among them), while it samples the process's RSS and thread
// count from /proc and its goroutine count from its /metrics. It prints
// the samples, the peak RSS (the kernel's high-water mark of the process's
// resident set, which no sampling misses), the sampled peak, the mean RSS
// of the last quarter of the run over the second's (rss_q4_vs_q2: the trend after warm-up), articles/s,
// the copies planted, those dedupe flagged when it decided (found) and
// those it flagged later by a merge (merged), and the pipeline's own
// summary.
// With -profile-dir it also keeps a CPU profile of the whole run and a
// heap profile every -heap-every, for go tool pprof.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/chaos"
	"github.com/newsflow/newsflow/pkg/stage"
)

type config struct {
	root, data string
	articles   int
	every      time.Duration
	keep       bool
	profileDir string
	heapEvery  time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.root, "root", ".", "repository root (cmd/newsflow is built from here)")
	flag.StringVar(&cfg.data, "data", "../shared/data", "evaluation data folder with bbc/ and syndication/")
	flag.IntVar(&cfg.articles, "articles", 100000, "articles to send")
	flag.DurationVar(&cfg.every, "every", 2*time.Second, "sampling interval")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work folder")
	flag.StringVar(&cfg.profileDir, "profile-dir", "", "write cpu.prof for the run and heap-<seconds>s.prof every -heap-every here")
	flag.DurationVar(&cfg.heapEvery, "heap-every", 2*time.Minute, "interval between heap profiles with -profile-dir")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type sample struct {
	at         time.Duration
	rss, anon  int64
	threads    int
	goroutines int
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	dir, err := os.MkdirTemp("", "newsflow-load-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Fprintln(out, "work folder:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	fmt.Fprintln(out, "building newsflow…")
	bins, err := chaos.Build(ctx, cfg.root, dir, "newsflow")
	if err != nil {
		return err
	}
	corpus, err := chaos.LoadCorpus(cfg.data)
	if err != nil {
		return err
	}
	input := filepath.Join(dir, "input")
	if err := os.Mkdir(input, 0o755); err != nil {
		return err
	}
	files, mix, err := chaos.WriteLoadInput(corpus, input, cfg.articles, 5000)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "input: %d articles in %d files: %d distinct, %d copies, %d of them the corpus's own re-publications (the corpus's %d originals and %d variants, each round's words permuted)\n",
		mix.Articles, len(files), mix.Articles-mix.Copies, mix.Copies, mix.Republished, len(corpus.Originals), len(corpus.Variants))

	load0, _ := os.ReadFile("/proc/loadavg")
	var stdout, stderr bytes.Buffer
	listen, err := chaos.FreeAddr()
	if err != nil {
		return err
	}
	httpAddr, err := chaos.FreeAddr()
	if err != nil {
		return err
	}
	args := []string{"run", "--once", "--input", input, "--http", httpAddr, "--listen", listen}
	env := append(os.Environ(), "NEWSFLOW_DATA="+filepath.Join(dir, "data"))
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return err
		}
		args = append(args, "--cpuprofile", filepath.Join(cfg.profileDir, "cpu.prof"))
		env = append(env, "NEWSFLOW_PPROF=true")
	}
	cmd := exec.CommandContext(ctx, bins["newsflow"], args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The embedded server is a NATS server like any other: the indexer's
	// acknowledgements say how far the run is.
	nc, err := nats.Connect("nats://"+listen, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	var samples []sample
	// merged is the last reading of dedupe's published merges: dedupe
	// finishes before the sinks, so the last reading is its final count.
	merged := -1
	lastHeap := time.Now()
	fmt.Fprintf(out, "\n%8s %10s %10s %8s %10s %9s %7s\n", "t", "RSS", "anon", "threads", "goroutines", "indexed", "/s")
	t := time.NewTicker(cfg.every)
	defer t.Stop()
	var runErr error
loop:
	for {
		select {
		case runErr = <-done:
			break loop
		case <-t.C:
			rss, err1 := chaos.RSS(cmd.Process.Pid)
			th, err2 := chaos.Threads(cmd.Process.Pid)
			m, err3 := scrape(ctx, httpAddr)
			anon, err4 := chaos.AnonRSS(cmd.Process.Pid)
			if err3 == nil {
				merged = m.merged
			}
			if err1 == nil && err2 == nil && err3 == nil && err4 == nil {
				s := sample{time.Since(start), rss, anon, th, m.goroutines}
				samples = append(samples, s)
				if len(samples)%15 == 1 {
					pctx, cancel := context.WithTimeout(ctx, time.Second)
					done, _ := chaos.Progress(pctx, js, stage.NameIndex)
					cancel()
					fmt.Fprintf(out, "%8s %7.0fMiB %7.0fMiB %8d %10d %9d %7.0f\n", s.at.Round(time.Second), float64(s.rss)/(1<<20),
						float64(s.anon)/(1<<20), s.threads, s.goroutines, done, float64(done)/s.at.Seconds())
				}
			}
			if cfg.profileDir != "" && time.Since(lastHeap) >= cfg.heapEvery {
				lastHeap = time.Now()
				name := filepath.Join(cfg.profileDir, fmt.Sprintf("heap-%04.0fs.prof", time.Since(start).Seconds()))
				if err := fetch(ctx, "http://"+httpAddr+"/debug/pprof/heap", name); err != nil {
					fmt.Fprintln(out, "heap profile:", err)
				}
			}
		}
	}
	elapsed := time.Since(start)
	load1, _ := os.ReadFile("/proc/loadavg")
	var peak sample
	for _, s := range samples {
		if s.rss > peak.rss {
			peak = s
		}
	}
	// The samples, a few seconds apart, miss the resident set's short
	// highs (a merge, a burst of block loads, the shutdown): they read 5
	// to 25 MiB under the run's own summary in session 17. The kernel
	// keeps the high-water mark of the whole run (getrusage's maxrss of
	// the child, in KiB on Linux).
	peakRSS := float64(peak.rss) / (1 << 20)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peakRSS = max(peakRSS, float64(ru.Maxrss)/(1<<10))
	}
	fmt.Fprintln(out, "\nnewsflow run --once said:")
	fmt.Fprint(out, stdout.String())
	if runErr != nil {
		fmt.Fprint(out, lastLines(stderr.String(), 20))
		return fmt.Errorf("newsflow run: %w", runErr)
	}
	fmt.Fprintf(out, "\nload average before: %s", load0)
	fmt.Fprintf(out, "load average after:  %s", load1)
	trend := "rss_q4_vs_q2=n/a"
	if n := len(samples); n >= 8 {
		rss := func(x sample) float64 { return float64(x.rss) / (1 << 20) }
		gor := func(x sample) float64 { return float64(x.goroutines) }
		anon := func(x sample) float64 { return float64(x.anon) / (1 << 20) }
		q2, q4 := mean(samples[n/4:n/2], rss), mean(samples[3*n/4:], rss)
		fmt.Fprintf(out, "RSS mean, 2nd quarter %.0fMiB, last quarter %.0fMiB (%+.0f%%)\n", q2, q4, 100*(q4-q2)/q2)
		trend = fmt.Sprintf("rss_q4_vs_q2=%.2f", q4/q2)
		a2, a4 := mean(samples[n/4:n/2], anon), mean(samples[3*n/4:], anon)
		fmt.Fprintf(out, "anonymous RSS mean, 2nd quarter %.0fMiB, last quarter %.0fMiB (%+.0f%%)\n", a2, a4, 100*(a4-a2)/a2)
		g2, g4 := mean(samples[n/4:n/2], gor), mean(samples[3*n/4:], gor)
		fmt.Fprintf(out, "goroutines mean, 2nd quarter %.0f, last quarter %.0f (%+.0f%%)\n", g2, g4, 100*(g4-g2)/g2)
	}
	found, mergedText := "n/a", "n/a"
	if m := dedupeRow.FindStringSubmatch(stdout.String()); m != nil {
		found = m[1]
	}
	if merged >= 0 {
		mergedText = strconv.Itoa(merged)
	}
	fmt.Fprintf(out, "articles=%d seconds=%.0f articles_per_s=%.0f peak_rss_mib=%.0f sampled_peak_rss_mib=%.0f %s peak_anon_rss_mib=%.0f peak_threads=%d peak_goroutines=%d planted=%d found=%s merged=%s sampled_peak_at_s=%.0f\n",
		mix.Articles, elapsed.Seconds(), float64(mix.Articles)/elapsed.Seconds(), peakRSS, float64(peak.rss)/(1<<20), trend,
		float64(peakOf(samples, func(x sample) int { return int(x.anon >> 20) })),
		peakOf(samples, func(x sample) int { return x.threads }), peakOf(samples, func(x sample) int { return x.goroutines }),
		mix.Copies, found, mergedText, peak.at.Seconds())
	return nil
}

// dedupeRow reads the duplicates column of the dedupe row of newsflow
// run's summary: "dedupe  in  out  duplicates  retried  dead-lettered  in flight".
var dedupeRow = regexp.MustCompile(`(?m)^\s*dedupe\s+\d+\s+\d+\s+(\d+)\s`)

func mean(s []sample, f func(sample) float64) float64 {
	var sum float64
	for _, x := range s {
		sum += f(x)
	}
	return sum / float64(len(s))
}

func peakOf(s []sample, f func(sample) int) int {
	m := 0
	for _, x := range s {
		m = max(m, f(x))
	}
	return m
}

// runMetrics is what the load reads from the run's /metrics: its
// goroutines, and the articles dedupe let pass as originals and later
// moved into an earlier cluster and published again, flagged
// (newsflow_dedupe_merges_total{result="published"}). The summary's
// duplicates count only the copies flagged when dedupe decided: a copy
// that dedupe handles while its original is still being handled is
// flagged by the original's merge instead, so found+merged is what the
// search index ends with (a merge that moves a copy already flagged into
// an earlier cluster counts too, a few in a thousand).
type runMetrics struct{ goroutines, merged int }

// scrape reads runMetrics from the run's /metrics.
func scrape(ctx context.Context, addr string) (runMetrics, error) {
	var m runMetrics
	err := get(ctx, "http://"+addr+"/metrics", time.Second, func(body io.Reader) error {
		var err error
		m, err = parseMetrics(body)
		return err
	})
	return m, err
}

// parseMetrics reads runMetrics from a Prometheus text exposition; the
// merges counter is absent, so 0, until dedupe merges first.
func parseMetrics(r io.Reader) (runMetrics, error) {
	m := runMetrics{goroutines: -1}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		var p *int
		switch {
		case strings.HasPrefix(line, "go_goroutines "):
			p = &m.goroutines
		case strings.HasPrefix(line, `newsflow_dedupe_merges_total{result="published"} `):
			p = &m.merged
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[strings.LastIndexByte(line, ' '):]), 64)
		if err != nil {
			return m, fmt.Errorf("%q: %w", line, err)
		}
		*p = int(v)
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if m.goroutines < 0 {
		return m, errors.New("no go_goroutines in /metrics")
	}
	return m, nil
}

// fetch saves url's body to path.
func fetch(ctx context.Context, url, path string) error {
	return get(ctx, url, 30*time.Second, func(body io.Reader) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, body)
		return errors.Join(err, f.Close())
	})
}

// get GETs url within timeout and hands a 200 answer's body to read.
func get(ctx context.Context, url string, timeout time.Duration, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return read(resp.Body)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
