package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/newsflow/newsflow/bench/e2e"
	"github.com/newsflow/newsflow/bench/stages"
)

// Report is everything one run measured.
type Report struct {
	Machine  Machine      `json:"machine"`
	Relay    RelaySection `json:"relay"`
	Stages   StageSection `json:"stages"`
	E2E      E2ESection   `json:"e2e"`
	WebUI    WebUISection `json:"webui"`
	Headline Headline     `json:"headline"`
	Started  time.Time    `json:"started"`
	Duration string       `json:"duration"`
}

// Machine records where the numbers come from.
type Machine struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	Commit    string `json:"commit"`
	// Modified counts tracked files that differ from Commit: the run
	// measures the working tree, which others may be editing.
	Modified   int    `json:"modified_files"`
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
}

// RelaySection is the relay comparison.
type RelaySection struct {
	Articles    int           `json:"articles"`
	Concurrency int           `json:"concurrency"`
	Rounds      int           `json:"rounds"`
	Results     []RelayResult `json:"results"`
}

// RelayResult is one relay variant over every round.
type RelayResult struct {
	Variant    string    `json:"variant"`
	PerSecond  []float64 `json:"per_second"`
	Median     float64   `json:"median_per_second"`
	MedianTime string    `json:"median_time"`
	// PerCPUSecond is articles per CPU-second of each round.
	PerCPUSecond []float64 `json:"per_cpu_second"`
	MedianCPU    float64   `json:"median_per_cpu_second"`
}

// StageSection is every stage measured alone.
type StageSection struct {
	Articles      int             `json:"articles"`
	Pages         int             `json:"pages"`
	ProseArticles int             `json:"prose_articles"`
	GOMAXPROCS    int             `json:"gomaxprocs"`
	Results       []stages.Result `json:"results"`
}

// E2ESection is the end-to-end runs.
type E2ESection struct {
	Inputs     []string     `json:"inputs"`
	LoadBefore string       `json:"load_before"`
	Runs       []e2e.Result `json:"runs"`
	// Extra is one run with ExtraArgs added, beside the default.
	ExtraArgs []string    `json:"extra_args,omitempty"`
	Extra     *e2e.Result `json:"extra,omitempty"`
}

// Median is the run with the median throughput.
func (s E2ESection) Median() (e2e.Result, bool) {
	if len(s.Runs) == 0 {
		return e2e.Result{}, false
	}
	runs := append([]e2e.Result(nil), s.Runs...)
	sort.Slice(runs, func(i, j int) bool { return runs[i].PerSecond() < runs[j].PerSecond() })
	return runs[len(runs)/2], true
}

// Headline are the numbers of the last line.
type Headline struct {
	RuntimeVsRaw         float64 `json:"runtime_vs_raw"`
	VsWatermill          float64 `json:"vs_watermill"`
	E2EArticlesPerSecond float64 `json:"e2e_articles_per_s"`
	// The same ratios by articles per CPU-second.
	RuntimeVsRawCPU float64 `json:"runtime_vs_raw_cpu"`
	VsWatermillCPU  float64 `json:"vs_watermill_cpu"`
	// The ratios of the variants' median rates, rather than the median of
	// the per-round ratios above.
	RuntimeVsRawOfMedians float64 `json:"runtime_vs_raw_of_medians"`
	VsWatermillOfMedians  float64 `json:"vs_watermill_of_medians"`
}

func writeJSON(path string, rep Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func markdown(rep Report) string {
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s/%s, %s; commit %s (%d tracked files modified in the working tree); started %s, took %s; load average %s before, %s after.\n\n",
		m.CPUModel, m.CPUs, m.OS, m.Arch, m.GoVersion, m.Commit, m.Modified, rep.Started.Format(time.RFC3339), rep.Duration, m.LoadBefore, m.LoadAfter)
	if len(rep.Relay.Results) > 0 {
		relayTable(&b, rep.Relay)
		h := rep.Headline
		fmt.Fprintf(&b, "runtime_vs_raw = %.2f (target ≥ 0.9); vs_watermill = %.2f (target ≥ 1.5): medians of the ratios within each round\n\n", h.RuntimeVsRaw, h.VsWatermill)
		fmt.Fprintf(&b, "As ratios of the medians above: runtime/raw = %.2f, runtime/watermill = %.2f. By CPU cost (articles per CPU-second, per round): runtime/raw = %.2f, runtime/watermill = %.2f\n\n",
			h.RuntimeVsRawOfMedians, h.VsWatermillOfMedians, h.RuntimeVsRawCPU, h.VsWatermillCPU)
	}
	if len(rep.Stages.Results) > 0 {
		stageTable(&b, rep.Stages)
	}
	if len(rep.E2E.Runs) > 0 {
		e2eTable(&b, rep.E2E)
	}
	if len(rep.WebUI.Pages) > 0 {
		webuiTable(&b, rep.WebUI)
	}
	return b.String()
}

func relayTable(b *strings.Builder, s RelaySection) {
	fmt.Fprintf(b, "### 4-hop relay, %d articles of ~5 KB, concurrency %d per hop, median of %d interleaved rounds\n\n",
		s.Articles, s.Concurrency, s.Rounds)
	b.WriteString("| variant | articles/s (median) | rounds | median time | articles per CPU-second (median) |\n|---|---:|---|---:|---:|\n")
	for _, r := range s.Results {
		var rounds []string
		for _, p := range r.PerSecond {
			rounds = append(rounds, fmt.Sprintf("%.0f", p))
		}
		fmt.Fprintf(b, "| %s | %.0f | %s | %s | %.0f |\n", r.Variant, r.Median, strings.Join(rounds, ", "), r.MedianTime, r.MedianCPU)
	}
	b.WriteString("\n")
}

