// Command ingest runs the ingest stage: articles.raw -> articles.cleaned, and
// the HTTP intake (POST /v1/articles) that publishes to articles.raw.
package main

import (
	"context"
	"os"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/intake"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	cfg := ingest.DefaultConfig()
	intakeCfg := intake.HandlerConfig{
		MaxBodyBytes:         intake.DefaultMaxBodyBytes,
		MaxDecompressedBytes: intake.DefaultMaxDecompressedBytes,
		RetryAfter:           intake.DefaultRetryAfter,
	}
	os.Exit(stage.Main(stage.Service{
		Name:    stage.NameIngest,
		Version: version,
		Flags: func(e *stage.EnvFlags) {
			cfg.Flags(e)
			intakeCfg.Flags(e)
		},
		Validate: func() error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			return intakeCfg.Validate()
		},
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			ing, err := ingest.New(ctx, rt.JetStream(), cfg, rt.Logger())
			if err != nil {
				return err
			}
			rt.OnShutdown(func(context.Context) error { ing.Stop(); return nil })
			if err := rt.Register(ing.Collectors()...); err != nil {
				return err
			}
			m := intake.NewMetrics(rt.Registry())
			pub := intake.NewPublisher(rt.JetStream(), rt.Logger().Named("intake")).WithMetrics(m).
				WithBacklog(stage.NewBacklog(rt.JetStream(), stage.SubjectRaw, rt.Config().Consumer.MaxBacklog))
			rt.Handle("POST /v1/articles", intake.NewHandler(pub, intakeCfg, rt.Logger().Named("intake")).WithMetrics(m))
			_, err = stage.Start(ctx, rt, stage.Stage[*schema.RawArticle, *schema.Document]{
				Name: stage.NameIngest, Input: stage.SubjectRaw, Output: stage.SubjectCleaned,
				Decode: schema.DecodeRaw, Process: ing.Process,
			})
			return err
		},
	}, os.Args[1:], os.Stderr))
}
