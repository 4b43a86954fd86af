package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/storyeval"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/dedupe/dedupeeval"
	"github.com/newsflow/newsflow/services/enrich/gumeval"
	"github.com/newsflow/newsflow/services/enrich/linkeval"
	"github.com/newsflow/newsflow/services/enrich/nereval"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/ingest/extracteval"
	"github.com/newsflow/newsflow/services/stories"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// Every evaluation runs the code newsflow run runs up to the stage it
// measures, and its report's first line ("path: ...") says which.

func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	evals := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"extraction": evalExtraction,
		"dedupe":     evalDedupe,
		"ner":        evalNER,
		"gum":        evalGUM,
		"linking":    evalLinking,
		"stories":    evalStories,
	}
	if len(args) == 0 || evals[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: newsflow eval KIND [flags]")
		fmt.Fprintln(stderr, "  extraction --dataset DIR                 HTML extraction P/R/F1 (ScrapingHub or Trafilatura layout)")
		fmt.Fprintln(stderr, "  dedupe --originals DIR --variants FILE [--negatives FILE] [--pairs FILE] [--seed N]")
		fmt.Fprintln(stderr, "  ner --conll FILE                         CoNLL-2003 exact-span micro F1")
		fmt.Fprintln(stderr, "  gum --dir DIR                            document-level entity recall, linking and salience on GUM news")
		fmt.Fprintln(stderr, "  linking --data FILE.jsonl                Wikidata linking: accuracy on gold mentions, in-KB accuracy, coverage, end-to-end F1")
		fmt.Fprintln(stderr, "  stories --data FILE.jsonl [--data ...] [--seed N] [--drop-dates] [--fit [--fit-seeds 1,2] [--fit-budget N]]  story clustering BCubed and pairwise P/R/F1 per file, or the fit of its model")
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
	// The ingest stage itself: HTML extraction, then cleanup. Boilerplate
	// learning is off: it needs several articles of a site, and the
	// datasets hold one page per site.
	cfg := ingest.DefaultConfig()
	cfg.LearnBoilerplate = false
	ing, err := ingest.New(ctx, nil, cfg, zap.NewNop())
	if err != nil {
		return err
	}
	defer ing.Stop()
	fmt.Fprintln(stdout, "path: ingest.Process (HTML extraction, then cleanup), as newsflow run; boilerplate learning off (one page per site)")
	_, err = extracteval.Evaluate(ctx, *dataset, func(page []byte, url string) (string, error) {
		doc, err := ing.Process(ctx, &schema.RawArticle{SchemaVersion: schema.Version, HTML: string(page), URL: url})
		if err != nil {
			return "", err
		}
		return doc.Body, nil
	}, stdout)
	return err
}

// ingestBeforeDedupe is the ingest stage, as newsflow run builds it (its
// boilerplate bucket on the evaluation's JetStream), for dedupeeval.
func ingestBeforeDedupe(ctx context.Context, js jetstream.JetStream) (dedupeeval.Upstream, error) {
	ing, err := ingest.New(ctx, js, ingest.DefaultConfig(), zap.NewNop())
	if err != nil {
		return dedupeeval.Upstream{}, err
	}
	return dedupeeval.Upstream{Path: "ingest.Process (cleanup)", Process: ing.Process, Stop: ing.Stop}, nil
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
	opts.Upstream = ingestBeforeDedupe
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
	fmt.Fprintln(stdout, "path: the enrich stage's tagger (ner.Tagger) on CoNLL's own tokens: the model alone, no cleanup or tokenizer before it (eval gum measures the stage on running text)")
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
	fmt.Fprintln(stdout, "path: the enrich stage's entity step (Enricher.Entities, which enrich.Process runs) on GUM's running text in English; GUM's text is clean, so no cleanup runs before it")
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
	fmt.Fprintln(stdout, "path: the enrich stage's resolver: LinkSpans on the gold spans, and ResolveMentions on the text end to end (no cleanup before it)")
	_, err := linkeval.Run(ctx, *data, stdout)
	return err
}

// pathList is a repeatable path flag.
type pathList []string

func (l *pathList) String() string     { return strings.Join(*l, ",") }
func (l *pathList) Set(v string) error { *l = append(*l, v); return nil }

