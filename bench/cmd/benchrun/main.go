// Command benchrun measures newsflow side by side with the limit and with
// peers, in one run so that ratios hold on a noisy machine:
//
//   - the 4-hop relay: nats.go alone, the stage runtime with no-op stages,
//     and Watermill, in interleaved rounds;
//   - each stage alone through its public Go API, beside go-readability
//     and prose/v2 where they do the same job;
//   - the whole pipeline: the newsflow binary's `run --once` over the BBC
//     corpus and the syndicated variants.
//
// It prints the tables, writes them as Markdown for BENCHMARKS.md and the
// raw results as JSON, and ends with one line of the headline numbers:
//
//	runtime_vs_raw=R vs_watermill=W e2e_articles_per_s=N
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/newsflow/newsflow/bench/corpus"
	"github.com/newsflow/newsflow/bench/e2e"
	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/bench/relay"
	"github.com/newsflow/newsflow/bench/stages"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// config is benchrun's settings, from flags.
type config struct {
	relay, stages, e2e bool
	// webui times the web UI's pages on webuiDocs documents, kept in
	// webuiIndex ("" for a temporary folder).
	webui      bool
	webuiDocs  int
	webuiIndex string

	relayArticles, rounds, concurrency int
	relayVariants                      []string

	bbc, variants, pages, pageURLs string
	maxArticles, proseArticles     int

	root, binary string
	e2eRuns      int
	e2eExtra     []string

	jsonOut, mdOut, commit, profileDir string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.relay, "relay", true, "measure the 4-hop relay (raw, runtime, watermill)")
	fs.BoolVar(&c.stages, "stages", true, "measure each stage alone")
	fs.BoolVar(&c.e2e, "e2e", true, "measure newsflow run --once end to end")
	fs.BoolVar(&c.webui, "webui", true, "time the web UI's pages on a large index (internal/webui BenchmarkPages)")
	fs.IntVar(&c.webuiDocs, "webui-docs", 100_000, "documents in the index -webui times the pages on")
	fs.StringVar(&c.webuiIndex, "webui-index", "", "folder that keeps -webui's index between runs (the first run builds it: minutes); empty for a temporary one")
	fs.IntVar(&c.relayArticles, "relay-articles", 20000, "articles per relay run")
	fs.IntVar(&c.rounds, "rounds", 11, "interleaved rounds of each relay variant; the median counts")
	fs.IntVar(&c.concurrency, "concurrency", 16, "messages each relay hop handles at once")
	variants := fs.String("relay-variants", "raw,runtime,runtime-typed,watermill", "relay variants, comma-separated")
	fs.StringVar(&c.bbc, "bbc", "", "BBC corpus folder (../shared/data/bbc): stage and end-to-end input")
	fs.StringVar(&c.variants, "variants", "", "syndicated variants (../shared/data/syndication/variants.jsonl), added to the BBC articles")
	fs.StringVar(&c.pages, "pages", "", "folder of .html.gz pages (../shared/data/extraction/scrapinghub-aeb/html) for the HTML path")
	fs.StringVar(&c.pageURLs, "page-urls", "", "ground-truth.json giving each page its URL")
	fs.IntVar(&c.maxArticles, "stage-articles", 0, "cap on the articles given to the stage measurements; 0 means all")
	fs.IntVar(&c.proseArticles, "prose-articles", 400, "articles given to prose/v2 (slow); 0 means all")
	fs.StringVar(&c.root, "root", ".", "repository root, where ./cmd/newsflow is built")
	fs.StringVar(&c.binary, "newsflow", "", "use this newsflow binary instead of building one")
	fs.IntVar(&c.e2eRuns, "e2e-runs", 3, "end-to-end runs; the median counts")
	extra := fs.String("e2e-extra", "--concurrency 256", "one more end-to-end run with these extra arguments, reported beside the default (not in the headline); empty for none")
	fs.StringVar(&c.jsonOut, "json", "bench-results.json", "write raw results here")
	fs.StringVar(&c.mdOut, "markdown", "bench-results.md", "write the tables here, ready for BENCHMARKS.md")
	fs.StringVar(&c.commit, "commit", "", "commit measured, recorded with the results")
	fs.StringVar(&c.profileDir, "profile-dir", "", "write CPU profiles here: the first runtime relay round and each stage measurement")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.e2eExtra = strings.Fields(*extra)
	c.relayVariants = strings.Split(*variants, ",")
	for _, v := range c.relayVariants {
		if _, ok := relay.Variants[v]; !ok {
			return c, fmt.Errorf("-relay-variants: unknown variant %q", v)
		}
	}
	if (c.stages || c.e2e) && c.bbc == "" {
		return c, errors.New("-bbc is required for -stages and -e2e (or turn them off with -stages=false -e2e=false)")
	}
	if c.rounds < 1 || c.relayArticles < 1 || c.concurrency < 1 || c.e2eRuns < 1 {
		return c, errors.New("-rounds, -relay-articles, -concurrency and -e2e-runs must be at least 1")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep := Report{Started: time.Now().UTC(), Machine: machine(c.commit, c.root)}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }

	section := func(name string, on bool, fn func() error) error {
		if !on {
			return nil
		}
		t0 := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		logf("%s took %s (load average %s)", name, time.Since(t0).Round(time.Second), loadAvg())
		return nil
	}
	if err := section("relay", c.relay, func() (err error) { rep.Relay, err = runRelay(ctx, c, logf); return err }); err != nil {
		return err
	}
	if err := section("stages", c.stages, func() (err error) { rep.Stages, err = runStages(ctx, c, logf); return err }); err != nil {
		return err
	}
	if err := section("e2e", c.e2e, func() (err error) { rep.E2E, err = runE2E(ctx, c, logf); return err }); err != nil {
		return err
	}
	if err := section("webui", c.webui, func() (err error) { rep.WebUI, err = runWebUI(ctx, c, logf); return err }); err != nil {
		return err
	}
	rep.Machine.LoadAfter = loadAvg()
	rep.Duration = time.Since(rep.Started).Round(time.Second).String()
	rep.Headline = headline(rep)

	md := markdown(rep)
	fmt.Fprint(stdout, md)
	if err := os.WriteFile(c.mdOut, []byte(md), 0o644); err != nil {
		return err
	}
	if err := writeJSON(c.jsonOut, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "runtime_vs_raw=%.2f vs_watermill=%.2f e2e_articles_per_s=%.0f\n",
		rep.Headline.RuntimeVsRaw, rep.Headline.VsWatermill, rep.Headline.E2EArticlesPerSecond)
	return nil
}

