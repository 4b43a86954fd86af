// Command enrich runs the enrich stage: articles.deduped -> articles.enriched,
// adding canonical people, organisations and places.
package main

import (
	"context"
	"os"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/enrich"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := enrich.DefaultConfig()
	os.Exit(stage.Main(stage.Service{
		Name:     stage.NameEnrich,
		Version:  version,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			e, err := enrich.New(cfg, rt.Logger())
			if err != nil {
				return err
			}
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameEnrich, Input: stage.SubjectDeduped, Output: stage.SubjectEnriched,
				Decode: schema.DecodeDocument, Process: e.Process,
			})
			return err
		},
	}, os.Args[1:], os.Stderr))
}
