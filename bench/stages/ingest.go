package stages

import (
	"bytes"
	"context"
	"fmt"
	"net/url"

	readability "github.com/go-shiori/go-readability"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/corpus"
	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/clean"
	"github.com/newsflow/newsflow/services/ingest/extract"
)

// IngestText measures the text path: clean.Clean alone, then the whole
// Ingester.Process with its default configuration (boilerplate learning
// in JetStream KV on js included). It returns the documents for dedupe.
func IngestText(ctx context.Context, js jetstream.JetStream, raws []*schema.RawArticle, workers int, log *zap.Logger) ([]measure.Result, []*schema.Document, error) {
	textBytes := func(i int) int { return len(raws[i].Text) }
	cleaned, err := measure.Run(ctx, measure.Spec{Name: "text: clean.Clean", Items: len(raws), Workers: workers, Bytes: textBytes},
		func(_ context.Context, i int) error {
			if r := clean.Clean(raws[i].Text, clean.Options{Title: raws[i].Title}); r.Body == "" {
				return ingest.ErrEmpty
			}
			return nil
		})
	if err != nil {
		return nil, nil, err
	}
	ing, err := ingest.New(ctx, js, ingest.DefaultConfig(), log)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: %w", err)
	}
	defer ing.Stop()
	outs := make([]*schema.Document, len(raws))
	processed, err := measure.Run(ctx, measure.Spec{Name: "text: Ingester.Process", Items: len(raws), Workers: workers, Bytes: textBytes},
		func(ctx context.Context, i int) error {
			raw := *raws[i] // Process may fill in the raw article
			d, err := ing.Process(ctx, &raw)
			outs[i] = d
			return err
		})
	if err != nil {
		return nil, nil, err
	}
	if err := ing.Flush(ctx); err != nil {
		return nil, nil, fmt.Errorf("ingest flush: %w", err)
	}
	docs := collect(outs)
	if len(docs) == 0 {
		return nil, nil, fmt.Errorf("%w: ingest (%s)", ErrNoOutput, processed.FirstError)
	}
	return []measure.Result{cleaned, processed}, docs, nil
}

// IngestHTML measures the HTML path on the same pages three ways:
// extract.Extract, the whole Ingester.Process on the page, and (as the
// peer, when withPeer) go-readability's FromReader. Throughput is in
// input HTML bytes.
func IngestHTML(ctx context.Context, js jetstream.JetStream, pages []corpus.Page, workers int, withPeer bool, log *zap.Logger) (ours, peer []measure.Result, err error) {
	pageBytes := func(i int) int { return len(pages[i].HTML) }
	spec := func(name string) measure.Spec {
		return measure.Spec{Name: name, Items: len(pages), Workers: workers, Bytes: pageBytes}
	}
	ex, err := measure.Run(ctx, spec("html: extract.Extract"), func(_ context.Context, i int) error {
		_, err := extract.Extract(pages[i].HTML, extract.Options{URL: pages[i].URL, ContentType: "text/html"})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	ing, err := ingest.New(ctx, js, ingest.DefaultConfig(), log)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: %w", err)
	}
	defer ing.Stop()
	raws := make([]schema.RawArticle, len(pages))
	for i, p := range pages {
		raws[i] = schema.RawArticle{SchemaVersion: schema.Version, URL: p.URL, HTML: string(p.HTML), ContentType: "text/html"}
	}
	proc, err := measure.Run(ctx, spec("html: Ingester.Process"), func(ctx context.Context, i int) error {
		raw := raws[i]
		_, err := ing.Process(ctx, &raw)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	ours = []measure.Result{ex, proc}
	if !withPeer {
		return ours, nil, nil
	}
	urls := make([]*url.URL, len(pages))
	for i, p := range pages {
		u, err := url.Parse(p.URL)
		if err != nil || u.Host == "" {
			u = &url.URL{Scheme: "https", Host: "example.com", Path: "/"}
		}
		urls[i] = u
	}
	rd, err := measure.Run(ctx, spec("html: go-readability FromReader"), func(_ context.Context, i int) error {
		_, err := readability.FromReader(bytes.NewReader(pages[i].HTML), urls[i])
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return ours, []measure.Result{rd}, nil
}
