package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/internal/webui"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// runOptions are newsflow run's settings.
type runOptions struct {
	pipeline pipeline.Options
	once     bool
	inputs   stringList
	source   string
	httpAddr string
	logLevel string
	// cpuProfile, when set, receives a CPU profile of the whole run.
	cpuProfile string
	// memProfile, when set, receives the run's allocation profile (every
	// sampled allocation since the start: go tool pprof -sample_index=alloc_space).
	memProfile string
}

// runFlags registers run's flags and every setting it reads from the
// environment; validate checks them, and unknown lists the NEWSFLOW_*
// variables none of them reads.
func runFlags(fs *flag.FlagSet) (o *runOptions, validate func() error, unknown func(environ []string) []stage.UnknownVar) {
	o = &runOptions{pipeline: pipeline.DefaultOptions("")}
	o.pipeline.Version = Version
	// Stage settings (batch, concurrency, retries, stream limits) come
	// from the same NEWSFLOW_* variables the services read.
	stageEnv := &stage.EnvFlags{FlagSet: flag.NewFlagSet("env", flag.ContinueOnError)}
	o.pipeline.Stage.Flags(stageEnv)

	e := &stage.EnvFlags{FlagSet: fs}
	e.String(&o.pipeline.DataDir, "data", "NEWSFLOW_DATA", "data directory for JetStream and the search index")
	if o.pipeline.DataDir == "" {
		o.pipeline.DataDir = dataDir()
	}
	fs.StringVar(&o.pipeline.NATSURL, "nats", "", "use this external NATS instead of the embedded server")
	fs.StringVar(&o.pipeline.Listen, "listen", "127.0.0.1:4222", "embedded NATS listen address (port 0 picks a free one)")
	fs.StringVar(&o.httpAddr, "http", "127.0.0.1:8080", "HTTP address for intake, search, /metrics and health; empty to disable (with --once, served only when given)")
	fs.BoolVar(&o.once, "once", false, "ingest --input, wait until every article is indexed or dead-lettered, then exit")
	fs.Var(&o.inputs, "input", "files and folders to ingest: --input A B, or repeated")
	fs.StringVar(&o.source, "source", "", "source of the --input articles that name none (default: the name of the folder given, or holding the file given)")
	fs.StringVar(&o.pipeline.ExportPath, "export", "", "write the final documents as JSON lines to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write the run's allocation profile to this file at the end (go tool pprof -sample_index=alloc_space)")
	fs.StringVar(&o.logLevel, "log-level", "", "debug, info, warn or error (default warn with --once, else info)")
	fs.IntVar(&o.pipeline.Stage.Consumer.Concurrency, "concurrency", o.pipeline.Stage.Consumer.Concurrency, "messages each stage processes at once")
	// Each service's own settings, registered by the service itself.
	services := pipeline.Services(&o.pipeline)
	for _, svc := range services {
		svc.Flags(e)
	}
	return o, func() error {
			errs := []error{stageEnv.Err(), e.Err(), o.pipeline.Stage.Validate()}
			for _, svc := range services {
				errs = append(errs, svc.Validate())
			}
			return errors.Join(errs...)
		}, func(environ []string) []stage.UnknownVar {
			return stage.UnknownSettings(environ, stageEnv, e)
		}
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	o, validate, unknown := runFlags(fs)
	if err := parse(fs, multiValue(args, "input")); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	if o.once && len(o.inputs) == 0 {
		fmt.Fprintln(stderr, "newsflow run: --once needs at least one --input")
		return ErrUsage
	}
	if o.logLevel == "" {
		o.logLevel = "info"
		if o.once {
			o.logLevel = "warn"
		}
	}
	log, err := consoleLogger(stderr, o.logLevel)
	if err != nil {
		return err
	}
	defer log.Sync()
	if _, goSet := os.LookupEnv("GOMEMLIMIT"); o.pipeline.Stage.MemoryLimit == 0 && !goSet {
		defer followLiveHeap(defaultMemoryFloor, time.Second)()
		log.Info("memory limit follows the live heap: 1.5 times it below " + stage.ByteSize(smallLiveHeap).String() + ", then twice it while within " + stage.ByteSize(heapBudget).String() + ", at most " + stage.ByteSize(maxHeadroom).String() + " more, at least " + stage.ByteSize(defaultMemoryFloor).String() + ", plus the runtime's memory beside the heap, " + stage.ByteSize(memoryBudget).String() + " in all unless the live heap and an eighth of it need more (NEWSFLOW_MEMORY_LIMIT sets a fixed one)")
	} else {
		stage.LogMemoryLimit(log, stage.ApplyMemoryLimit(o.pipeline.Stage.MemoryLimit))
	}
	for _, u := range unknown(os.Environ()) {
		log.Warn("unknown setting ignored: no setting of newsflow run reads it", zap.String("variable", u.Name), zap.String("did_you_mean", u.Suggestion))
	}
	if o.once && o.pipeline.NATSURL == "" && !flagSet(fs, "listen") {
		o.pipeline.Listen = "127.0.0.1:0" // a batch run needs no well-known port
	}

	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if o.memProfile != "" {
		defer writeAllocProfile(o.memProfile, log)
	}
	started := time.Now()
	// ctx is the stop signal; the stages work under a context of their
	// own, so Ctrl-C or SIGTERM drains in-flight messages instead of
	// cancelling them.
	work, startedWork, abandon := stage.WorkContext(ctx)
	defer abandon()
	p, err := pipeline.Open(work, o.pipeline, log)
	if err != nil {
		return err
	}
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.pipeline.Stage.ShutdownTimeout)
		defer cancel()
		return p.Shutdown(sctx)
	}
	// The inputs are read and published while the stages start: they wait
	// in articles.raw, and ingest and dedupe start on them while enrich
	// loads its models.
	inputs, stopPublishing := publishInputs(ctx, p, o, stderr, log)
	if err := p.StartStages(work); err != nil {
		stopPublishing()
		return errors.Join(err, shutdown())
	}
	startedWork()
	if o.once {
		// A batch run serves HTTP (metrics, health, the profiler with
		// NEWSFLOW_PPROF) only when --http is given, e.g. to watch a long
		// load run.
		var srv *http.Server
		stopWarming := func() {}
		if flagSet(fs, "http") {
			if srv, stopWarming, err = serveHTTP(p, o, log); err != nil {
				return errors.Join(err, shutdown())
			}
		}
		report, err := runOnce(ctx, p, inputs, stderr)
		stopWarming()
		var dead []DeadLetter
		var indexed uint64
		if err == nil {
			// Read while the server still runs; only this run's letters.
			dead, err = readDeadLetters(ctx, p.Runtime().JetStream(), "", started, maxSummaryDeadLetters)
		}
		if err == nil {
			indexed, err = p.Index().Count()
		}
		if serr := shutdown(); err == nil {
			err = serr
		}
		if srv != nil {
			_ = srv.Close()
		}
		if err != nil {
			return err
		}
		return printSummary(stdout, report, p, indexed, time.Since(started), o.pipeline.ExportPath, dead)
	}

	srv, stopWarming, err := serveHTTP(p, o, log)
	if err != nil {
		return errors.Join(err, shutdown())
	}
	if inputs != nil {
		in := <-inputs
		if in.err != nil {
			log.Error("ingesting --input", zap.Error(in.err))
		}
		fmt.Fprint(stderr, in.summary.String())
	}
	log.Info("pipeline running; Ctrl-C to stop", zap.String("nats", p.URL()), zap.String("data", o.pipeline.DataDir))
	<-ctx.Done()
	log.Info("draining")
	stopWarming()
	err = shutdown()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, srv.Shutdown(sctx))
	}
	if err == nil {
		log.Info("stopped: every stage drained, the search index closed")
	}
	return err
}