func evalStories(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval stories", stderr)
	var files pathList
	fs.Var(&files, "data", "JSON lines of {id, story, source, title, text, published_at[, url]} (an id that is an http(s) URL is the url); repeat for several files")
	seed := fs.Uint64("seed", 1, "seed of the order of ties and undated articles")
	dropDates := fs.Bool("drop-dates", false, "feed every article without its published_at, in a seeded random order, as an undated archive ingested at once")
	fit := fs.Bool("fit", false, "fit the model's weights and merge threshold (leave one file out, then on every file) instead of scoring the shipped ones")
	fitSeeds := fs.String("fit-seeds", "", "with --fit: the feeding orders every fit averages over, e.g. 1,2 (default: --seed)")
	budget := fs.Int("fit-budget", storyeval.DefaultFitOptions().Budget, "with --fit: the most evaluations per fit")
	tolerance := fs.Float64("fit-tolerance", storyeval.DefaultFitOptions().Tolerance, "with --fit: the most a move may lower any training file's BCubed F1 below its figure under the shipped weights")
	if err := parse(fs, args); err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "newsflow eval stories: --data is required")
		return ErrUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !*fit && (set["fit-seeds"] || set["fit-budget"] || set["fit-tolerance"]) {
		fmt.Fprintln(stderr, "newsflow eval stories: --fit-seeds, --fit-budget and --fit-tolerance need --fit")
		return ErrUsage
	}
	p, err := storyeval.NewPipeline(ctx)
	if err != nil {
		return err
	}
	p.DropDates = *dropDates
	if *fit {
		seeds := []uint64{*seed}
		if set["fit-seeds"] {
			if seeds, err = parseSeeds(*fitSeeds); err != nil {
				fmt.Fprintf(stderr, "newsflow eval stories: --fit-seeds %q: %v (want seeds separated by commas, e.g. 1,2)\n", *fitSeeds, err)
				return ErrUsage
			}
		}
		if *budget < 1 {
			fmt.Fprintf(stderr, "newsflow eval stories: --fit-budget %d: want at least 1, e.g. 60\n", *budget)
			return ErrUsage
		}
		if !(*tolerance >= 0) || math.IsInf(*tolerance, 0) {
			fmt.Fprintf(stderr, "newsflow eval stories: --fit-tolerance %v: want a number of at least 0, e.g. 0.001\n", *tolerance)
			return ErrUsage
		}
		opt := storyeval.DefaultFitOptions()
		opt.Budget, opt.Tolerance = *budget, *tolerance
		return fitStories(ctx, p, files, seeds, opt, stdout)
	}
	var last storyeval.Scores
	for _, f := range files {
		last, err = storyeval.Run(ctx, p, f, *seed, stories.DefaultConfig())
		if err != nil {
			return err
		}
		storyeval.Print(stdout, last)
	}
	storyeval.Summary(stdout, last)
	return nil
}

func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// fitStories prepares every file in every order once, then runs
// storyeval.FitAll and prints what it found against the shipped
// parameters.
func fitStories(ctx context.Context, p *storyeval.Pipeline, files []string, seeds []uint64, opt storyeval.FitOptions, stdout io.Writer) error {
	var sets []storyeval.FitSet
	for _, f := range files {
		set := storyeval.FitSet{File: filepath.Base(f)}
		for _, seed := range seeds {
			prep, err := storyeval.Prepare(ctx, p, f, seed)
			if err != nil {
				return err
			}
			set.Orders = append(set.Orders, prep)
		}
		sets = append(sets, set)
	}
	rep, err := storyeval.FitAll(ctx, stdout, sets, opt)
	if err != nil {
		return err
	}
	if len(rep.HeldOut) > 0 {
		b, pw := 0.0, 0.0
		for _, sc := range rep.HeldOut {
			b += sc.BCubedF1 / float64(len(rep.HeldOut))
			pw += sc.PairF1 / float64(len(rep.HeldOut))
		}
		fmt.Fprintf(stdout, "held-out mean: bcubed F1 %.4f  pairwise F1 %.4f\n", b, pw)
	}
	shipped := cluster.DefaultParams()
	fmt.Fprintf(stdout, "shipped:  %s\n", storyeval.FormatParams(shipped))
	if storyeval.FormatParams(rep.All) == storyeval.FormatParams(shipped) {
		fmt.Fprintln(stdout, "the fit on every file gives the shipped parameters")
	} else {
		fmt.Fprintln(stdout, "the fit on every file differs from the shipped parameters (cluster.DefaultParams)")
	}
	return nil
}