func runRelay(ctx context.Context, c config, logf func(string, ...any)) (RelaySection, error) {
	setup := relay.Setup{Articles: c.relayArticles, Concurrency: c.concurrency, Batch: 256, Payload: relay.Payload(5000)}
	sec := RelaySection{Articles: setup.Articles, Concurrency: setup.Concurrency, Rounds: c.rounds}
	samples := map[string][]relay.Result{}
	for r := range c.rounds {
		// Each round starts with the next variant, so that none always
		// runs first or right after the same other.
		n := len(c.relayVariants)
		for i := range n {
			v := c.relayVariants[(r+i)%n]
			var res relay.Result
			runOne := func() (err error) { res, err = relay.Run(ctx, v, setup); return err }
			var err error
			if v == "runtime" && r == 0 {
				err = measure.Profile(c.profileDir, "relay-runtime", runOne)
			} else {
				err = runOne()
			}
			if err != nil {
				return sec, err
			}
			samples[v] = append(samples[v], res)
			logf("relay round %d %-9s %8.0f articles/s %8.0f articles per CPU-second", r+1, v, res.PerSecond(), res.PerCPUSecond())
		}
	}
	for _, v := range c.relayVariants {
		rr := RelayResult{Variant: v}
		var times []time.Duration
		for _, s := range samples[v] {
			rr.PerSecond = append(rr.PerSecond, s.PerSecond())
			rr.PerCPUSecond = append(rr.PerCPUSecond, s.PerCPUSecond())
			times = append(times, s.Elapsed)
		}
		rr.Median = medianOf(rr.PerSecond)
		rr.MedianCPU = medianOf(rr.PerCPUSecond)
		rr.MedianTime = medianDuration(times).Round(time.Millisecond).String()
		sec.Results = append(sec.Results, rr)
	}
	return sec, nil
}

