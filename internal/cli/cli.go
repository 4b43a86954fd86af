// Package cli is the newsflow command: the whole pipeline in one process,
// file intake, status, dead letters, search, replay and the evaluations.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ErrUsage means the command line was wrong; usage has been printed.
var ErrUsage = errors.New("usage error")

// command is one newsflow subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the whole pipeline in one process (embedded NATS and search index)", runCommand},
		{"ingest", "publish articles from files and folders to articles.raw", ingestCommand},
		{"status", "show each stage's backlog, in-flight, redelivered and dead-lettered counts", statusCommand},
		{"search", "search the embedded index", searchCommand},
		{"serve", "serve the web UI over the data folder a run left", serveCommand},
		{"dlq", "list or re-drive dead letters", dlqCommand},
		{"replay", "re-drive articles.enriched into a new Elasticsearch index and swap the alias", replayCommand},
		{"eval", "measure extraction, dedupe or NER quality on evaluation data", evalCommand},
	}
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, ErrUsage), errors.Is(err, flag.ErrHelp):
			return 2
		default:
			fmt.Fprintf(stderr, "newsflow %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "newsflow: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: newsflow COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'newsflow COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("newsflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, mapping flag errors to ErrUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return ErrUsage
	}
	return nil
}

// consoleLogger logs human-readable lines to w at level.
func consoleLogger(w io.Writer, level string) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.EncodeLevel = zapcore.CapitalColorLevelEncoder
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
	}
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(w), lvl)
	return zap.New(core), nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// dataDir is the default data directory: $NEWSFLOW_DATA or ./data.
func dataDir() string {
	if d := os.Getenv("NEWSFLOW_DATA"); d != "" {
		return d
	}
	return "data"
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
