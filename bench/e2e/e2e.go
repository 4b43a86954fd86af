// Package e2e measures the whole pipeline as a user runs it: the newsflow
// binary, `newsflow run --once` over input files with every stage on, in
// a fresh data directory. It times the process from start to exit, reads
// its peak resident set size and CPU time from the kernel, and takes the
// article counts and the ingest-to-searchable latency from the summary
// the command prints.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrSummary means the run's output had no summary to read counts from.
var ErrSummary = errors.New("e2e: no run summary in output")

// Build compiles ./cmd/newsflow of the repository at root into out.
func Build(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/newsflow")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/newsflow: %w\n%s", err, msg)
	}
	return nil
}

// Options are one end-to-end run.
type Options struct {
	// Binary is the newsflow executable.
	Binary string
	// Inputs are the files and folders given as --input.
	Inputs []string
	// Args are extra arguments after "run --once".
	Args []string
	// Env is added to the process environment (NEWSFLOW_*=...).
	Env []string
}

// Stage is one row of the summary's stage table.
type Stage struct {
	Name       string `json:"name"`
	In         int    `json:"in"`
	Out        int    `json:"out"`
	Duplicates int    `json:"duplicates"`
	Retried    int    `json:"retried"`
	Dead       int    `json:"dead"`
}

// Result is one run's measurements.
type Result struct {
	// Accepted and Rejected are intake's counts of input articles.
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// Stages are the summary's per-stage counts.
	Stages []Stage `json:"stages"`
	// Wall is the process's lifetime, start-up and shutdown included.
	Wall time.Duration `json:"wall_ns"`
	// CPU is the process's user plus system time.
	CPU time.Duration `json:"cpu_ns"`
	// PeakRSS is the run's largest resident set, in bytes, as its summary
	// gives it (0 where the system does not say).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// P50 and P99 are the summary's ingested-to-indexed latencies;
	// HasLatency is false when the summary has no latency line.
	P50        time.Duration `json:"p50_ns"`
	P99        time.Duration `json:"p99_ns"`
	HasLatency bool          `json:"has_latency"`
	// Indexed is the documents in the search index at the end (the
	// summary's "index: N documents"); the indexer row counts messages,
	// dedupe's revisions of a document included.
	Indexed int `json:"indexed"`
	// Output is the summary the command printed.
	Output string `json:"-"`
}

// PerSecond is accepted input articles per wall-clock second of the whole
// process: every article reaches a final state (indexed, flagged as a
// duplicate and indexed, dropped as a re-send, or dead-lettered) before
// --once exits.
func (r Result) PerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Accepted) / r.Wall.Seconds()
}

// PerCore is accepted articles per CPU-second of the process.
func (r Result) PerCore() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Accepted) / r.CPU.Seconds()
}

// Stage returns the named row of the stage table.
func (r Result) Stage(name string) (Stage, bool) {
	for _, s := range r.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// Run runs `newsflow run --once` over o.Inputs in a fresh temporary data
// directory, with HTTP off, and measures it.
func Run(ctx context.Context, o Options) (Result, error) {
	dir, err := os.MkdirTemp("", "newsflow-e2e-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	args := []string{"run", "--once", "--data", filepath.Join(dir, "data"), "--http", ""}
	for _, in := range o.Inputs {
		args = append(args, "--input", in)
	}
	args = append(args, o.Args...)
	cmd := exec.CommandContext(ctx, o.Binary, args...)
	cmd.Env = append(os.Environ(), o.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return Result{}, fmt.Errorf("newsflow %s: %w\n%s", strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	res, err := Parse(stdout.String())
	if err != nil {
		return Result{}, fmt.Errorf("%w\nstdout:\n%s\nstderr:\n%s", err, tail(stdout.String(), 2000), tail(stderr.String(), 2000))
	}
	res.Wall = wall
	res.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return res, nil
}

var (
	intakeRe  = regexp.MustCompile(`intake: accepted (\d+), rejected (\d+)`)
	stageRe   = regexp.MustCompile(`^\s*([a-z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s*$`)
	latencyRe = regexp.MustCompile(`latency: p50=(\S+) p99=(\S+)`)
	indexRe   = regexp.MustCompile(`(?m)^index: (\d+) documents$`)
	// The run's own peak: wait4's maxrss would count the benchmark runner's
	// resident set too, which the child inherits at exec.
	memoryRe = regexp.MustCompile(`(?m)^memory: peak RSS (\d+) MiB`)
)

// Parse reads the summary `newsflow run --once` prints on stdout.
func Parse(out string) (Result, error) {
	res := Result{Output: out}
	m := intakeRe.FindStringSubmatch(out)
	if m == nil {
		return res, fmt.Errorf("%w: no %q line", ErrSummary, "intake: accepted N, rejected M")
	}
	res.Accepted, _ = strconv.Atoi(m[1])
	res.Rejected, _ = strconv.Atoi(m[2])
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := stageRe.FindStringSubmatch(sc.Text())
		if f == nil {
			continue
		}
		var n [5]int
		for i := range n {
			n[i], _ = strconv.Atoi(f[i+2])
		}
		res.Stages = append(res.Stages, Stage{Name: f[1], In: n[0], Out: n[1], Duplicates: n[2], Retried: n[3], Dead: n[4]})
	}
	if len(res.Stages) == 0 {
		return res, fmt.Errorf("%w: no stage table", ErrSummary)
	}
	if m := indexRe.FindStringSubmatch(out); m != nil {
		res.Indexed, _ = strconv.Atoi(m[1])
	}
	if m := latencyRe.FindStringSubmatch(out); m != nil {
		p50, err50 := time.ParseDuration(m[1])
		p99, err99 := time.ParseDuration(m[2])
		if err := errors.Join(err50, err99); err != nil {
			return res, fmt.Errorf("%w: latency line: %w", ErrSummary, err)
		}
		res.P50, res.P99, res.HasLatency = p50, p99, true
	}
	if m := memoryRe.FindStringSubmatch(out); m != nil {
		mib, _ := strconv.ParseInt(m[1], 10, 64)
		res.PeakRSS = mib << 20
	}
	return res, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
