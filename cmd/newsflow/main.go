// Command newsflow runs the newsflow pipeline in one process and offers the
// operator and evaluation commands. Run "newsflow help" for the list.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/newsflow/newsflow/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
