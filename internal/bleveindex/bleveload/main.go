// Command bleveload indexes many synthetic news documents into a
// bleveindex.Index the way `newsflow run` does (many concurrent Index
// callers, batches of up to 256, a 500 ms linger) and prints, per block of
// documents, the throughput, the CPU time per document, Go heap, RSS,
// goroutines, and scorch's segment, file and merge counters. It exists to
// check that the cost per document stays flat as the index grows, and,
// with -docs, to measure what the index costs on real documents (the
// export of a `newsflow run --once`, in the order they were indexed).
//
//	go run ./bleveindex/bleveload -n 100000 -cpuprofile late.pprof -profile-from 80000
//	go run ./bleveindex/bleveload -docs export.jsonl -callers 160 -queries 0
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

type config struct {
	n, block, callers, batch int
	linger                   time.Duration
	dir                      string
	keep                     bool
	seed                     uint64
	cpuProfile, memProfile   string
	profileFrom              int
	scorch                   string
	queries                  int
	// docs, when set, is a JSON lines file of schema.Document to index
	// instead of the synthetic corpus; n is then its first n documents.
	docs          string
	searchProfile string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.n, "n", 100_000, "documents to index")
	flag.IntVar(&cfg.block, "block", 10_000, "documents per reported block")
	flag.IntVar(&cfg.callers, "callers", 256, "concurrent Index callers (the sink's concurrency)")
	flag.IntVar(&cfg.batch, "batch", 256, "bleveindex.Options.BatchSize")
	flag.DurationVar(&cfg.linger, "linger", 500*time.Millisecond, "bleveindex.Options.Linger")
	flag.StringVar(&cfg.dir, "dir", "", "index directory (default: a new temporary directory, removed at the end)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temporary index directory")
	flag.Uint64Var(&cfg.seed, "seed", 1, "random seed of the corpus")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the documents from -profile-from on")
	flag.IntVar(&cfg.profileFrom, "profile-from", 0, "document count at which the CPU profile starts")
	flag.StringVar(&cfg.memProfile, "memprofile", "", "write a heap profile at the end")
	flag.StringVar(&cfg.searchProfile, "searchprofile", "", "write a CPU profile of the searches")
	flag.IntVar(&cfg.queries, "queries", 200, "known-item searches (a sampled article's title as the query) to time after indexing")
	flag.StringVar(&cfg.scorch, "scorch", "", `JSON object overriding scorch configuration entries, e.g. {"scorchMergePlanOptions":{"SegmentsPerMergeTask":10}}`)
	flag.StringVar(&cfg.docs, "docs", "", "JSON lines of documents to index instead of the synthetic corpus (newsflow run --export writes them); -n then takes the first n, and defaults to all")
	flag.Parse()
	nSet := false
	flag.Visit(func(f *flag.Flag) { nSet = nSet || f.Name == "n" })
	if cfg.docs != "" && !nSet {
		cfg.n = -1 // every document of the file
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := zap.NewDevelopment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := run(ctx, cfg, os.Stdout, log); err != nil {
		log.Error("bleveload failed", zap.Error(err))
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer, log *zap.Logger) error {
	dir := cfg.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bleveload-")
		if err != nil {
			return err
		}
		if !cfg.keep {
			defer os.RemoveAll(tmp)
		}
		dir = filepath.Join(tmp, "search")
	}
	opts := bleveindex.Options{BatchSize: cfg.batch, Linger: cfg.linger}
	if cfg.scorch != "" {
		if err := json.Unmarshal([]byte(cfg.scorch), &opts.Scorch); err != nil {
			return fmt.Errorf("-scorch: %w", err)
		}
	}
	ix, err := bleveindex.OpenWith(dir, log, opts)
	if err != nil {
		return err
	}
	defer ix.Close()

	next, err := source(&cfg)
	if err != nil {
		return err
	}
	docs := make(chan *schema.Document, 4*cfg.callers)
	var sample []*schema.Document // read after the generator is done
	every := max(1, cfg.n/max(1, cfg.queries))
	go func() {
		defer close(docs)
		for i := range cfg.n {
			d := next(i)
			if cfg.queries > 0 && i%every == every/2 && len(sample) < cfg.queries {
				sample = append(sample, d)
			}
			select {
			case docs <- d:
			case <-ctx.Done():
				return
			}
		}
	}()

	var done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range cfg.callers {
		wg.Go(func() {
			for d := range docs {
				if err := ix.Index(ctx, d); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()

	fmt.Fprintf(out, "dir %s, %d docs, %d callers, batch %d, linger %s, scorch overrides %q, GOMAXPROCS %d\n",
		dir, cfg.n, cfg.callers, cfg.batch, cfg.linger, cfg.scorch, runtime.GOMAXPROCS(0))
	fmt.Fprintln(out, "docs\tdocs/s\tcpu_ms/doc\theap_MiB\tsys_MiB\trss_MiB\tanon_MiB\tfile_MiB\thwm_MiB\tgoroutines\tmem_segs\tfile_segs\tfiles\tdisk_MiB\tmerged_segs\tmerge_s\tmem_merge_s\tgc")
	start := time.Now()
	last, lastCPU, lastDone := start, cpuTime(), int64(0)
	profiling := false
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	report := func(n int64) {
		now, cpu := time.Now(), cpuTime()
		fmt.Fprintln(out, line(ix, dir, n, float64(n-lastDone)/now.Sub(last).Seconds(),
			float64((cpu-lastCPU).Milliseconds())/float64(max(1, n-lastDone))))
		last, lastCPU, lastDone = now, cpu, n
	}
loop:
	for nextReport := int64(cfg.block); ; {
		select {
		case <-finished:
			break loop
		case <-tick.C:
		}
		n := done.Load()
		if cfg.cpuProfile != "" && !profiling && n >= int64(cfg.profileFrom) {
			f, err := os.Create(cfg.cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
			profiling = true
		}
		if n >= nextReport {
			report(n)
			for nextReport <= n {
				nextReport += int64(cfg.block)
			}
		}
	}
	if n := done.Load(); n != lastDone {
		report(n)
	}
	if firstErr != nil {
		return firstErr
	}
	total := time.Since(start)
	cnt, _ := ix.Count()
	fmt.Fprintf(out, "indexed %d (count %d) in %s: %.0f docs/s\n", done.Load(), cnt, total.Round(time.Millisecond),
		float64(done.Load())/total.Seconds())
	if len(sample) > 0 {
		if profiling {
			pprof.StopCPUProfile() // the indexing profile ends here
		}
		if cfg.searchProfile != "" {
			f, err := os.Create(cfg.searchProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
		}
		err := timeSearches(ctx, ix, sample, out)
		if cfg.searchProfile != "" {
			pprof.StopCPUProfile()
		}
		if err != nil {
			return err
		}
	}
	if cfg.memProfile != "" {
		f, err := os.Create(cfg.memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			return err
		}
	}
	closeStart := time.Now()
	if err := ix.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "closed in %s; peak RSS %d MiB\n", time.Since(closeStart).Round(time.Millisecond), procStatus("VmHWM")>>10)
	return nil
}

// source returns the documents to index: the synthetic corpus, or the
// documents of cfg.docs (all of them when cfg.n is negative), read before
// indexing starts so that reading them is not in the CPU per document.
// It sets cfg.n to the number of documents when they come from a file.
func source(cfg *config) (func(int) *schema.Document, error) {
	if cfg.docs == "" {
		if cfg.n < 0 {
			return nil, fmt.Errorf("-n %d: want at least 0", cfg.n)
		}
		return newCorpus(cfg.seed).next, nil
	}
	f, err := os.Open(cfg.docs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var all []*schema.Document
	dec := json.NewDecoder(f)
	for cfg.n < 0 || len(all) < cfg.n {
		d := new(schema.Document)
		if err := dec.Decode(d); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s, document %d: %w", cfg.docs, len(all)+1, err)
		}
		all = append(all, d)
	}
	if cfg.n > len(all) {
		return nil, fmt.Errorf("-n %d: %s holds %d documents", cfg.n, cfg.docs, len(all))
	}
	cfg.n = len(all)
	return func(i int) *schema.Document { return all[i] }, nil
}

// line is one report row.
func line(ix *bleveindex.Index, dir string, n int64, rate, cpuPerDoc float64) string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := scorchStats(ix)
	files, bytes := diskUsage(dir)
	return fmt.Sprintf("%d\t%.0f\t%.2f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%d",
		n, rate, cpuPerDoc, ms.HeapAlloc>>20, ms.Sys>>20, procStatus("VmRSS")>>10,
		procStatus("RssAnon")>>10, procStatus("RssFile")>>10, procStatus("VmHWM")>>10,
		runtime.NumGoroutine(),
		st["TotMemorySegmentsAtRoot"], st["TotFileSegmentsAtRoot"], files, bytes>>20,
		st["TotFileMergeSegments"], float64(st["TotFileMergeZapTime"])/1e9, float64(st["TotMemMergeZapTime"])/1e9,
		ms.NumGC)
}

// scorchStats returns scorch's numeric counters.
func scorchStats(ix *bleveindex.Index) map[string]uint64 {
	out := map[string]uint64{}
	idx, _ := ix.Bleve().StatsMap()["index"].(map[string]any)
	for k, v := range idx {
		if u, ok := v.(uint64); ok {
			out[k] = u
		}
	}
	return out
}

func diskUsage(dir string) (files int, bytes int64) {
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			files++
			bytes += fi.Size()
		}
		return nil
	})
	return files, bytes
}

// procStatus returns a kB field of /proc/self/status (0 where there is none).
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
