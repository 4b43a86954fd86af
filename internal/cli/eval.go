package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/newsflow/newsflow/services/dedupe/dedupeeval"
	"github.com/newsflow/newsflow/services/enrich/gumeval"
	"github.com/newsflow/newsflow/services/enrich/linkeval"
	"github.com/newsflow/newsflow/services/enrich/nereval"
	"github.com/newsflow/newsflow/services/ingest/extracteval"
)

func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	evals := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"extraction": evalExtraction,
		"dedupe":     evalDedupe,
		"ner":        evalNER,
		"gum":        evalGUM,
		"linking":    evalLinking,
	}
	if len(args) == 0 || evals[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: newsflow eval KIND [flags]")
		fmt.Fprintln(stderr, "  extraction --dataset DIR                 HTML extraction P/R/F1 (ScrapingHub or Trafilatura layout)")
		fmt.Fprintln(stderr, "  dedupe --originals DIR --variants FILE [--negatives FILE] [--pairs FILE] [--seed N]")
		fmt.Fprintln(stderr, "  ner --conll FILE                         CoNLL-2003 exact-span micro F1")
		fmt.Fprintln(stderr, "  gum --dir DIR                            document-level entity recall, linking and salience on GUM news")
		fmt.Fprintln(stderr, "  linking --data FILE.jsonl                Wikidata linking: accuracy on gold mentions, in-KB accuracy, coverage, end-to-end F1")
		return ErrUsage
	}
	return evals[args[0]](ctx, args[1:], stdout, stderr)
}

func evalExtraction(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval extraction", stderr)
	dataset := fs.String("dataset", "", "dataset folder: html/ + ground-truth.json, or evaldata.json + html/")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dataset == "" {
		fmt.Fprintln(stderr, "newsflow eval extraction: --dataset is required")
		return ErrUsage
	}
	_, err := extracteval.Run(ctx, *dataset, stdout)
	return err
}

func evalDedupe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval dedupe", stderr)
	var opts dedupeeval.Options
	fs.StringVar(&opts.Originals, "originals", "", "folder of originals laid out like the BBC corpus")
	fs.StringVar(&opts.Variants, "variants", "", "JSON lines of {id, source_id, kind, text}")
	fs.StringVar(&opts.Negatives, "negatives", "", "JSON lines of {a, b} pairs that must not be flagged")
	fs.StringVar(&opts.Pairs, "pairs", "", "natural overlap pairs file")
	fs.Uint64Var(&opts.Seed, "seed", 1, "seed of the shuffled arrival order")
	if err := parse(fs, args); err != nil {
		return err
	}
	if opts.Originals == "" || opts.Variants == "" {
		fmt.Fprintln(stderr, "newsflow eval dedupe: --originals and --variants are required")
		return ErrUsage
	}
	_, err := dedupeeval.Run(ctx, opts, stdout)
	return err
}

func evalNER(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval ner", stderr)
	conll := fs.String("conll", "", "CoNLL-2003 file (TOKEN POS CHUNK NER)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *conll == "" {
		fmt.Fprintln(stderr, "newsflow eval ner: --conll is required")
		return ErrUsage
	}
	_, err := nereval.Run(ctx, *conll, stdout)
	return err
}

func evalGUM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval gum", stderr)
	dir := fs.String("dir", "", "GUM news folder (gum-news or its conllu/)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		fmt.Fprintln(stderr, "newsflow eval gum: --dir is required")
		return ErrUsage
	}
	return gumeval.Run(ctx, *dir, stdout)
}

func evalLinking(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval linking", stderr)
	data := fs.String("data", "", "JSON lines {id, text, mentions: [{start, end, surface, qid, type}]}")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *data == "" {
		fmt.Fprintln(stderr, "newsflow eval linking: --data is required")
		return ErrUsage
	}
	_, err := linkeval.Run(ctx, *data, stdout)
	return err
}