// serveHTTP serves intake (which the ingest service registered), search,
// metrics and health for a long run. Until stopWarming is called (before
// the index closes), the searches' columns of new segments are read
// every WarmEvery, ahead of the searches.
func serveHTTP(p *pipeline.Pipeline, o *runOptions, log *zap.Logger) (srv *http.Server, stopWarming func(), err error) {
	if o.httpAddr == "" {
		return nil, func() {}, nil
	}
	rt := p.Runtime()
	articles := search.ForIndex(p.Index())
	search.MountAPI(rt.Handle, articles, p.Stories(), log)
	ui, err := webui.New(webui.Options{Index: p.Index(), Articles: articles, Stories: p.Stories(), Pipeline: jetStreamPipeline{rt.JetStream()}, Log: log.Named("webui")})
	if err != nil {
		return nil, nil, err
	}
	ui.Mount(rt.Handle)
	ln, err := net.Listen("tcp", o.httpAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("http listen %s: %w", o.httpAddr, err)
	}
	stopWarming = articles.KeepWarm(WarmEvery, log.Named("search"))
	srv = stage.NewHTTPServer(rt.Handler())
	srv.RegisterOnShutdown(ui.Stop)
	cert, key := o.pipeline.Stage.HTTPTLSCert, o.pipeline.Stage.HTTPTLSKey
	go func() {
		var err error
		if cert != "" {
			err = srv.ServeTLS(ln, cert, key) // NEWSFLOW_HTTP_TLS_CERT / _KEY
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http", zap.Error(err))
		}
	}()
	log.Info("http", zap.String("web UI", "http://"+ln.Addr().String()+"/"),
		zap.String("intake", "POST /v1/articles"), zap.String("search", "GET /v1/search?q="))
	return srv, stopWarming, nil
}

