// Command stories runs the stories stage: articles.enriched ->
// articles.storied, putting every article in a story with state shared by
// replicas through the JetStream story log, and publishing story
// snapshots on stories.snapshots.
package main

import (
	"context"
	"os"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/stories"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := stories.DefaultConfig()
	os.Exit(stage.Main(stage.Service{
		Name:     stage.NameStories,
		Version:  version,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			s, err := stories.New(ctx, rt.JetStream(), cfg, rt.Logger())
			if err != nil {
				return err
			}
			rt.OnShutdown(func(context.Context) error { s.Close(); return nil })
			if err := rt.Register(s.Collectors()...); err != nil {
				return err
			}
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameStories, Input: stage.SubjectEnriched, Output: stage.SubjectStoried,
				Decode: schema.DecodeDocument, Process: s.Process,
			})
			return err
		},
	}, os.Args[1:], os.Stderr))
}
