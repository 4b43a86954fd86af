// Command nerbench measures the named-entity tagger of package ner (and,
// with -enrich, the whole enrich stage) on real text, and can write every
// predicted span so that two builds can be compared tag for tag.
//
//	cd services/enrich
//	go run ./cmd/nerbench -texts .../shared/data/bbc [-conll .../valid.txt] [-enrich] [-docs FILE.jsonl] [-spans FILE]
//
// -texts DIR reads every .txt file under DIR (line 1 the headline, then
// the body, as in the BBC corpus). Rates are per CPU second of the process
// (getrusage), which on a shared machine measures the work better than
// wall time. -conll FILE also prints the CoNLL scores (as 'newsflow eval
// ner'). -spans FILE writes one line per sentence of the CoNLL file and of
// the texts with the spans found (and with -enrich each article's
// entities); run two builds and cmp the files.
//
// -docs FILE enriches documents given as JSON lines (schema.Document:
// title, body and language are read, anything else is ignored), one after
// another in file order, as Enricher.Process does, and with -spans writes
// each one's id and entities as one line. With the documents enrich is
// measured on in make bench (bench/cmd/storydocs writes them; their
// entities are ignored and recomputed), two builds' files prove the same
// output on that corpus:
//
//	go run ./bench/cmd/storydocs -o /tmp/docs.jsonl ../shared/data/bbc ../shared/data/syndication/variants.jsonl
//	cd services/enrich && go run ./cmd/nerbench -docs /tmp/docs.jsonl -spans /tmp/entities.txt
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/enrich/ner"
	"github.com/newsflow/newsflow/services/enrich/nereval"
)

type config struct {
	texts, conll, docs, spans, cpuProfile string
	memProfile                            string
	enrich                                bool
	limit                                 int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.texts, "texts", "", "directory of .txt articles (line 1 the headline) to tag")
	flag.StringVar(&cfg.conll, "conll", "", "CoNLL-2003 file to score and tag")
	flag.StringVar(&cfg.docs, "docs", "", "JSON lines of documents (title, body, language) to enrich one after another")
	flag.StringVar(&cfg.spans, "spans", "", "write every predicted span to this file")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the tagging (or, with -enrich, of the enrich stage) to this file")
	flag.StringVar(&cfg.memProfile, "memprofile", "", "with -docs, write an allocation profile of the documents' enrichment (not of loading) to this file")
	flag.BoolVar(&cfg.enrich, "enrich", false, "also run the whole enrich stage on the texts")
	flag.IntVar(&cfg.limit, "n", 0, "use only the first n texts and documents (0: all)")
	flag.Parse()
	if cfg.memProfile != "" {
		runtime.MemProfileRate = 0 // enrichDocs turns it on for the documents
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nerbench:", err)
		os.Exit(1)
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.texts == "" && cfg.conll == "" && cfg.docs == "" {
		return errors.New("give -texts DIR, -conll FILE or -docs FILE")
	}
	spans := io.Discard
	if cfg.spans != "" {
		f, err := os.Create(cfg.spans)
		if err != nil {
			return err
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		spans = bw
	}
	w0, c0 := time.Now(), cpuTime()
	tg, err := ner.Load()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ner.Load: %v wall, %v CPU\n", time.Since(w0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
	if cfg.conll != "" {
		if err := conll(ctx, tg, cfg.conll, out, spans); err != nil {
			return err
		}
	}
	if cfg.texts != "" {
		if err := texts(ctx, tg, cfg, out, spans); err != nil {
			return err
		}
	}
	if cfg.docs != "" {
		return enrichDocs(ctx, cfg, out, spans)
	}
	return nil
}

// enrichDocs enriches the documents of the JSON-lines file cfg.docs in
// file order and writes each one's id and entities to spans.
func enrichDocs(ctx context.Context, cfg config, out, spans io.Writer) error {
	docs, err := readDocs(cfg.docs, cfg.limit)
	if err != nil {
		return err
	}
	e, err := enrich.New(enrich.DefaultConfig(), nil)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(cfg.cpuProfile, true)
	if err != nil {
		return err
	}
	if cfg.memProfile != "" {
		// Sampled from here on only: loading's allocations stay out.
		runtime.MemProfileRate = 4096
	}
	w0, c0 := time.Now(), cpuTime()
	for _, d := range docs {
		d, err := e.Process(ctx, d)
		if err != nil {
			return err
		}
		ents, err := json.Marshal(d.Entities)
		if err != nil {
			return err
		}
		fmt.Fprintf(spans, "doc %s %s\n", d.ID, ents)
	}
	cpu, wall := cpuTime()-c0, time.Since(w0)
	stopProfile()
	if cfg.memProfile != "" {
		if err := writeAllocs(cfg.memProfile); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "enriched %d documents of %s: %v CPU, %v wall: %.0f articles/cpu-s\n",
		len(docs), cfg.docs, cpu.Round(time.Millisecond), wall.Round(time.Millisecond), float64(len(docs))/cpu.Seconds())
	return nil
}

// readDocs reads the first limit (0: all) documents of a JSON-lines file
// with their entities cleared.
func readDocs(path string, limit int) ([]*schema.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var docs []*schema.Document
	dec := json.NewDecoder(bufio.NewReader(f))
	for limit <= 0 || len(docs) < limit {
		var d schema.Document
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, len(docs)+1, err)
		}
		d.Entities = schema.Entities{}
		docs = append(docs, &d)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no documents", path)
	}
	return docs, nil
}

