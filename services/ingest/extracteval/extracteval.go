// Package extracteval measures HTML extraction against the two public
// benchmark layouts.
//
// ScrapingHub's article-extraction-benchmark (html/<id>.html.gz and
// ground-truth.json) is scored with that benchmark's own metric: text is
// tokenised into \w+ runs, each document's word 4-gram shingles are
// compared as multisets, the document's true positives, false positives
// and false negatives are normalised to sum to one, precision and recall
// are averaged over the documents, and F1 is taken of the two averages.
//
// Trafilatura's evaluation set (evaldata.json and html/) is scored by
// snippets: a "with" snippet found in the output is a true positive,
// missing it is a false negative, a "without" snippet found is a false
// positive; precision, recall and F1 are computed over the whole corpus.
// Whitespace is collapsed on both sides before the substring test, since
// rendered paragraphs are separated by blank lines.
package extracteval

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// ErrUnknownLayout means the dataset folder holds neither
// ground-truth.json nor evaldata.json.
var ErrUnknownLayout = errors.New("unknown dataset layout: want ground-truth.json or evaldata.json")

// Layout names a dataset layout.
type Layout string

// The two layouts Run understands.
const (
	ScrapingHub Layout = "scrapinghub"
	Trafilatura Layout = "trafilatura"
)

// Extractor turns one page into article text. Errors count as an empty
// output, as the benchmarks do.
type Extractor func(page []byte, url string) (string, error)

// Scores are the outcome of one evaluation run.
type Scores struct {
	Layout    Layout
	Documents int
	// Failed counts pages the extractor returned an error for.
	Failed    int
	Precision float64
	Recall    float64
	F1        float64
}

// Detect reports which layout the folder dataset holds.
func Detect(dataset string) (Layout, error) {
	if _, err := os.Stat(filepath.Join(dataset, "ground-truth.json")); err == nil {
		return ScrapingHub, nil
	}
	if _, err := os.Stat(filepath.Join(dataset, "evaldata.json")); err == nil {
		return Trafilatura, nil
	}
	return "", fmt.Errorf("%s: %w", dataset, ErrUnknownLayout)
}

// Evaluate scores extract on the dataset folder, writing a line per
// failing document and a summary to w. The summary's last line is
// exactly "precision=%.3f recall=%.3f f1=%.3f".
func Evaluate(ctx context.Context, dataset string, extract Extractor, w io.Writer) (Scores, error) {
	layout, err := Detect(dataset)
	if err != nil {
		return Scores{}, err
	}
	var s Scores
	switch layout {
	case ScrapingHub:
		s, err = evalScrapingHub(ctx, dataset, extract, w)
	case Trafilatura:
		s, err = evalTrafilatura(ctx, dataset, extract, w)
	}
	if err != nil {
		return s, err
	}
	s.Layout = layout
	fmt.Fprintf(w, "layout=%s documents=%d failed=%d\n", s.Layout, s.Documents, s.Failed)
	fmt.Fprintf(w, "precision=%.3f recall=%.3f f1=%.3f\n", s.Precision, s.Recall, s.F1)
	return s, nil
}

type groundTruth struct {
	ArticleBody string `json:"articleBody"`
	URL         string `json:"url"`
}

