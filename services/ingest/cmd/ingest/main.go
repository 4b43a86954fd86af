// Command ingest runs the ingest stage: articles.raw -> articles.cleaned, and
// the HTTP intake (POST /v1/articles) that publishes to articles.raw.
package main

import (
	"os"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := ingest.DefaultConfig()
	intakeCfg := intake.DefaultHandlerConfig()
	svc := ingest.NewService(&cfg, &intakeCfg)
	svc.Version = version
	os.Exit(stage.Main(svc, os.Args[1:], os.Stderr))
}
