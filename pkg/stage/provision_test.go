package stage_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

// Every resource the runtime creates at start waits for a server that
// comes up late, with the same backoff (stage.Provision): the streams, and
// a stage's durable consumer (whose stream another process creates).
func TestResourcesCreatedAtStartWaitForALateServer(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		name    string
		open    func(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error
		started func(js jetstream.JetStream)
	}{
		{"streams", func(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error {
			rt, err := stage.OpenConn(ctx, js.Conn(), cfg, log)
			if err == nil {
				_, err = rt.JetStream().Stream(ctx, stage.StreamRaw)
			}
			return err
		}, nil},
		{"consumer", func(ctx context.Context, js jetstream.JetStream, log *zap.Logger) error {
			st := stage.Stage[*schema.Document, *schema.Document]{Name: "enrich", Input: stage.SubjectDeduped, Decode: schema.DecodeDocument,
				Process: func(context.Context, *schema.Document) (*schema.Document, error) { return nil, nil }}
			c, err := stage.Consume(ctx, js, st, cfg.Consumer, prometheus.NewRegistry(), log)
			if err != nil {
				return err
			}
			return c.Drain(ctx)
		}, func(js jetstream.JetStream) {
			// Another process provisions the streams once the server is up.
			if err := stage.EnsureStreams(context.Background(), js, cfg.Streams); err != nil {
				t.Error(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := natstest.NewLate(t).OpenBeforeServer(ctx, tt.open, tt.started); err != nil {
				t.Fatalf("after the server came up: %v", err)
			}
		})
	}
}
