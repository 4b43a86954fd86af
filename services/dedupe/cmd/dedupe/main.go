// Command dedupe runs the dedupe stage: articles.cleaned -> articles.deduped,
// flagging syndicated copies with state in JetStream (a band log and a KV
// bucket of records).
package main

import (
	"context"
	"os"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := dedupe.DefaultConfig()
	os.Exit(stage.Main(stage.Service{
		Name:     stage.NameDedupe,
		Version:  version,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			d, err := dedupe.New(ctx, rt.JetStream(), cfg, rt.Logger())
			if err != nil {
				return err
			}
			rt.OnShutdown(func(context.Context) error { d.Close(); return nil })
			if err := rt.Register(d.Collectors()...); err != nil {
				return err
			}
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameDedupe, Input: stage.SubjectCleaned, Output: stage.SubjectDeduped,
				Decode: schema.DecodeDocument, Process: d.Process,
			})
			return err
		},
	}, os.Args[1:], os.Stderr))
}