func stageTable(b *strings.Builder, s StageSection) {
	fmt.Fprintf(b, "### Each stage alone: %d articles (BBC + syndicated variants), %d HTML pages, prose on %d articles; GOMAXPROCS %d\n\n",
		s.Articles, s.Pages, s.ProseArticles, s.GOMAXPROCS)
	b.WriteString("Per core = items per CPU-second of the whole benchmark process (garbage collector, embedded NATS and the ES double included).\n\n")
	b.WriteString("| stage | measurement | items | workers | items/s | items/s per core | MB/s per core | tokens/s per core | p50 | p99 | errors |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range s.Results {
		name := r.Name
		if r.Peer {
			name += " (peer)"
		}
		tok := "–"
		if r.Tokens > 0 {
			tok = fmt.Sprintf("%.0f", r.TokensPerCore())
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d | %.0f | %.0f | %.2f | %s | %s | %s | %d |\n",
			r.Stage, name, r.Items, r.Workers, r.PerSecond(), r.PerCore(), r.MBPerCore(), tok, dur(r.P50), dur(r.P99), r.Errors)
	}
	b.WriteString("\n")
	ratio := func(label, ours, peer string, f func(stages.Result) float64, unit string) {
		o, p, ok := find(s.Results, ours, peer)
		if ok && f(p) > 0 {
			fmt.Fprintf(b, "- %s: %.2f× (%.2f vs %.2f %s per core)\n", label, f(o)/f(p), f(o), f(p), unit)
		}
	}
	ratio("extract.Extract vs go-readability, same pages", "html: extract.Extract", "html: go-readability FromReader",
		func(r stages.Result) float64 { return r.MBPerCore() }, "MB/s")
	ratio("Enricher.Process vs prose/v2, same text", "Enricher.Process", "prose/v2 NewDocument (NER)",
		func(r stages.Result) float64 { return r.TokensPerCore() }, "tokens/s")
	for _, r := range s.Results {
		if r.Stage == stages.Stories {
			fmt.Fprintf(b, "- %s: %.0f articles per CPU-second (target ≥ 1,000), p99 %s (target ≤ 20 ms)\n", r.Name, r.PerCore(), dur(r.P99))
		}
	}
	b.WriteString("\n")
}

func find(rs []stages.Result, ours, peer string) (o, p stages.Result, ok bool) {
	var fo, fp bool
	for _, r := range rs {
		switch r.Name {
		case ours:
			o, fo = r, true
		case peer:
			p, fp = r, true
		}
	}
	return o, p, fo && fp
}

func e2eTable(b *strings.Builder, s E2ESection) {
	fmt.Fprintf(b, "### End to end: `newsflow run --once` over %s, every stage on (load average %s at start)\n\n", strings.Join(s.Inputs, " + "), s.LoadBefore)
	b.WriteString("| run | articles | indexed | wall | articles/s | articles per CPU-second | latency p50 | latency p99 | peak RSS |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	rows := s.Runs
	if s.Extra != nil {
		rows = append(append([]e2e.Result(nil), s.Runs...), *s.Extra)
	}
	for i, r := range rows {
		label := fmt.Sprint(i + 1)
		if i >= len(s.Runs) {
			label = "`" + strings.Join(s.ExtraArgs, " ") + "`"
		}
		indexed := fmt.Sprint(r.Indexed)
		p50, p99 := "not reported", "not reported"
		if r.HasLatency {
			p50, p99 = dur(r.P50), dur(r.P99)
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %.0f | %.0f | %s | %s | %d MiB |\n",
			label, r.Accepted, indexed, r.Wall.Round(time.Millisecond), r.PerSecond(), r.PerCore(), p50, p99, r.PeakRSS>>20)
	}
	if m, ok := s.Median(); ok {
		b.WriteString("\nStage counts of the median run:\n\n| stage | in | out | duplicates | retried | dead |\n|---|---:|---:|---:|---:|---:|\n")
		for _, st := range m.Stages {
			fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d |\n", st.Name, st.In, st.Out, st.Duplicates, st.Retried, st.Dead)
		}
		fmt.Fprintf(b, "\ne2e_articles_per_s = %.0f (target ≥ 400 with the stories stage, issue 18; it was 250 before)\n\n", m.PerSecond())
	}
}

// dur rounds d for a table: three significant figures or so.
func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(100 * time.Nanosecond).String()
	}
}

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func medianDuration(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// machine describes the machine and the tree in root (the one measured,
// which need not be the working directory).
func machine(commit, root string) Machine {
	m := Machine{GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Commit: commit, LoadBefore: loadAvg()}
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		return cmd.Output()
	}
	if m.Commit == "" {
		if out, err := git("rev-parse", "--short", "HEAD"); err == nil {
			m.Commit = strings.TrimSpace(string(out))
		}
	}
	if out, err := git("status", "--porcelain", "--untracked-files=no"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.TrimSpace(line) != "" {
				m.Modified++
			}
		}
	}
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
