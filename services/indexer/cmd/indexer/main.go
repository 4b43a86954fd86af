// Command indexer runs the indexer stage: articles.enriched -> Elasticsearch,
// acking each message only once its bulk item succeeded.
package main

import (
	"os"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := indexer.DefaultConfig()
	svc := indexer.NewService(&cfg)
	svc.Version = version
	os.Exit(stage.Main(svc, os.Args[1:], os.Stderr))
}
