package stages

import (
	"context"
	"fmt"

	"github.com/jdkato/prose/v2"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich"
)

// tokens counts an article's words, the unit of tokens/s for both the
// enricher and prose, so the two rates compare.
func tokens(d *schema.Document) int { return schema.CountWords(d.Title) + schema.CountWords(d.Body) }

// EnrichDocs measures Enricher.Process with its default configuration
// (statistical tagger on). Loading the tagger is not timed. It returns
// the documents for the indexers.
func EnrichDocs(ctx context.Context, docs []*schema.Document, workers int, log *zap.Logger) (measure.Result, []*schema.Document, error) {
	e, err := enrich.New(enrich.DefaultConfig(), log)
	if err != nil {
		return measure.Result{}, nil, fmt.Errorf("enrich: %w", err)
	}
	outs := make([]*schema.Document, len(docs))
	res, err := measure.Run(ctx, measure.Spec{Name: "Enricher.Process", Items: len(docs), Workers: workers,
		Bytes:  func(i int) int { return len(docs[i].Title) + len(docs[i].Body) },
		Tokens: func(i int) int { return tokens(docs[i]) }},
		func(ctx context.Context, i int) error {
			out, err := e.Process(ctx, docs[i])
			outs[i] = out
			return err
		})
	if err != nil {
		return measure.Result{}, nil, err
	}
	out := collect(outs)
	if len(out) == 0 {
		return res, nil, fmt.Errorf("%w: enrich (%s)", ErrNoOutput, res.FirstError)
	}
	return res, out, nil
}

// Prose measures prose/v2's named-entity extraction (tokenizing, tagging
// and chunking) on the same title and body. Its model loads once per
// worker, untimed: prose's own NewDocument would otherwise reload it for
// every document, which no fair user would do. Sentence segmentation is
// off because prose's extractor does not use it, and prose would reload
// its Punkt model (a JSON decode) for every document, a third of its time.
func Prose(ctx context.Context, docs []*schema.Document, workers int) (measure.Result, error) {
	if workers < 1 {
		workers = 1
	}
	models := make(chan *prose.Model, workers)
	for range workers {
		models <- prose.ModelFromData("default")
	}
	return measure.Run(ctx, measure.Spec{Name: "prose/v2 NewDocument (NER)", Items: len(docs), Workers: workers,
		Bytes:  func(i int) int { return len(docs[i].Title) + len(docs[i].Body) },
		Tokens: func(i int) int { return tokens(docs[i]) }},
		func(_ context.Context, i int) error {
			m := <-models
			defer func() { models <- m }()
			_, err := prose.NewDocument(docs[i].Title+"\n\n"+docs[i].Body, prose.UsingModel(m), prose.WithSegmentation(false))
			return err
		})
}
