// Command indexer runs the indexer stage: articles.enriched -> Elasticsearch,
// acking each message only once its bulk item succeeded.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errESDown is what /readyz says while Elasticsearch is unreachable.
var errESDown = errors.New("elasticsearch unreachable")

func main() {
	cfg := indexer.DefaultConfig()
	os.Exit(stage.Main(stage.Service{
		Name:    stage.NameIndex,
		Version: version,
		// A message waits in the bulk writer until its item is flushed
		// (about every second), so the stage holds as many messages as
		// the writer buffers, not a handful.
		Defaults: func(c *stage.Config) {
			c.Consumer.Concurrency = cfg.MaxInFlight
			c.Consumer.Batch = cfg.MaxInFlight
			c.Consumer.MaxAckPending = 4 * cfg.MaxInFlight
		},
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			cfg.Registerer = rt.Registry()
			ix, err := indexer.New(ctx, cfg, rt.Logger())
			if err != nil {
				return err
			}
			rt.OnShutdown(ix.Close)
			rt.ReadyCheck(func() error {
				if !ix.Up() {
					return errESDown
				}
				return nil
			})
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameIndex, Input: stage.SubjectEnriched,
				Decode: schema.DecodeDocument, Process: ix.Process,
			})
			return err
		},
	}, os.Args[1:], os.Stderr))
}
