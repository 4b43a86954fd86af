package stages

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/dedupe"
)

// DedupeKV measures Deduper.Process with its default configuration on
// JetStream KV. The documents are first published on articles.cleaned,
// untimed, so each call carries its real stream sequence (merges read
// the original back from the stream), as it does under the runtime.
// It returns the documents for enrich.
func DedupeKV(ctx context.Context, js jetstream.JetStream, docs []*schema.Document, workers int, log *zap.Logger) (measure.Result, []*schema.Document, error) {
	d, err := dedupe.New(ctx, js, dedupe.DefaultConfig(), log)
	if err != nil {
		return measure.Result{}, nil, fmt.Errorf("dedupe: %w", err)
	}
	seqs := make([]uint64, len(docs))
	sizes := make([]int, len(docs))
	for i, doc := range docs {
		data, err := json.Marshal(doc)
		if err != nil {
			return measure.Result{}, nil, fmt.Errorf("encode %s: %w", doc.ID, err)
		}
		sizes[i] = len(data)
		ack, err := js.Publish(ctx, stage.SubjectCleaned, data)
		if err != nil {
			return measure.Result{}, nil, fmt.Errorf("publish %s: %w", doc.ID, err)
		}
		seqs[i] = ack.Sequence
	}
	outs := make([]*schema.Document, len(docs))
	res, err := measure.Run(ctx, measure.Spec{Name: "Deduper.Process (JetStream KV)", Items: len(docs), Workers: workers,
		Bytes: func(i int) int { return sizes[i] }},
		func(ctx context.Context, i int) error {
			info := stage.Info{Stream: stage.StreamCleaned, Sequence: seqs[i], Delivered: 1, Subject: stage.SubjectCleaned}
			out, err := d.Process(stage.WithMessageInfo(ctx, info), docs[i])
			outs[i] = out
			return err
		})
	if err != nil {
		return measure.Result{}, nil, err
	}
	out := collect(outs)
	if len(out) == 0 {
		return res, nil, fmt.Errorf("%w: dedupe (%s)", ErrNoOutput, res.FirstError)
	}
	return res, out, nil
}
