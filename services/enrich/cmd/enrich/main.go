// Command enrich runs the enrich stage: articles.deduped -> articles.enriched,
// adding canonical people, organisations and places.
package main

import (
	"os"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/enrich"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := enrich.DefaultConfig()
	svc := enrich.NewService(&cfg)
	svc.Version = version
	os.Exit(stage.Main(svc, os.Args[1:], os.Stderr))
}
