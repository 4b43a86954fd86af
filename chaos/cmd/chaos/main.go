// Command chaos runs newsflow's fault suite: the five services as OS
// processes on NATS run in this process and the Elasticsearch double, a
// batch of articles per fault, and a table of what was sent, indexed,
// dead-lettered, lost and duplicated. Its last line is
//
//	faults=N sent=N indexed=N dead=N lost=N duplicated=N no_story=N
//
// and it exits 1 when anything was lost or duplicated, an article was
// indexed without a story, or a fault failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/newsflow/newsflow/chaos"
	"github.com/newsflow/newsflow/pkg/stage"
)

// Every environment's service logs are scanned for its secrets after it
// stops.
var (
	logLines int
	leaks    []string
)

func scan(e *chaos.Env) {
	n, l, err := e.ScanLogs()
	logLines += n
	leaks = append(leaks, l...)
	if err != nil {
		leaks = append(leaks, "scan: "+err.Error())
	}
}

// groups are the fault groups -only selects from, in the order they run.
var groups = []string{"kill", "rolling", "slowclient", "es", "poison", "cluster", "backpressure"}

// checkGroups refuses a -only naming a group that does not exist, which
// would otherwise run no fault and report success.
func checkGroups(only string) error {
	if only == "" {
		return nil
	}
	for _, g := range strings.Split(only, ",") {
		if !slices.Contains(groups, strings.TrimSpace(g)) {
			return fmt.Errorf("-only: no fault group %q (groups: %s)", strings.TrimSpace(g), strings.Join(groups, ","))
		}
	}
	return nil
}

