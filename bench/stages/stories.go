package stages

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/stories"
)

// StoriesLog measures Stories.Process with its default configuration on
// its JetStream story log (every decision appended with the expected last
// sequence, on an embedded server on loopback), in the order the
// documents came from enrich. Opening the log and the background
// statistics is not timed. It returns the documents, now with their
// story, for the indexers.
func StoriesLog(ctx context.Context, js jetstream.JetStream, docs []*schema.Document, workers int, log *zap.Logger) (measure.Result, []*schema.Document, error) {
	s, err := stories.New(ctx, js, stories.DefaultConfig(), log)
	if err != nil {
		return measure.Result{}, nil, fmt.Errorf("stories: %w", err)
	}
	defer s.Close()
	outs := make([]*schema.Document, len(docs))
	res, err := measure.Run(ctx, measure.Spec{Name: "Stories.Process (JetStream story log)", Items: len(docs), Workers: workers,
		Bytes:  func(i int) int { return len(docs[i].Title) + len(docs[i].Body) },
		Tokens: func(i int) int { return tokens(docs[i]) }},
		func(ctx context.Context, i int) error {
			out, err := s.Process(ctx, docs[i])
			outs[i] = out
			return err
		})
	if err != nil {
		return measure.Result{}, nil, err
	}
	out := collect(outs)
	if len(out) == 0 {
		return res, nil, fmt.Errorf("%w: stories (%s)", ErrNoOutput, res.FirstError)
	}
	return res, out, nil
}
