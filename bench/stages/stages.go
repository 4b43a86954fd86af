// Package stages measures each pipeline stage alone through the services'
// public Go APIs, with the peer library beside it where there is one:
//
//	ingest   clean.Clean and Ingester.Process on text; extract.Extract,
//	         Ingester.Process on HTML, and go-readability on the same pages
//	dedupe   Deduper.Process against JetStream KV on an embedded server
//	enrich   Enricher.Process, and prose/v2 NER on the same text
//	stories  Stories.Process against its JetStream story log on an
//	         embedded server
//	indexer  Indexer.Process into the Elasticsearch double, and Bleve
//
// The stages run in pipeline order: each stage's outputs are the next
// one's inputs, so dedupe sees cleaned documents and the indexers see
// enriched ones, as in production. Only the stage call is timed; decoding,
// loading and publishing the inputs are not.
package stages

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/corpus"
	"github.com/newsflow/newsflow/bench/measure"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
	"github.com/newsflow/newsflow/services/indexer"
)

// ErrNoOutput means a stage produced nothing for the next one to measure.
var ErrNoOutput = errors.New("stage produced no documents")

// Stage names, as the Result.Stage field and table rows use them.
const (
	Ingest  = "ingest"
	Dedupe  = "dedupe"
	Enrich  = "enrich"
	Stories = "stories"
	Indexer = "indexer"
)

// Options shape a run of every stage.
type Options struct {
	// Articles are the raw articles for the text path, in order.
	Articles []*schema.RawArticle
	// Pages are the HTML pages for the HTML path; none skips it.
	Pages []corpus.Page
	// PeerArticles caps the articles given to prose/v2 (it is slow);
	// 0 gives it every article.
	PeerArticles int
	// Workers is how many calls run at once for CPU-bound stages; 0 means
	// GOMAXPROCS.
	Workers int
	// Concurrency is how many calls run at once for dedupe, stories and
	// Bleve, which wait on a server or a commit; 0 means the runtime's default
	// (NEWSFLOW_CONCURRENCY, 16), as `newsflow run` uses.
	Concurrency int
	// BleveWorkers are the numbers of Index calls at once to measure
	// Bleve with; none means Concurrency (as `newsflow run` does) and 256
	// (bigger batches, fewer segment merges).
	BleveWorkers []int
	// ESWorkers is how many Indexer.Process calls run at once; 0 means
	// 1024, the indexer service's default (NEWSFLOW_INDEXER_MAX_INFLIGHT).
	ESWorkers int
	// Skip names measurements to leave out: "readability", "prose",
	// "es", "bleve".
	Skip map[string]bool
	// Log receives the services' logs; nil discards them.
	Log *zap.Logger
}

// Result is one measurement of one stage.
type Result struct {
	Stage string `json:"stage"`
	// Peer is true for another library's measurement beside ours.
	Peer bool `json:"peer,omitempty"`
	measure.Result
}

// Run measures every stage in pipeline order.
func Run(ctx context.Context, o Options) ([]Result, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = stage.DefaultConfig().Consumer.Concurrency
	}
	if o.ESWorkers <= 0 {
		o.ESWorkers = indexer.DefaultConfig().MaxInFlight
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.Skip == nil {
		o.Skip = map[string]bool{}
	}
	js, closeNATS, err := startNATS()
	if err != nil {
		return nil, err
	}
	defer closeNATS()

	var all []Result
	add := func(st string, peer bool, rs ...measure.Result) {
		for _, r := range rs {
			all = append(all, Result{Stage: st, Peer: peer, Result: r})
		}
	}
	ours, docs, err := IngestText(ctx, js, o.Articles, o.Workers, o.Log)
	if err != nil {
		return nil, err
	}
	add(Ingest, false, ours...)
	if len(o.Pages) > 0 {
		ours, peer, err := IngestHTML(ctx, js, o.Pages, o.Workers, !o.Skip["readability"], o.Log)
		if err != nil {
			return nil, err
		}
		add(Ingest, false, ours...)
		add(Ingest, true, peer...)
	}
	r, docs, err := DedupeKV(ctx, js, docs, o.Concurrency, o.Log)
	if err != nil {
		return nil, err
	}
	add(Dedupe, false, r)
	r, docs, err = EnrichDocs(ctx, docs, o.Workers, o.Log)
	if err != nil {
		return nil, err
	}
	add(Enrich, false, r)
	if !o.Skip["prose"] {
		peerDocs := docs
		if o.PeerArticles > 0 && o.PeerArticles < len(docs) {
			peerDocs = docs[:o.PeerArticles]
		}
		r, err := Prose(ctx, peerDocs, o.Workers)
		if err != nil {
			return nil, err
		}
		add(Enrich, true, r)
	}
	r, docs, err = StoriesLog(ctx, js, docs, o.Concurrency, o.Log)
	if err != nil {
		return nil, err
	}
	add(Stories, false, r)
	if !o.Skip["es"] {
		r, err := IndexES(ctx, docs, o.ESWorkers, o.Log)
		if err != nil {
			return nil, err
		}
		add(Indexer, false, r)
	}
	if len(o.BleveWorkers) == 0 {
		o.BleveWorkers = []int{o.Concurrency, 256}
	}
	for _, w := range o.BleveWorkers {
		if o.Skip["bleve"] {
			break
		}
		r, err := IndexBleve(ctx, docs, w, o.Log)
		if err != nil {
			return nil, err
		}
		add(Indexer, false, r)
	}
	return all, nil
}

// startNATS starts an embedded JetStream server with the pipeline's
// streams, unlimited in size, in a temporary directory.
func startNATS() (jetstream.JetStream, func(), error) {
	dir, err := os.MkdirTemp("", "newsflow-stages-")
	if err != nil {
		return nil, nil, err
	}
	srv, err := embedded.Start(embedded.Options{StoreDir: dir, Port: -1})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	stop := func() {
		srv.Shutdown()
		srv.WaitForShutdown()
		os.RemoveAll(dir)
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("connect embedded nats: %w", err)
	}
	closeAll := func() { nc.Close(); stop() }
	js, err := jetstream.New(nc)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	cfg := stage.DefaultConfig().Streams
	cfg.MaxBytes = -1
	if err := stage.EnsureStreams(context.Background(), js, cfg); err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("streams: %w", err)
	}
	return js, closeAll, nil
}

// collect keeps the non-nil outputs in input order.
func collect(outs []*schema.Document) []*schema.Document {
	var docs []*schema.Document
	for _, d := range outs {
		if d != nil {
			docs = append(docs, d)
		}
	}
	return docs
}