type config struct {
	root     string
	articles int
	outage   time.Duration
	settle   time.Duration
	only     string
	keep     bool
	// poisonPairs and poisonArticles size the poison fault.
	poisonPairs, poisonArticles int
	poisonRate                  float64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.root, "root", ".", "repository root (services/ are built from here)")
	flag.IntVar(&cfg.articles, "articles", 200, "articles per fault")
	flag.DurationVar(&cfg.outage, "outage", 30*time.Second, "how long Elasticsearch is down in the outage fault (the issue asks for 2m)")
	flag.DurationVar(&cfg.settle, "settle", 90*time.Second, "how long a batch may take to be indexed or dead-lettered")
	flag.StringVar(&cfg.only, "only", "", "run only the groups named, comma separated: "+strings.Join(groups, ","))
	flag.IntVar(&cfg.poisonPairs, "poison-pairs", 3, "pairs of rounds (control, poison) the poison fault runs")
	flag.IntVar(&cfg.poisonArticles, "poison-articles", 500, "articles per round of the poison fault")
	flag.Float64Var(&cfg.poisonRate, "poison-rate", 50, "articles per second the poison fault publishes (0: as fast as possible)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work folder (service logs, NATS storage)")
	flag.Parse()
	if err := checkGroups(cfg.only); err != nil || flag.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %q (flags only)", flag.Arg(0))
		}
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	begin := time.Now()
	dir, err := os.MkdirTemp("", "newsflow-chaos-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Fprintln(out, "work folder:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	fmt.Fprintln(out, "building the services…")
	bins, err := chaos.Build(ctx, cfg.root, filepath.Join(dir, "bin"), chaos.Services...)
	if err != nil {
		return err
	}
	want := func(group string) bool {
		if cfg.only == "" {
			return true
		}
		for _, g := range strings.Split(cfg.only, ",") {
			if strings.TrimSpace(g) == group {
				return true
			}
		}
		return false
	}
	o := chaos.Options{Articles: cfg.articles, Outage: cfg.outage, Settle: cfg.settle,
		PoisonPairs: cfg.poisonPairs, PoisonArticles: cfg.poisonArticles, PoisonRate: cfg.poisonRate}
	var results []chaos.Result
	report := func(rs ...chaos.Result) {
		for _, r := range rs {
			status := "ok"
			if r.Err != nil {
				status = "FAIL: " + r.Err.Error()
			}
			if r.Err == nil && r.NoStory > 0 {
				r.Err = fmt.Errorf("%d articles indexed without a story_id", r.NoStory)
				status = "FAIL: " + r.Err.Error()
			}
			fmt.Fprintf(out, "  %-40s %4d sent %4d indexed %3d dead %3d lost %3d dup %3d no story  %6.1fs  %s\n",
				r.Fault, r.Sent, r.Indexed, r.Dead, r.Lost, r.Duplicated, r.NoStory, r.Took.Seconds(), status)
			if r.FirstDead != "" {
				r.Notes = append(r.Notes, "a dead letter: "+clip(r.FirstDead, 300))
			}
			for _, n := range r.Notes {
				fmt.Fprintf(out, "      %s\n", n)
			}
		}
		results = append(results, rs...)
	}

	failStart := func(group string, err error) {
		report(chaos.Result{Fault: group + " (environment)", Err: err})
	}
	if want("kill") || want("rolling") || want("slowclient") || want("es") || want("poison") {
		if err := single(ctx, filepath.Join(dir, "single"), bins, o, want, report); err != nil {
			failStart("single server", err)
		}
	}
	if want("cluster") {
		e, err := chaos.NewEnv(ctx, filepath.Join(dir, "cluster"), bins, chaos.EnvConfig{Nodes: 3})
		if err == nil {
			err = e.StartAll(ctx)
			if err == nil {
				rs := chaos.Cluster(ctx, e, o)
				if len(e.EarlyExits) > 0 {
					rs[0].Notes = append(rs[0].Notes, fmt.Sprintf("services that exited at start and were started again: %v", e.EarlyExits))
				}
				report(rs...)
			}
			e.Close()
			scan(e)
		}
		if err != nil {
			failStart("NATS cluster", err)
		}
	}
	if want("backpressure") {
		const maxBytes, maxBacklog = 4 << 20, 100
		e, err := chaos.NewEnv(ctx, filepath.Join(dir, "backpressure"), bins, chaos.EnvConfig{
			StreamMaxBytes: maxBytes,
			Env: map[string][]string{
				// Streams this small hold a few hundred articles; the
				// backlog limit must stay below that, as the README says.
				"":               {"NEWSFLOW_MAX_BACKLOG=" + strconv.Itoa(maxBacklog)},
				stage.NameIngest: {"NEWSFLOW_INTAKE_RETRY_AFTER=1s"},
				stage.NameEnrich: {"NEWSFLOW_CONCURRENCY=1"},
			},
		})
		if err == nil {
			err = e.StartAll(ctx)
			if err == nil {
				report(chaos.Backpressure(ctx, e, o, maxBytes, maxBacklog))
			}
			e.Close()
			scan(e)
		}
		if err != nil {
			failStart("backpressure", err)
		}
	}

	fmt.Fprintf(out, "secrets (NATS password, ES API key) in the services' logs: %d of %d lines\n", len(leaks), logLines)
	for _, l := range leaks[:min(len(leaks), 5)] {
		fmt.Fprintln(out, "  LEAK:", clip(l, 300))
	}
	var sent, indexed, dead, lost, dup, noStory, failed int
	for _, r := range results {
		sent += r.Sent
		indexed += r.Indexed
		dead += r.Dead
		lost += r.Lost
		dup += r.Duplicated
		noStory += r.NoStory
		if r.Err != nil {
			failed++
		}
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out)
	fmt.Fprintln(tw, "fault\tsent\tindexed\tdead-lettered\tlost\tduplicated\tno story\tseconds\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t\n", r.Fault, r.Sent, r.Indexed, r.Dead, r.Lost, r.Duplicated, r.NoStory, r.Took.Seconds())
	}
	tw.Flush()
	fmt.Fprintf(out, "suite took %s; %d of %d faults failed\n", time.Since(begin).Round(time.Second), failed, len(results))
	fmt.Fprintf(out, "faults=%d sent=%d indexed=%d dead=%d lost=%d duplicated=%d no_story=%d\n", len(results), sent, indexed, dead, lost, dup, noStory)
	if len(leaks) > 0 {
		failed++
	}
	if failed > 0 || lost > 0 || dup > 0 || noStory > 0 {
		return fmt.Errorf("%d faults failed, %d articles lost, %d duplicated, %d without a story", failed, lost, dup, noStory)
	}
	return nil
}

// single runs the faults that share one NATS server and one set of
// service processes.
func single(ctx context.Context, dir string, bins map[string]string, o chaos.Options, want func(string) bool, report func(...chaos.Result)) error {
	e, err := chaos.NewEnv(ctx, dir, bins, chaos.EnvConfig{Env: map[string][]string{
		stage.NameStories: {
			"NEWSFLOW_STORIES_STATE_BUCKET=" + chaos.StoriesStateBucket,
			"NEWSFLOW_STORIES_STATE_INTERVAL=" + chaos.StoriesStateInterval.String(),
		},
	}})
	if err != nil {
		return err
	}
	defer scan(e)
	defer e.Close()
	if err := e.StartAll(ctx); err != nil {
		return err
	}
	report(chaos.Baseline(ctx, e, o))
	if want("kill") {
		for _, name := range chaos.Services {
			report(chaos.KillNine(ctx, e, name, o))
		}
		report(chaos.KillAfterSnapshot(ctx, e, o))
	}
	if want("rolling") {
		report(chaos.RollingRestart(ctx, e, o))
	}
	if want("slowclient") {
		report(chaos.SlowClient(ctx, e, o))
	}
	if want("es") {
		report(chaos.ElasticRejects(ctx, e, o))
		report(chaos.ElasticBursts(ctx, e, o))
		report(chaos.ElasticSlow(ctx, e, o))
		report(chaos.ElasticOutage(ctx, e, o))
	}
	if want("poison") {
		report(chaos.Poison(ctx, e, o))
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
