package indexer

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// errESDown is what /readyz says while Elasticsearch is unreachable.
var errESDown = errors.New("elasticsearch unreachable")

// NewService is the indexer service's one registration, for cmd/indexer:
// the indexer stage (articles.enriched -> Elasticsearch) and the story
// stage (stories.snapshots -> the story index, on its own durable
// consumer) with their one bulk writer, its metrics, a /readyz check on
// Elasticsearch and a flush at shutdown. Flags and Validate fill and check cfg; Start reads it.
// (`newsflow run` indexes into the embedded search index instead, under
// the same stage name.)
func NewService(cfg *Config) stage.Service {
	return stage.Service{
		Name:     stage.NameIndex,
		Flags:    cfg.Flags,
		Validate: func() error { return cfg.Validate() },
		Start: func(ctx context.Context, rt *stage.Runtime) error {
			c := *cfg
			c.Registerer = rt.Registry()
			// Until Elasticsearch answers, /readyz says why (the runtime
			// serves it, and /metrics, while New waits); no consumer
			// exists yet, so no message is taken.
			var waiting atomic.Pointer[string]
			starting := "waiting for elasticsearch at start"
			waiting.Store(&starting)
			c.StartWaiting = func(err error) {
				reason := starting + ": " + err.Error()
				waiting.Store(&reason)
			}
			var started atomic.Pointer[Indexer]
			rt.ReadyCheck(func() error {
				ix := started.Load()
				switch {
				case ix == nil:
					return errors.New(*waiting.Load())
				case !ix.Up():
					return errESDown
				}
				return nil
			})
			ix, err := New(ctx, c, rt.Logger().Named(stage.NameIndex))
			if err != nil {
				return err
			}
			started.Store(ix)
			rt.OnShutdown(ix.Close)
			if _, err := stage.StartWith(ctx, rt, stage.Stage[*schema.Document, *schema.Document]{
				Name: stage.NameIndex, Input: stage.SubjectStoried,
				Decode: schema.DecodeDocument, Process: ix.Process,
			}, ConsumerConfig(rt.Config().Consumer, c.MaxInFlight)); err != nil {
				return err
			}
			_, err = stage.StartWith(ctx, rt, ix.StoriesStage(), StoriesConsumerConfig(rt.Config().Consumer))
			return err
		},
	}
}

// ConsumerConfig is the indexer stage's consumer: a message waits in the
// bulk writer until its item is flushed (about every second), so the stage
// processes and buffers as many messages as the writer holds
// (NEWSFLOW_INDEXER_MAX_INFLIGHT), not a handful, and lets four times that
// be unacknowledged across replicas. NEWSFLOW_CONCURRENCY, NEWSFLOW_BATCH
// and the server's max ack pending apply where they are larger.
func ConsumerConfig(base stage.ConsumerConfig, maxInFlight int) stage.ConsumerConfig {
	base.Concurrency = max(base.Concurrency, maxInFlight)
	base.Batch = max(base.Batch, maxInFlight)
	base.MaxAckPending = max(base.MaxAckPending, 4*maxInFlight)
	return base
}

// storiesInFlight is how many story snapshots the story stage holds at
// least: a second's worth of changed stories waits for one bulk flush.
const storiesInFlight = 256

// StoriesConsumerConfig is the story stage's consumer: like the article
// stage's, it holds its messages while they wait for a flush, but
// snapshots are few (one per changed story per second at most), so it
// holds fewer. NEWSFLOW_CONCURRENCY and NEWSFLOW_BATCH apply where they
// are larger.
func StoriesConsumerConfig(base stage.ConsumerConfig) stage.ConsumerConfig {
	base.Concurrency = max(base.Concurrency, storiesInFlight)
	base.Batch = max(base.Batch, storiesInFlight)
	return base
}
