package dedupe

import (
	"context"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// kvConnName names the connection dedupe's band log and record bucket use.
const kvConnName = "dedupe-kv"

// NewService is the dedupe service's one registration, for cmd/dedupe and
// `newsflow run` alike: the dedupe stage (articles.cleaned ->
// articles.deduped) with its band log and record bucket on a connection of
// their own (their traffic does not queue behind the stage's messages),
// and its metrics. Flags and Validate fill and check cfg; Start reads it.
func NewService(cfg *Config) stage.Service {
	return stage.Service{
		Name:     stage.NameDedupe,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			kv, err := rt.JetStreamFor(kvConnName)
			if err != nil {
				return err
			}
			d, err := New(ctx, kv, *cfg, rt.Logger().Named(stage.NameDedupe))
			if err != nil {
				return err
			}
			rt.OnShutdown(func(context.Context) error { return d.Close() })
			if err := rt.Register(d.Collectors()...); err != nil {
				return err
			}
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameDedupe, Input: stage.SubjectCleaned, Output: stage.SubjectDeduped,
				Decode: schema.DecodeDocument, Process: d.Process,
			})
			return err
		},
	}
}
