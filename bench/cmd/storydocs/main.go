// Command storydocs writes the documents the stories stage is measured on
// in make bench's stages part, as JSON lines: the articles of the given
// folders and files (as bench/corpus reads them), through ingest, dedupe
// on JetStream KV and enrich, as bench/stages runs them, in the order
// Stories.Process receives them (copies included, with duplicate_of).
// The stage's own benchmark reads them:
//
//	go run ./bench/cmd/storydocs -o /tmp/docs.jsonl ../shared/data/bbc ../shared/data/syndication/variants.jsonl
//	cd services/stories && go test -run XXX -bench 'BenchmarkProcess/docs/workers=16' -benchtime 2825x -bench-docs /tmp/docs.jsonl .
//
// so the stage alone can be compared old against new, interleaved,
// without the rest of make bench.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/bench/corpus"
	"github.com/newsflow/newsflow/bench/stages"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/embedded"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "storydocs:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("storydocs", flag.ContinueOnError)
	out := fs.String("o", "", "write the documents here (JSON lines)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("want -o FILE and at least one folder or file of articles")
	}
	raws, _, err := corpus.Articles(ctx, fs.Args())
	if err != nil {
		return err
	}
	docs, err := throughEnrich(ctx, raws)
	if err != nil {
		return err
	}
	if err := write(*out, docs); err != nil {
		return err
	}
	copies := 0
	for _, d := range docs {
		if d.DuplicateOf != "" {
			copies++
		}
	}
	fmt.Fprintf(os.Stderr, "storydocs: %d documents (%d copies) written to %s\n", len(docs), copies, *out)
	return nil
}

// throughEnrich runs raws through ingest, dedupe and enrich as
// stages.Run does (GOMAXPROCS workers, dedupe at the runtime's default
// concurrency), on an embedded JetStream in a temporary folder.
func throughEnrich(ctx context.Context, raws []*schema.RawArticle) ([]*schema.Document, error) {
	dir, err := os.MkdirTemp("", "storydocs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := embedded.Start(embedded.Options{StoreDir: dir, Port: -1})
	if err != nil {
		return nil, err
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		return nil, fmt.Errorf("connect embedded nats: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	cfg := stage.DefaultConfig().Streams
	cfg.MaxBytes = -1
	if err := stage.EnsureStreams(ctx, js, cfg); err != nil {
		return nil, fmt.Errorf("streams: %w", err)
	}
	o := stage.DefaultConfig().Consumer
	log := zap.NewNop()
	_, docs, err := stages.IngestText(ctx, js, raws, runtime.GOMAXPROCS(0), log)
	if err != nil {
		return nil, err
	}
	if _, docs, err = stages.DedupeKV(ctx, js, docs, o.Concurrency, log); err != nil {
		return nil, err
	}
	_, docs, err = stages.EnrichDocs(ctx, docs, runtime.GOMAXPROCS(0), log)
	return docs, err
}

func write(path string, docs []*schema.Document) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			f.Close()
			return fmt.Errorf("encode %s: %w", d.ID, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
