package enrich

import (
	"context"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// NewService is the enrich service's one registration, for cmd/enrich and
// `newsflow run` alike: the enrich stage (articles.deduped ->
// articles.enriched). Flags and Validate fill and check cfg; Start reads
// it.
func NewService(cfg *Config) stage.Service {
	return stage.Service{
		Name:     stage.NameEnrich,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			e, err := New(*cfg, rt.Logger().Named(stage.NameEnrich))
			if err != nil {
				return err
			}
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameEnrich, Input: stage.SubjectDeduped, Output: stage.SubjectEnriched,
				Decode: schema.DecodeDocument, Process: e.Process,
			})
			return err
		},
	}
}
