package ingest

import (
	"context"
	"errors"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// NewService is the ingest service's one registration, for cmd/ingest and
// `newsflow run` alike: the ingest stage (articles.raw -> articles.cleaned)
// with its boilerplate bucket and metrics, and the HTTP intake
// (POST /v1/articles) that publishes to articles.raw. Flags and Validate
// fill and check cfg and intakeCfg; Start reads them.
func NewService(cfg *Config, intakeCfg *intake.HandlerConfig) stage.Service {
	return stage.Service{
		Name: stage.NameIngest,
		Flags: func(e *stage.EnvFlags) {
			cfg.Flags(e)
			intakeCfg.Flags(e)
		},
		Validate: func() error { return errors.Join(cfg.Validate(), intakeCfg.Validate()) },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			log := rt.Logger().Named(stage.NameIngest)
			ing, err := New(ctx, rt.JetStream(), *cfg, log)
			if err != nil {
				return err
			}
			rt.OnShutdown(func(context.Context) error { ing.Stop(); return nil })
			if err := rt.Register(ing.Collectors()...); err != nil {
				return err
			}
			m := intake.NewMetrics(rt.Registry())
			ilog := rt.Logger().Named("intake")
			pub := intake.NewPublisher(rt.JetStream(), ilog).WithMetrics(m).
				WithBacklog(stage.NewBacklog(rt.JetStream(), stage.SubjectRaw, rt.Config().Consumer.MaxBacklog))
			rt.Handle("POST /v1/articles", intake.NewHandler(pub, *intakeCfg, ilog).WithMetrics(m))
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.RawArticle, *schema.Document]{
				Name: stage.NameIngest, Input: stage.SubjectRaw, Output: stage.SubjectCleaned,
				Decode: schema.DecodeRaw, Process: ing.Process,
			})
			return err
		},
	}
}
