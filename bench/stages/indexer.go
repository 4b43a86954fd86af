package stages

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/indexer"
	"github.com/newsflow/newsflow/services/indexer/estest"
)

// encodedSizes returns each document's JSON size, the bytes an indexer
// receives.
func encodedSizes(docs []*schema.Document) []int {
	sizes := make([]int, len(docs))
	for i, d := range docs {
		if data, err := json.Marshal(d); err == nil {
			sizes[i] = len(data)
		}
	}
	return sizes
}

// IndexES measures Indexer.Process, the indexer service's stage function,
// into the Elasticsearch HTTP double (services/indexer/estest) with the
// indexer's default configuration. Process returns once the document is
// acknowledged by a bulk response, so latency includes the wait for a
// flush; workers should match the service's concurrency (it runs
// NEWSFLOW_INDEXER_MAX_INFLIGHT messages at once, 1024 by default).
func IndexES(ctx context.Context, docs []*schema.Document, workers int, log *zap.Logger) (measure.Result, error) {
	srv := estest.NewServer()
	defer srv.Close()
	cfg := indexer.DefaultConfig()
	cfg.URL = srv.URL
	ix, err := indexer.New(ctx, cfg, log)
	if err != nil {
		return measure.Result{}, fmt.Errorf("indexer: %w", err)
	}
	sizes := encodedSizes(docs)
	res, err := measure.Run(ctx, measure.Spec{Name: "Indexer.Process (ES double, bulk)", Items: len(docs), Workers: workers,
		Bytes: func(i int) int { return sizes[i] }},
		func(ctx context.Context, i int) error {
			_, err := ix.Process(ctx, docs[i])
			return err
		})
	if cerr := ix.Close(ctx); err == nil && cerr != nil {
		err = fmt.Errorf("indexer close: %w", cerr)
	}
	return res, err
}

// IndexBleve measures bleveindex.Index.Index, the one-process sink, into
// a fresh on-disk index with default options. Index returns once the
// document is committed, so latency includes batching, and the number of
// calls at once bounds the batch size.
func IndexBleve(ctx context.Context, docs []*schema.Document, workers int, log *zap.Logger) (measure.Result, error) {
	dir, err := os.MkdirTemp("", "newsflow-bleve-")
	if err != nil {
		return measure.Result{}, err
	}
	defer os.RemoveAll(dir)
	ix, err := bleveindex.Open(dir, log)
	if err != nil {
		return measure.Result{}, fmt.Errorf("bleve: %w", err)
	}
	sizes := encodedSizes(docs)
	res, err := measure.Run(ctx, measure.Spec{Name: fmt.Sprintf("bleveindex.Index (on disk, %d at once)", workers), Items: len(docs), Workers: workers,
		Bytes: func(i int) int { return sizes[i] }},
		func(ctx context.Context, i int) error { return ix.Index(ctx, docs[i]) })
	if cerr := ix.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("bleve close: %w", cerr)
	}
	return res, err
}
