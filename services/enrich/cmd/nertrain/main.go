// Command nertrain trains the named-entity tagger of package ner on a
// CoNLL-2003 file and writes the weights file that package embeds.
//
//	cd services/enrich
//	go run ./cmd/nertrain -train .../conll2003/train.txt [-dev .../valid.txt]
//
// With the defaults it reads the gazetteer snapshot ner/lexicon.tsv.gz and
// writes ner/model.bin.gz. Training is deterministic: the same data and
// flags give the same file. -gazetteer DIR first rebuilds the snapshot from
// the gazetteer package's data.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/enrich/ner"
	"github.com/newsflow/newsflow/services/enrich/nereval"
)

type config struct {
	train, dev, out, gazetteer, lexicon string
	smallPlaces                         bool
	firstNames                          []string
	holdOut                             float64
	opt                                 ner.TrainOptions
}

func main() {
	var cfg config
	flag.StringVar(&cfg.train, "train", "", "CoNLL-2003 training file (required)")
	flag.StringVar(&cfg.dev, "dev", "", "CoNLL-2003 file to score after training (optional)")
	flag.StringVar(&cfg.out, "out", "ner/model.bin.gz", "weights file to write")
	flag.StringVar(&cfg.lexicon, "lexicon", "ner/lexicon.tsv.gz", "gazetteer names used as features (empty: none)")
	flag.StringVar(&cfg.gazetteer, "gazetteer", "", "if set, first rebuild -lexicon from this directory's places.tsv.gz, countries.tsv and aliases.tsv (the gazetteer package's data)")
	flag.BoolVar(&cfg.smallPlaces, "small-places", true, "use GeoNames places under 100,000 people as gazetteer features too")
	flag.IntVar(&cfg.opt.Epochs, "epochs", 12, "training epochs")
	flag.IntVar(&cfg.opt.MinCount, "min-count", 2, "drop features seen fewer times")
	flag.IntVar(&cfg.opt.Restarts, "restarts", 3, "perceptron runs averaged for each final stage")
	flag.Uint64Var(&cfg.opt.Seed, "seed", 1, "shuffling seed")
	flag.IntVar(&cfg.opt.Folds, "folds", 5, "jackknife folds for the second stage (0: one stage)")
	flag.Func("first-names", "with -gazetteer: a file of first names, one a line, added to the lexicon (repeat for more files)", func(path string) error {
		cfg.firstNames = append(cfg.firstNames, path)
		return nil
	})
	flag.Float64Var(&cfg.holdOut, "hold-out", 0, "leave this fraction of -train's documents, taken from its end, out of training and score the model on them after -dev (0: train on all)")
	flag.Parse()

	log, err := zap.NewDevelopment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("nertrain failed", zap.Error(err))
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, log *zap.Logger) error {
	if cfg.train == "" {
		return fmt.Errorf("-train is required")
	}
	if len(cfg.firstNames) > 0 && cfg.gazetteer == "" {
		return fmt.Errorf("-first-names only goes into a lexicon rebuilt with -gazetteer")
	}
	if cfg.holdOut < 0 || cfg.holdOut >= 1 {
		return fmt.Errorf("-hold-out %v: want a fraction in [0, 1)", cfg.holdOut)
	}
	docs, err := readFile(cfg.train)
	if err != nil {
		return err
	}
	var heldOut []ner.Document
	if cfg.holdOut > 0 {
		n := int(float64(len(docs)) * cfg.holdOut)
		if n == 0 || n == len(docs) {
			return fmt.Errorf("-hold-out %v of %d documents leaves nothing to train on or nothing to score", cfg.holdOut, len(docs))
		}
		docs, heldOut = docs[:len(docs)-n], docs[len(docs)-n:]
		log.Info("held out", zap.Int("documents", n), zap.Int("training documents", len(docs)))
	}
	if cfg.gazetteer != "" {
		if err := writeSnapshot(cfg); err != nil {
			return err
		}
	}
	if cfg.lexicon != "" {
		lex, err := readSnapshot(cfg.lexicon)
		if err != nil {
			return err
		}
		cfg.opt.Lexicon = lex
	}
	cfg.opt.Logf = func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }
	start := time.Now()
	t, err := ner.Train(ctx, docs, cfg.opt)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	log.Info("trained", zap.Duration("took", time.Since(start)), zap.Stringer("model", t))
	f, err := os.Create(cfg.out)
	if err != nil {
		return fmt.Errorf("create weights: %w", err)
	}
	if err := t.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write weights: %w", err)
	}
	if cfg.dev == "" && heldOut == nil {
		return nil
	}
	// Score the saved (quantised) weights, as Load would see them.
	rf, err := os.Open(cfg.out)
	if err != nil {
		return fmt.Errorf("reopen weights: %w", err)
	}
	defer rf.Close()
	saved, err := ner.Decode(rf)
	if err != nil {
		return err
	}
	if cfg.dev != "" {
		dev, err := readFile(cfg.dev)
		if err != nil {
			return err
		}
		fmt.Printf("dev: %s\n", cfg.dev)
		if err := score(ctx, saved, dev); err != nil {
			return err
		}
	}
	if heldOut != nil {
		fmt.Printf("held out: the last %d documents of %s\n", len(heldOut), cfg.train)
		return score(ctx, saved, heldOut)
	}
	return nil
}

func score(ctx context.Context, t *ner.Tagger, docs []ner.Document) error {
	scores, err := nereval.Evaluate(ctx, t, docs)
	if err != nil {
		return err
	}
	return scores.Write(os.Stdout)
}

func readFile(path string) ([]ner.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open conll: %w", err)
	}
	defer f.Close()
	docs, err := ner.ReadCoNLL(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return docs, nil
}
