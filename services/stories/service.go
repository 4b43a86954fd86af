package stories

import (
	"context"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// NewService is the stories service's one registration, for cmd/stories
// and `newsflow run` alike: the stories stage (articles.enriched ->
// articles.storied, snapshots on stories.snapshots). Flags and Validate
// fill and check cfg; Start reads it. opened, when not nil, receives the
// running stage (newsflow run flushes its snapshots at the end of a
// batch).
func NewService(cfg *Config, opened func(*Stories)) stage.Service {
	return stage.Service{
		Name:     stage.NameStories,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			// The story log is followed and appended to on a connection
			// of its own.
			js, err := rt.JetStreamFor("stories-log")
			if err != nil {
				return err
			}
			s, err := New(ctx, js, *cfg, rt.Logger().Named(stage.NameStories))
			if err != nil {
				return err
			}
			rt.OnShutdown(func(context.Context) error { s.Close(); return nil })
			if err := rt.Register(s.Collectors()...); err != nil {
				return err
			}
			if opened != nil {
				opened(s)
			}
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameStories, Input: stage.SubjectEnriched, Output: stage.SubjectStoried,
				Decode: schema.DecodeDocument, Process: s.Process,
			})
			return err
		},
	}
}
