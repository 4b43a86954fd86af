// Package measure times a unit of work over many items: throughput on the
// wall clock, throughput per CPU-second of the whole process (articles/s
// per core, which stays comparable when other programs share the cores),
// and the latency of each call at p50 and p99.
//
// CPU time is the process's user plus system time from getrusage, so it
// includes the garbage collector and, for the stages that talk to an
// embedded NATS server or an HTTP double, the server's share too. That is
// deliberate: it is the CPU the stage costs to run.
package measure

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
)

// ErrNoItems means a measurement was asked to run over nothing.
var ErrNoItems = errors.New("measure: no items")

// Spec is one measurement.
type Spec struct {
	// Name labels the result, e.g. "ingest text (Ingester.Process)".
	Name string
	// Items is how many times Fn is called, with i from 0 to Items-1.
	Items int
	// Workers is how many goroutines call Fn at once; 0 means 1.
	Workers int
	// Bytes returns the input size of item i, for MB/s; nil means none.
	Bytes func(i int) int
	// Tokens returns the token count of item i, for tokens/s; nil means none.
	Tokens func(i int) int
}

// Result is one measurement's outcome.
type Result struct {
	Name    string        `json:"name"`
	Items   int           `json:"items"`
	Errors  int           `json:"errors"`
	Workers int           `json:"workers"`
	Bytes   int64         `json:"bytes,omitempty"`
	Tokens  int64         `json:"tokens,omitempty"`
	Wall    time.Duration `json:"wall_ns"`
	CPU     time.Duration `json:"cpu_ns"`
	P50     time.Duration `json:"p50_ns"`
	P99     time.Duration `json:"p99_ns"`
	// FirstError is the first error Fn returned, for the report.
	FirstError string `json:"first_error,omitempty"`
}

// PerSecond is items per wall-clock second.
func (r Result) PerSecond() float64 { return perSecond(float64(r.Items), r.Wall) }

// PerCore is items per CPU-second: articles/s on one core.
func (r Result) PerCore() float64 { return perSecond(float64(r.Items), r.CPU) }

// MBPerCore is input megabytes (10^6 bytes) per CPU-second.
func (r Result) MBPerCore() float64 { return perSecond(float64(r.Bytes)/1e6, r.CPU) }

// TokensPerCore is tokens per CPU-second.
func (r Result) TokensPerCore() float64 { return perSecond(float64(r.Tokens), r.CPU) }

func perSecond(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

// Run calls fn for every item of s on s.Workers goroutines and measures
// the whole. Errors from fn are counted, not fatal: a stage that rejects
// some input still has a speed. Run stops early when ctx ends.
func Run(ctx context.Context, s Spec, fn func(ctx context.Context, i int) error) (Result, error) {
	if s.Items <= 0 {
		return Result{}, fmt.Errorf("%w: %s", ErrNoItems, s.Name)
	}
	workers := max(s.Workers, 1)
	res := Result{Name: s.Name, Items: s.Items, Workers: workers}
	for i := range s.Items {
		if s.Bytes != nil {
			res.Bytes += int64(s.Bytes(i))
		}
		if s.Tokens != nil {
			res.Tokens += int64(s.Tokens(i))
		}
	}
	if dir, _ := ctx.Value(profileDirKey{}).(string); dir != "" {
		err := Profile(dir, slug(s.Name), func() (err error) {
			res, err = run(ctx, s, fn, res)
			return err
		})
		return res, err
	}
	return run(ctx, s, fn, res)
}

type profileDirKey struct{}

// WithProfileDir returns a context under which every Run writes a CPU
// profile of its timed part to dir, named after the Spec.
func WithProfileDir(ctx context.Context, dir string) context.Context {
	return context.WithValue(ctx, profileDirKey{}, dir)
}

// slug turns a measurement name into a file name.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func run(ctx context.Context, s Spec, fn func(ctx context.Context, i int) error, res Result) (Result, error) {
	workers := res.Workers
	lat := make([]time.Duration, s.Items)
	var (
		next     atomic.Int64
		errCount atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	cpu0 := CPUTime()
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= s.Items || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := fn(ctx, i)
				lat[i] = time.Since(t0)
				if err != nil {
					errCount.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	res.Wall = time.Since(start)
	res.CPU = CPUTime() - cpu0
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.Errors = int(errCount.Load())
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	res.P50, res.P99 = Quantiles(lat)
	return res, nil
}

// Quantiles returns the p50 and p99 of ds (nearest rank), sorting ds.
func Quantiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[rank(len(ds), 0.50)], ds[rank(len(ds), 0.99)]
}

// rank is the nearest-rank index of quantile q among n sorted values.
func rank(n int, q float64) int {
	i := int(math.Ceil(q*float64(n))) - 1
	return min(max(i, 0), n-1)
}

// CPUTime is the user plus system CPU time this process has used.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Profile runs fn under a CPU profile written to dir/name.pprof, or just
// runs it when dir is empty.
func Profile(dir, name string, fn func() error) error {
	if dir == "" {
		return fn()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	err = fn()
	pprof.StopCPUProfile()
	return err
}