// WarmEvery is how often a long run's server looks for new segments of
// the search index (commits, merges) to read ahead of the searches.
const WarmEvery = time.Second

// published is the outcome of publishing --input.
type published struct {
	summary intake.Summary
	err     error
}

// publishInputs publishes --input to articles.raw in the background, and
// returns where its outcome arrives (nil without inputs) and a stop that
// cancels it and waits for it to end.
func publishInputs(ctx context.Context, p *pipeline.Pipeline, o *runOptions, stderr io.Writer, log *zap.Logger) (<-chan published, func()) {
	if len(o.inputs) == 0 {
		return nil, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan published, 1)
	go func() {
		defer cancel()
		sum, err := publishPaths(ctx, p.Runtime().JetStream(), o.inputs, o.source, o.pipeline.Stage.Consumer.MaxBacklog, stderr, log)
		done <- published{sum, err}
	}()
	return done, func() {
		cancel()
		<-done
	}
}

// runOnce waits for the inputs to be published, then until the pipeline
// is idle.
func runOnce(ctx context.Context, p *pipeline.Pipeline, inputs <-chan published, stderr io.Writer) (intake.Summary, error) {
	in := <-inputs
	report, err := in.summary, in.err
	if err != nil {
		return report, err
	}
	bar := newProgress(stderr, int64(report.Accepted), "processing")
	err = p.WaitIdle(ctx, func(lags []pipeline.Lag) {
		var done uint64
		for _, c := range p.Runtime().Consumers() {
			s := c.Stats()
			done += s.Dead + s.AlreadyStored // both go no further
			if c.Name() == stage.NameIndex {
				done += s.Out
			}
		}
		bar.set(int64(done))
	})
	bar.finish()
	return report, err
}

// maxSummaryDeadLetters bounds how many dead letters a summary reads.
const maxSummaryDeadLetters = 10000