func runStages(ctx context.Context, c config, logf func(string, ...any)) (StageSection, error) {
	paths := []string{c.bbc}
	if c.variants != "" {
		paths = append(paths, c.variants)
	}
	raws, rejected, err := corpus.Articles(ctx, paths)
	if err != nil {
		return StageSection{}, err
	}
	if c.maxArticles > 0 && c.maxArticles < len(raws) {
		raws = raws[:c.maxArticles]
	}
	var pages []corpus.Page
	if c.pages != "" {
		if pages, err = corpus.Pages(c.pages, c.pageURLs); err != nil {
			return StageSection{}, err
		}
	}
	logf("stages: %d articles (%d rejected by intake), %d pages", len(raws), rejected, len(pages))
	sec := StageSection{Articles: len(raws), Pages: len(pages), ProseArticles: min(c.proseArticles, len(raws)), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if c.proseArticles == 0 {
		sec.ProseArticles = len(raws)
	}
	sec.Results, err = stages.Run(measure.WithProfileDir(ctx, c.profileDir), stages.Options{Articles: raws, Pages: pages, PeerArticles: c.proseArticles})
	for _, r := range sec.Results {
		logf("stage %-8s %-36s %8.0f items/s per core  p50 %v  p99 %v", r.Stage, r.Name, r.PerCore(), r.P50, r.P99)
	}
	return sec, err
}

func runE2E(ctx context.Context, c config, logf func(string, ...any)) (E2ESection, error) {
	bin := c.binary
	if bin == "" {
		dir, err := os.MkdirTemp("", "newsflow-bench-bin-")
		if err != nil {
			return E2ESection{}, err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "newsflow")
		logf("e2e: building ./cmd/newsflow")
		if err := e2e.Build(ctx, c.root, bin); err != nil {
			return E2ESection{}, err
		}
	}
	inputs := []string{c.bbc}
	if c.variants != "" {
		inputs = append(inputs, c.variants)
	}
	sec := E2ESection{Inputs: inputs, LoadBefore: loadAvg()}
	for i := range c.e2eRuns {
		res, err := e2e.Run(ctx, e2e.Options{Binary: bin, Inputs: inputs})
		if err != nil {
			return sec, err
		}
		logf("e2e run %d: %d articles in %v, %.0f articles/s, peak RSS %d MiB, latency p50 %v p99 %v",
			i+1, res.Accepted, res.Wall.Round(time.Millisecond), res.PerSecond(), res.PeakRSS>>20, res.P50, res.P99)
		sec.Runs = append(sec.Runs, res)
	}
	if len(c.e2eExtra) > 0 {
		res, err := e2e.Run(ctx, e2e.Options{Binary: bin, Inputs: inputs, Args: c.e2eExtra})
		if err != nil {
			return sec, err
		}
		logf("e2e %s: %d articles in %v, %.0f articles/s", strings.Join(c.e2eExtra, " "), res.Accepted, res.Wall.Round(time.Millisecond), res.PerSecond())
		sec.ExtraArgs, sec.Extra = c.e2eExtra, &res
	}
	return sec, nil
}

func headline(rep Report) Headline {
	var h Headline
	rel := map[string]RelayResult{}
	for _, r := range rep.Relay.Results {
		rel[r.Variant] = r
	}
	rt, raw, wm := rel["runtime"], rel["raw"], rel["watermill"]
	h.RuntimeVsRaw = pairedRatio(rt.PerSecond, raw.PerSecond)
	h.VsWatermill = pairedRatio(rt.PerSecond, wm.PerSecond)
	h.RuntimeVsRawCPU = pairedRatio(rt.PerCPUSecond, raw.PerCPUSecond)
	h.VsWatermillCPU = pairedRatio(rt.PerCPUSecond, wm.PerCPUSecond)
	h.RuntimeVsRawOfMedians = ratio(rt.Median, raw.Median)
	h.VsWatermillOfMedians = ratio(rt.Median, wm.Median)
	if m, ok := rep.E2E.Median(); ok {
		h.E2EArticlesPerSecond = m.PerSecond()
	}
	return h
}

// pairedRatio is the median over rounds of a's rate over b's in the same
// round. The rounds interleave the variants, so the two rates of a pair
// were taken seconds apart on the same machine: a slow spell on a shared
// machine moves both, and their ratio keeps what the variants cost. 0
// when either has no rounds.
func pairedRatio(a, b []float64) float64 {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	ratios := make([]float64, n)
	for i := range n {
		ratios[i] = ratio(a[i], b[i])
	}
	return medianOf(ratios)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
