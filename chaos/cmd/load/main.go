// Command load runs a sustained load through newsflow run --once: at least
// 100,000 articles replayed from the BBC corpus and its syndication
// variants under new ids, while it samples the process's RSS and thread
// count from /proc. It prints the samples, the peak RSS, articles/s and
// the pipeline's own summary.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
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
}

func main() {
	var cfg config
	flag.StringVar(&cfg.root, "root", ".", "repository root (cmd/newsflow is built from here)")
	flag.StringVar(&cfg.data, "data", "../shared/data", "evaluation data folder with bbc/ and syndication/")
	flag.IntVar(&cfg.articles, "articles", 100000, "articles to send")
	flag.DurationVar(&cfg.every, "every", 2*time.Second, "sampling interval")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the work folder")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type sample struct {
	at      time.Duration
	rss     int64
	threads int
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
	files, err := chaos.WriteLoadInput(corpus, input, cfg.articles, 5000)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "input: %d articles (%d originals, %d variants, replayed under new urls) in %d files\n",
		cfg.articles, len(corpus.Originals), len(corpus.Variants), len(files))

	load0, _ := os.ReadFile("/proc/loadavg")
	var stdout, stderr bytes.Buffer
	listen, err := chaos.FreeAddr()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bins["newsflow"], "run", "--once", "--input", input, "--http", "", "--listen", listen)
	cmd.Env = append(os.Environ(), "NEWSFLOW_DATA="+filepath.Join(dir, "data"))
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
	fmt.Fprintf(out, "\n%8s %10s %8s %9s %7s\n", "t", "RSS", "threads", "indexed", "/s")
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
			if err1 == nil && err2 == nil {
				s := sample{time.Since(start), rss, th}
				samples = append(samples, s)
				if len(samples)%15 == 1 {
					pctx, cancel := context.WithTimeout(ctx, time.Second)
					done, _ := chaos.Progress(pctx, js, stage.NameIndex)
					cancel()
					fmt.Fprintf(out, "%8s %7.0fMiB %8d %9d %7.0f\n", s.at.Round(time.Second), float64(s.rss)/(1<<20), s.threads,
						done, float64(done)/s.at.Seconds())
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
	fmt.Fprintln(out, "\nnewsflow run --once said:")
	fmt.Fprint(out, stdout.String())
	if runErr != nil {
		fmt.Fprint(out, lastLines(stderr.String(), 20))
		return fmt.Errorf("newsflow run: %w", runErr)
	}
	fmt.Fprintf(out, "\nload average before: %s", load0)
	fmt.Fprintf(out, "load average after:  %s", load1)
	if n := len(samples); n >= 8 {
		q2, q4 := meanRSS(samples[n/4:n/2]), meanRSS(samples[3*n/4:])
		fmt.Fprintf(out, "RSS mean, 2nd quarter %.0fMiB, last quarter %.0fMiB (%+.0f%%)\n",
			q2/(1<<20), q4/(1<<20), 100*(q4-q2)/q2)
	}
	fmt.Fprintf(out, "articles=%d seconds=%.0f articles_per_s=%.0f peak_rss_mib=%.0f peak_threads=%d\n",
		cfg.articles, elapsed.Seconds(), float64(cfg.articles)/elapsed.Seconds(), float64(peak.rss)/(1<<20), maxThreads(samples))
	return nil
}

func meanRSS(s []sample) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x.rss)
	}
	return sum / float64(len(s))
}

func maxThreads(s []sample) int {
	m := 0
	for _, x := range s {
		m = max(m, x.threads)
	}
	return m
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
