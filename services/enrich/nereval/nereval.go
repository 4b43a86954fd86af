// Package nereval scores the named-entity tagger of package ner on a
// CoNLL-2003 file: exact-span, type-matched micro precision, recall and F1
// per type and overall, with the chunk semantics of the conlleval script.
package nereval

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/newsflow/newsflow/services/enrich/ner"
)

// Counts are span counts for one entity type or overall.
type Counts struct {
	Correct, Predicted, Gold int
}

// Precision is Correct/Predicted, 0 when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.Correct, c.Predicted) }

// Recall is Correct/Gold, 0 when there is no gold span.
func (c Counts) Recall() float64 { return ratio(c.Correct, c.Gold) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Scores are the result of an evaluation.
type Scores struct {
	Overall Counts
	ByType  map[string]Counts
	Tokens  int
	// Elapsed is the time spent tagging (not reading the file).
	Elapsed time.Duration
}

// Add counts one sentence: gold and predicted chunk tags of the same
// length ("B-PER", "I-PER", "O"; IOB1, IOB2, IOBES or BILOU).
func (s *Scores) Add(gold, pred []string) {
	s.AddSpans(ner.SpansFromTags(gold), ner.SpansFromTags(pred))
	s.Tokens += len(gold)
}

// AddSpans counts one sentence given as spans.
func (s *Scores) AddSpans(gold, pred []ner.Span) {
	if s.ByType == nil {
		s.ByType = make(map[string]Counts)
	}
	inGold := make(map[ner.Span]bool, len(gold))
	for _, g := range gold {
		inGold[g] = true
		c := s.ByType[g.Type]
		c.Gold++
		s.ByType[g.Type] = c
		s.Overall.Gold++
	}
	for _, p := range pred {
		c := s.ByType[p.Type]
		c.Predicted++
		if inGold[p] {
			c.Correct++
			s.Overall.Correct++
		}
		s.ByType[p.Type] = c
		s.Overall.Predicted++
	}
}

// Write prints a conlleval-like table; its last line is "f1=%.4f".
func (s Scores) Write(w io.Writer) error {
	types := make([]string, 0, len(s.ByType))
	for t := range s.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	_, err := fmt.Fprintf(w, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n",
		s.Tokens, s.Overall.Gold, s.Overall.Predicted, s.Overall.Correct)
	if err != nil {
		return fmt.Errorf("write scores: %w", err)
	}
	if s.Elapsed > 0 {
		fmt.Fprintf(w, "tagged in %v: %.0f tokens/s\n", s.Elapsed.Round(time.Millisecond), float64(s.Tokens)/s.Elapsed.Seconds())
	}
	fmt.Fprintf(w, "%-8s %9s %9s %9s %7s %7s %7s\n", "type", "precision", "recall", "f1", "gold", "found", "correct")
	row := func(name string, c Counts) {
		fmt.Fprintf(w, "%-8s %9.4f %9.4f %9.4f %7d %7d %7d\n", name, c.Precision(), c.Recall(), c.F1(), c.Gold, c.Predicted, c.Correct)
	}
	for _, t := range types {
		row(t, s.ByType[t])
	}
	row("overall", s.Overall)
	if _, err := fmt.Fprintf(w, "f1=%.4f\n", s.Overall.F1()); err != nil {
		return fmt.Errorf("write scores: %w", err)
	}
	return nil
}

// Run tags every document of the CoNLL file at conllPath with the embedded
// model (document by document, as the enrich stage does), scores it
// against the file's gold tags and writes the table to w.
func Run(ctx context.Context, conllPath string, w io.Writer) (Scores, error) {
	f, err := os.Open(conllPath)
	if err != nil {
		return Scores{}, fmt.Errorf("open conll: %w", err)
	}
	defer f.Close()
	docs, err := ner.ReadCoNLL(f)
	if err != nil {
		return Scores{}, fmt.Errorf("%s: %w", conllPath, err)
	}
	tagger, err := ner.Load()
	if err != nil {
		return Scores{}, err
	}
	s, err := Evaluate(ctx, tagger, docs)
	if err != nil {
		return s, err
	}
	return s, s.Write(w)
}

// Evaluate scores tagger on labelled documents.
func Evaluate(ctx context.Context, tagger *ner.Tagger, docs []ner.Document) (Scores, error) {
	var s Scores
	start := time.Now()
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		doc := make([][]ner.Token, len(d.Sentences))
		for i, sent := range d.Sentences {
			doc[i] = make([]ner.Token, len(sent.Words))
			for j, w := range sent.Words {
				doc[i][j] = ner.Token{Text: w}
			}
		}
		pred := tagger.TagDocument(doc)
		for i, sent := range d.Sentences {
			s.AddSpans(ner.SpansFromTags(sent.Tags), pred[i])
			s.Tokens += len(sent.Words)
		}
	}
	s.Elapsed = time.Since(start)
	return s, nil
}

// ScoreConlleval scores a file in the input format of the conlleval
// script: one token per line, gold tag in the second-to-last column and
// predicted tag in the last, blank lines between sentences, -DOCSTART-
// lines ignored.
func ScoreConlleval(r io.Reader) (Scores, error) {
	var s Scores
	var gold, pred []string
	flush := func() {
		if len(gold) > 0 {
			s.Add(gold, pred)
		}
		gold, pred = gold[:0], pred[:0]
	}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			flush()
			continue
		}
		if fields[0] == "-DOCSTART-" {
			flush()
			continue
		}
		if len(fields) < 3 {
			return s, fmt.Errorf("line %d: want word, gold and predicted tags: %w", line, ner.ErrCoNLL)
		}
		gold = append(gold, fields[len(fields)-2])
		pred = append(pred, fields[len(fields)-1])
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("read conlleval input: %w", err)
	}
	flush()
	return s, nil
}
