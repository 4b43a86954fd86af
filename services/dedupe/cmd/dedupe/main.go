// Command dedupe runs the dedupe stage: articles.cleaned -> articles.deduped,
// flagging syndicated copies with state in JetStream (a band log and a KV
// bucket of records).
package main

import (
	"os"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := dedupe.DefaultConfig()
	svc := dedupe.NewService(&cfg)
	svc.Version = version
	os.Exit(stage.Main(svc, os.Args[1:], os.Stderr))
}