// conll scores the tagger on a CoNLL file and writes its spans.
func conll(ctx context.Context, tg *ner.Tagger, path string, out, spans io.Writer) error {
	if _, err := nereval.Run(ctx, path, out); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	docs, err := ner.ReadCoNLL(f)
	if err != nil {
		return err
	}
	for d, doc := range docs {
		sents := make([][]ner.Token, len(doc.Sentences))
		for i, s := range doc.Sentences {
			for _, w := range s.Words {
				sents[i] = append(sents[i], ner.Token{Text: w})
			}
		}
		for i, sp := range tg.TagDocument(sents) {
			fmt.Fprintf(spans, "conll %d %d %v\n", d, i, sp)
		}
		for i, s := range sents {
			fmt.Fprintf(spans, "conll-alone %d %d %v\n", d, i, tg.Tag(s))
		}
	}
	return ctx.Err()
}

// texts tags (and with cfg.enrich enriches) every article under cfg.texts.
func texts(ctx context.Context, tg *ner.Tagger, cfg config, out, spans io.Writer) error {
	var files []string
	err := filepath.WalkDir(cfg.texts, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".txt") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(files)
	if cfg.limit > 0 && cfg.limit < len(files) {
		files = files[:cfg.limit]
	}
	type article struct{ path, title, body string }
	arts := make([]article, 0, len(files))
	docs := make([][][]ner.Token, 0, len(files))
	tokens := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		title, body, _ := strings.Cut(string(b), "\n")
		arts = append(arts, article{p, title, strings.TrimSpace(body)})
		doc := ner.Sentences(string(b))
		for _, s := range doc {
			tokens += len(s)
		}
		docs = append(docs, doc)
	}
	stopProfile, err := startProfile(cfg.cpuProfile, !cfg.enrich)
	if err != nil {
		return err
	}
	w0, c0 := time.Now(), cpuTime()
	for i, doc := range docs {
		for j, sp := range tg.TagDocument(doc) {
			fmt.Fprintf(spans, "text %s %d %v\n", arts[i].path, j, sp)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	cpu, wall := cpuTime()-c0, time.Since(w0)
	stopProfile()
	fmt.Fprintf(out, "tagged %d articles, %d tokens: %v CPU, %v wall: %.0f tokens/cpu-s, %.0f articles/cpu-s\n",
		len(docs), tokens, cpu.Round(time.Millisecond), wall.Round(time.Millisecond),
		float64(tokens)/cpu.Seconds(), float64(len(docs))/cpu.Seconds())
	if !cfg.enrich {
		return nil
	}
	w0, c0 = time.Now(), cpuTime()
	e, err := enrich.New(enrich.DefaultConfig(), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "enrich.New: %v wall, %v CPU\n", time.Since(w0).Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond))
	stopProfile, err = startProfile(cfg.cpuProfile, true)
	if err != nil {
		return err
	}
	w0, c0 = time.Now(), cpuTime()
	for _, a := range arts {
		ents, err := json.Marshal(e.Entities(a.title, a.body, ""))
		if err != nil {
			return err
		}
		fmt.Fprintf(spans, "entities %s %s\n", a.path, ents)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	cpu, wall = cpuTime()-c0, time.Since(w0)
	stopProfile()
	fmt.Fprintf(out, "enriched %d articles: %v CPU, %v wall: %.0f articles/cpu-s\n",
		len(arts), cpu.Round(time.Millisecond), wall.Round(time.Millisecond), float64(len(arts))/cpu.Seconds())
	return nil
}

// writeAllocs writes the allocation profile to path.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startProfile starts a CPU profile into path if on, and returns its stop.
func startProfile(path string, on bool) (func(), error) {
	if path == "" || !on {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
