// Command profilerun runs the newsflow command line in this process under
// a CPU profile, so that `newsflow run --once` can be profiled end to end
// as benchrun measures it:
//
//	go run ./bench/cmd/profilerun -cpuprofile e2e.pprof -- run --once --input ../shared/data/bbc --data /tmp/nf --http ""
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/newsflow/newsflow/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "profilerun:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("profilerun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cpu := fs.String("cpuprofile", "newsflow.pprof", "write the CPU profile here")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	f, err := os.Create(*cpu)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return 0, err
	}
	code := cli.Main(ctx, fs.Args(), stdout, stderr)
	pprof.StopCPUProfile()
	return code, nil
}
