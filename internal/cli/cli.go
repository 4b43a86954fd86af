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
	"slices"
	"strings"

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
		{"stories", "list the stories of the embedded story index, biggest first", storiesCommand},
		{"dlq", "list or re-drive dead letters", dlqCommand},
		{"replay", "re-drive articles.storied into a new Elasticsearch index and swap the alias", replayCommand},
		{"eval", "measure extraction, dedupe or NER quality on evaluation data", evalCommand},
	}
}

// Version is newsflow's version: "dev", or what `make build` sets with
// -ldflags "-X github.com/newsflow/newsflow/internal/cli.Version=..."
// (git describe). `newsflow run` exports it as newsflow_build_info.
var Version = "dev"

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

// parse parses args, a command's flags only, mapping flag errors to
// ErrUsage. An argument left over is an error too: Go's flag package
// stops at the first bare argument, so `run --once --input A B --export F`
// would otherwise drop B and the export without a word.
func parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return unexpected(fs, fs.Args())
	}
	return nil
}

// parseWithArgs parses a command that takes bare arguments (paths, query
// words) between its flags, and returns them; everything after "--" is
// an argument.
func parseWithArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var bare, tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(bare, tail...), nil
		}
		bare = append(bare, args[0]) // flags may follow
		args = args[1:]
	}
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return ErrUsage
	}
	return nil
}

// unexpected reports the arguments a command does not take, and how to
// write what was probably meant.
func unexpected(fs *flag.FlagSet, rest []string) error {
	w := fs.Output()
	fmt.Fprintf(w, "%s: unexpected argument %q", fs.Name(), rest[0])
	if len(rest) > 1 {
		fmt.Fprintf(w, " (and %d after it)", len(rest)-1)
	}
	fmt.Fprintln(w, ": this command takes only flags, each value right after its flag")
	if fs.Lookup("input") != nil {
		fmt.Fprintln(w, "several inputs: --input A B, or --input A --input B")
	}
	fmt.Fprintf(w, "run '%s -h' for its flags\n", fs.Name())
	return ErrUsage
}

// multiValue rewrites args so that the bare arguments right after
// --name VALUE are further values of it: "--input A B --once" becomes
// "--input A --input B --once". The flag must be repeatable.
func multiValue(args []string, name string) []string {
	out := make([]string, 0, len(args))
	inList := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case a == "-"+name || a == "--"+name:
			out = append(out, a)
			if i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			inList = true
		case strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"="):
			out = append(out, a)
			inList = true
		case inList && !strings.HasPrefix(a, "-"):
			out = append(out, "--"+name, a)
		default:
			out = append(out, a)
			inList = false
		}
	}
	return out
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
	// The stages log from many goroutines (a connection's handlers each
	// from its own): one write at a time, whatever w is.
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(w)), lvl)
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