func evalScrapingHub(ctx context.Context, dataset string, extract Extractor, w io.Writer) (Scores, error) {
	var truth map[string]groundTruth
	if err := readJSON(filepath.Join(dataset, "ground-truth.json"), &truth); err != nil {
		return Scores{}, err
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var s Scores
	counts := make([]Counts, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		page, err := readPage(filepath.Join(dataset, "html", id+".html"))
		if err != nil {
			return s, err
		}
		got, err := extract(page, truth[id].URL)
		if err != nil {
			s.Failed++
			fmt.Fprintf(w, "%s: %v\n", id, err)
			got = ""
		}
		counts = append(counts, ShingleMatch(truth[id].ArticleBody, got, 4))
	}
	s.Documents = len(ids)
	s.Precision, s.Recall, s.F1 = AveragedScores(counts)
	return s, nil
}

type evalItem struct {
	File    string   `json:"file"`
	With    []string `json:"with"`
	Without []string `json:"without"`
}

func evalTrafilatura(ctx context.Context, dataset string, extract Extractor, w io.Writer) (Scores, error) {
	var items map[string]evalItem
	if err := readJSON(filepath.Join(dataset, "evaldata.json"), &items); err != nil {
		return Scores{}, err
	}
	urls := make([]string, 0, len(items))
	for u := range items {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	var s Scores
	var total SnippetCounts
	for _, u := range urls {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		it := items[u]
		page, err := readPage(filepath.Join(dataset, "html", it.File))
		if err != nil {
			return s, err
		}
		got, err := extract(page, u)
		if err != nil {
			s.Failed++
			fmt.Fprintf(w, "%s: %v\n", it.File, err)
			got = ""
		}
		c := MatchSnippets(got, it.With, it.Without)
		if c.FN > 0 || c.FP > 0 {
			fmt.Fprintf(w, "%s: tp=%d fn=%d fp=%d\n", it.File, c.TP, c.FN, c.FP)
		}
		total.TP += c.TP
		total.FN += c.FN
		total.FP += c.FP
		total.TN += c.TN
	}
	s.Documents = len(urls)
	s.Precision, s.Recall, s.F1 = total.Scores()
	return s, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read dataset: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

// readPage reads path, or path.gz when path does not exist, gunzipping
// either when it is compressed.
func readPage(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !strings.HasSuffix(path, ".gz") {
		f, err = os.Open(path + ".gz")
	}
	if err != nil {
		return nil, fmt.Errorf("read page: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read page: %w", err)
	}
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(strings.NewReader(string(b)))
		if err != nil {
			return nil, fmt.Errorf("gunzip %s: %w", path, err)
		}
		b, err = io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("gunzip %s: %w", path, err)
		}
	}
	return b, nil
}

// Counts are one document's shingle true positives, false positives and
// false negatives, normalised to sum to one (all zero when both texts
// have no shingle).
type Counts struct{ TP, FP, FN float64 }

// ShingleMatch compares the n-gram shingle multisets of the true and
// predicted texts, as the ScrapingHub benchmark's evaluate.py does.
func ShingleMatch(truth, pred string, n int) Counts {
	ts := shingles(truth, n)
	ps := shingles(pred, n)
	var c Counts
	for k, tc := range ts {
		pc := ps[k]
		c.TP += float64(min(tc, pc))
		c.FN += float64(max(0, tc-pc))
	}
	for k, pc := range ps {
		c.FP += float64(max(0, pc-ts[k]))
	}
	if sum := c.TP + c.FP + c.FN; sum > 0 {
		c.TP, c.FP, c.FN = c.TP/sum, c.FP/sum, c.FN/sum
	}
	return c
}

// AveragedScores averages per-document precision (over documents with a
// prediction) and recall (over documents with a truth), and returns the
// F1 of those averages.
func AveragedScores(docs []Counts) (precision, recall, f1 float64) {
	var ps, rs float64
	var np, nr int
	for _, c := range docs {
		if c.TP+c.FP > 0 {
			ps += precisionScore(c)
			np++
		}
		if c.TP+c.FN > 0 {
			rs += recallScore(c)
			nr++
		}
	}
	if np > 0 {
		precision = ps / float64(np)
	}
	if nr > 0 {
		recall = rs / float64(nr)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

func precisionScore(c Counts) float64 {
	if c.FP == 0 && c.FN == 0 {
		return 1
	}
	if c.TP == 0 && c.FP == 0 {
		return 0
	}
	return c.TP / (c.TP + c.FP)
}

func recallScore(c Counts) float64 {
	if c.FP == 0 && c.FN == 0 {
		return 1
	}
	if c.TP == 0 && c.FN == 0 {
		return 0
	}
	return c.TP / (c.TP + c.FN)
}

// Tokens splits text into runs of word characters as Python's \w does:
// letters, numbers and the underscore.
func Tokens(text string) []string {
	var toks []string
	start := -1
	for i, r := range text {
		w := r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
		switch {
		case w && start < 0:
			start = i
		case !w && start >= 0:
			toks = append(toks, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		toks = append(toks, text[start:])
	}
	return toks
}

// shingles counts the n-token shingles of text. A text with fewer than n
// tokens (but at least one) is one shorter shingle, as in evaluate.py.
func shingles(text string, n int) map[string]int {
	toks := Tokens(text)
	out := make(map[string]int)
	for i := 0; i < max(1, len(toks)-n+1); i++ {
		end := min(i+n, len(toks))
		if end <= i {
			break
		}
		out[strings.Join(toks[i:end], "\x00")]++
	}
	return out
}

// SnippetCounts are corpus totals of the snippet metric.
type SnippetCounts struct{ TP, FN, FP, TN int }

// MatchSnippets tests each snippet against text, whitespace collapsed on
// both sides.
func MatchSnippets(text string, with, without []string) SnippetCounts {
	norm := collapse(text)
	var c SnippetCounts
	for _, s := range with {
		if strings.Contains(norm, collapse(s)) {
			c.TP++
		} else {
			c.FN++
		}
	}
	for _, s := range without {
		if strings.Contains(norm, collapse(s)) {
			c.FP++
		} else {
			c.TN++
		}
	}
	return c
}

// Scores returns corpus precision, recall and F1.
func (c SnippetCounts) Scores() (precision, recall, f1 float64) {
	if c.TP+c.FP > 0 {
		precision = float64(c.TP) / float64(c.TP+c.FP)
	}
	if c.TP+c.FN > 0 {
		recall = float64(c.TP) / float64(c.TP+c.FN)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