// printDeadReasons groups dead letters by stage and reason, most frequent
// first, so a batch run says why articles did not make it.
func printDeadReasons(w io.Writer, dead []DeadLetter) {
	if len(dead) == 0 {
		return
	}
	type group struct {
		key string
		n   int
	}
	counts := map[string]*group{}
	var order []*group
	for _, l := range dead {
		key := l.Stage + ": " + truncateReason(l.Reason, 120)
		g := counts[key]
		if g == nil {
			g = &group{key: key}
			counts[key] = g
			order = append(order, g)
		}
		g.n++
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].n > order[j].n })
	fmt.Fprintf(w, "\ndead letters (%d; kept under the data directory: 'newsflow dlq list' shows each while 'newsflow run' is up):\n", len(dead))
	for i, g := range order {
		if i == 10 {
			fmt.Fprintf(w, "  … %d more reasons\n", len(order)-10)
			break
		}
		fmt.Fprintf(w, "  %6d  %s\n", g.n, g.key)
	}
}

func truncateReason(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func printSummary(w io.Writer, report intake.Summary, p *pipeline.Pipeline, indexed uint64, elapsed time.Duration, export string, dead []DeadLetter) error {
	fmt.Fprintf(w, "\nintake: %s", report)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nstage\tin\tout\tduplicates\tretried\tdead-lettered\tin flight\t")
	for _, c := range p.Runtime().Consumers() {
		s := c.Stats()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t\n", c.Name(), s.In, s.Out, s.Duplicates, s.Retried, s.Dead, inFlight(s.Busy, elapsed))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range p.Runtime().Consumers() {
		if n := c.Stats().AlreadyStored; n > 0 {
			fmt.Fprintf(w, "%s: %d made a document already stored under its id (the same article as an earlier one), not stored again\n", c.Name(), n)
		}
	}
	printDeadReasons(w, dead)
	// The indexer row counts messages, revisions (dedupe merges) included;
	// this is the documents a search can find.
	fmt.Fprintf(w, "\nindex: %d documents\n", indexed)
	if p50, p99 := p.Latency(); p99 > 0 {
		fmt.Fprintf(w, "\nlatency: p50=%s p99=%s (ingested to indexed)\n", p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	}
	readMemory().print(w)
	fmt.Fprintf(w, "\ndone in %s", elapsed.Round(time.Millisecond))
	if export != "" {
		fmt.Fprintf(w, "; %d documents written to %s", p.Export().Count(), export)
	}
	fmt.Fprintln(w)
	return nil
}

// inFlight is how many messages a stage was handling at once on average
// over the run: the time its workers spent on messages, summed, over the
// run's wall time. The indexer's counts documents waiting in a bulk
// batch too, so it is far above its workers.
func inFlight(busy, elapsed time.Duration) string {
	if elapsed <= 0 {
		return "-"
	}
	return strconv.FormatFloat(busy.Seconds()/elapsed.Seconds(), 'f', 1, 64)
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeAllocProfile writes every allocation sampled since the process
// started (the "allocs" profile) to path.
func writeAllocProfile(path string, log *zap.Logger) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		log.Error("memory profile", zap.String("path", path), zap.Error(err))
	}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// progress draws a one-line bar on a terminal and nothing elsewhere.
type progress struct {
	w     io.Writer
	total int64
	label string
	tty   bool
	last  time.Time
}

func newProgress(w io.Writer, total int64, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, total: total, label: label, tty: ok && isTerminal(f)}
}

func (p *progress) set(n int64) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(n)
}

func (p *progress) draw(n int64) {
	const width = 30
	if p.total <= 0 {
		return
	}
	n = min(n, p.total)
	filled := int(width * n / p.total)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '-'
		if i < filled {
			bar[i] = '='
		}
	}
	fmt.Fprintf(p.w, "\r%-10s [%s] %d/%d", p.label, bar, n, p.total)
}

func (p *progress) finish() {
	if p.tty && p.total > 0 {
		p.draw(p.total)
		fmt.Fprintln(p.w)
	}
}
