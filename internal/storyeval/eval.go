// Package storyeval measures the stories stage on labelled streams:
// JSON lines {id, story, source, title, text, published_at[, url]}, where story
// is the gold label. Articles are fed in published_at order (ties and
// missing dates in a seeded random order, first; an undated article takes
// the time of the article before it, the first ones the file's earliest
// date) through the code the pipeline runs: the intake's decoding
// (schema.DecodeRaw: an id that is an absolute http(s) URL, as in the
// Wikinews set, is the article's URL, as the pipeline takes it; an
// optional "url" field gives it otherwise), ingest's cleanup (a date it finds at the head of an undated item's text
// is the document's published_at, as the stage sees it in the pipeline;
// the feeding order stays the file's), enrich's entities, then the stories stage's Process
// on an in-memory log. Scores are BCubed precision, recall and F1 (the
// headline), pairwise precision, recall and F1 over co-clustered pairs,
// the predicted and gold story counts, and the predicted stories that mix
// several gold stories (the false merges a reader would see: how many, and
// the largest), against each article's final story (after merges).
package storyeval

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich"
	"github.com/newsflow/newsflow/services/ingest"
	"github.com/newsflow/newsflow/services/stories"
	"github.com/newsflow/newsflow/services/stories/cluster"
)

// ErrInput means an input file is missing or malformed.
var ErrInput = errors.New("story evaluation input")

// Item is one labelled article.
type Item struct {
	ID          string  `json:"id"`
	Story       string  `json:"story"`
	Source      *string `json:"source"`
	Title       string  `json:"title"`
	Text        string  `json:"text"`
	PublishedAt *string `json:"published_at"`
	// URL is the article's address (optional); without it, an id that is
	// an absolute http(s) URL is taken for it, as the intake takes it.
	URL string `json:"url,omitempty"`
}

// Scores are one file's results.
type Scores struct {
	File                       string
	Articles, Rejected         int
	BCubedP, BCubedR, BCubedF1 float64
	PairP, PairR, PairF1       float64
	Stories, Gold              int
	// Mixed counts the predicted stories that hold articles of more than
	// one gold story (the false merges a reader sees), Multi the predicted
	// stories of more than one article.
	Mixed, Multi int
	// Largest is the biggest predicted story's size, LargestGold how many
	// gold stories its articles come from.
	Largest, LargestGold           int
	ArticlesPerSecond              float64
	PrepareSeconds, ClusterSeconds float64
}

// Read reads a file of items, in the order they are to be fed.
func Read(path string, seed uint64) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	var items []Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var it Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %w", ErrInput, path, line, err)
		}
		if it.ID == "" || it.Story == "" {
			return nil, fmt.Errorf("%w: %s:%d: id and story are required", ErrInput, path, line)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: %s holds no articles", ErrInput, path)
	}
	return Order(items, seed), nil
}

// Order sorts items by date over a seeded shuffle, so that ties, and the
// undated items (one tie group, first), come in a seeded random order.
func Order(items []Item, seed uint64) []Item {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	date := func(it Item) string {
		if it.PublishedAt == nil {
			return ""
		}
		return *it.PublishedAt
	}
	slices.SortStableFunc(items, func(a, b Item) int { return cmp.Compare(date(a), date(b)) })
	return items
}

// Pipeline is the code an item goes through: cleanup, entities, stories.
type Pipeline struct {
	ingest *ingest.Ingester
	enrich *enrich.Enricher
	// DropDates makes Prepare feed every item without its published_at,
	// in a seeded random order, as an undated archive ingested at one
	// moment reaches the stage (a set's dated reports, measured as if
	// undated; a date cleanup finds in a text still counts).
	DropDates bool
}

// NewPipeline builds cleanup and enrich as the pipeline runs them, with
// boilerplate learning off (it needs JetStream and learns nothing from
// one article per source).
func NewPipeline(ctx context.Context) (*Pipeline, error) {
	icfg := ingest.DefaultConfig()
	icfg.LearnBoilerplate = false
	ing, err := ingest.New(ctx, nil, icfg, zap.NewNop())
	if err != nil {
		return nil, err
	}
	enr, err := enrich.New(enrich.DefaultConfig(), zap.NewNop())
	if err != nil {
		return nil, err
	}
	return &Pipeline{ingest: ing, enrich: enr}, nil
}

// Document runs the intake's decoding, cleanup and enrich on an item;
// clock is the time an undated item takes. The item is decoded as the
// intake decodes an uploaded line (schema.DecodeRaw of its JSON), so the
// stage sees what the pipeline would make of the same line: the id is
// metadata, and the URL when it is one. A nil document means the intake
// or cleanup rejected the item.
func (p *Pipeline) Document(ctx context.Context, it Item, clock time.Time) (*schema.Document, error) {
	line, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	raw, err := schema.DecodeRaw(line)
	if err != nil {
		return nil, nil //nolint:nilerr // refused by the intake: counted, not fatal
	}
	doc, err := p.ingest.Process(ctx, raw)
	if err != nil {
		return nil, nil //nolint:nilerr // a rejected article is counted, not fatal
	}
	doc.IngestedAt = clock // the stream's time; a date cleanup finds in the body stays published_at, as in the pipeline
	return p.enrich.Process(ctx, doc)
}

// epoch is the clock of a stream without any date.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// startClock is the time the undated items at the head of the stream
// take: the earliest date of the file, so that the clock never runs
// backwards (a later epoch would put the dated items in the past and the
// stage would close their stories as soon as they open).
func startClock(items []Item) time.Time {
	start := time.Time{}
	for _, it := range items {
		if it.PublishedAt == nil {
			continue
		}
		if t, err := schema.ParseTime(*it.PublishedAt); err == nil && (start.IsZero() || t.Before(start)) {
			start = t
		}
	}
	if start.IsZero() {
		return epoch
	}
	return start
}

// Prepared is one file after cleanup and enrich, in feeding order.
type Prepared struct {
	File string
	// Docs are nil where cleanup rejected the item.
	Docs    []*schema.Document
	Gold    []string
	IDs     []string
	Seconds float64

	// articles are cluster.FromDocument of Docs, computed once (the
	// stemming is a quarter of a clustering run) and shared by every run
	// on this stream: nothing in the stage writes to an Article.
	articlesOnce sync.Once
	articles     []*cluster.Article
}

// Articles returns what the stories stage's Process extracts from each
// document (nil where cleanup rejected the item), computed on first use.
func (p *Prepared) Articles() []*cluster.Article {
	p.articlesOnce.Do(func() {
		p.articles = make([]*cluster.Article, len(p.Docs))
		for i, doc := range p.Docs {
			if doc != nil {
				p.articles[i] = cluster.FromDocument(doc)
			}
		}
	})
	return p.articles
}

// Prepare reads a file and runs cleanup and enrich on every item.
func Prepare(ctx context.Context, p *Pipeline, path string, seed uint64) (*Prepared, error) {
	items, err := Read(path, seed)
	if err != nil {
		return nil, err
	}
	out := &Prepared{File: filepath.Base(path)}
	if p.DropDates {
		for i := range items {
			items[i].PublishedAt = nil
		}
		items = Order(items, seed)
		out.File += " (dates dropped)"
	}
	start := time.Now()
	clock := startClock(items)
	for _, it := range items {
		if it.PublishedAt != nil {
			if t, err := schema.ParseTime(*it.PublishedAt); err == nil {
				clock = t
			}
		}
		doc, err := p.Document(ctx, it, clock)
		if err != nil {
			return nil, err
		}
		if doc != nil {
			doc.ID = it.ID // the file's ids, so equal texts stay two articles
		}
		out.Docs = append(out.Docs, doc)
		out.Gold = append(out.Gold, it.Story)
		out.IDs = append(out.IDs, it.ID)
	}
	out.Articles() // the stage's extraction, timed with the rest of the preparation
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

// Cluster feeds the prepared documents to a fresh stories stage with
// configuration cfg and scores its final stories. The stage's Process is
// Assign(cluster.FromDocument(doc)); Cluster calls Assign with the
// articles FromDocument gave once (Prepared.Articles), so every run of a
// fit decides as Process does without stemming the stream again
// (TestClusterDecidesAsProcess).
func Cluster(ctx context.Context, prep *Prepared, cfg stories.Config) (Scores, error) {
	start := time.Now()
	pred, rejected, err := assign(ctx, prep, cfg)
	if err != nil {
		return Scores{}, err
	}
	sc := Score(pred, prep.Gold)
	sc.File = prep.File
	sc.Articles, sc.Rejected = len(prep.Docs), rejected
	sc.PrepareSeconds, sc.ClusterSeconds = prep.Seconds, time.Since(start).Seconds()
	sc.ArticlesPerSecond = float64(len(prep.Docs)) / (sc.PrepareSeconds + sc.ClusterSeconds)
	return sc, nil
}

// assign feeds the prepared articles to a fresh stage and returns each
// one's final story: the story Assign gave it, re-pointed by the merges
// the snapshots announce, as the index does. A rejected item is a story
// of its own (in the pipeline: a dead letter).
func assign(ctx context.Context, prep *Prepared, cfg stories.Config) (pred []string, rejected int, err error) {
	st, err := stories.NewOffline(cfg, zap.NewNop())
	if err != nil {
		return nil, 0, err
	}
	pred = make([]string, len(prep.Docs))
	mergedInto := map[string]string{}
	for i, a := range prep.Articles() {
		if a == nil {
			rejected++
			pred[i] = "rejected:" + prep.IDs[i]
			continue
		}
		if pred[i], err = st.Assign(ctx, a); err != nil {
			return nil, 0, err
		}
		for _, snap := range st.TakeSnapshots() {
			if snap.MergedInto != "" {
				mergedInto[snap.ID] = snap.MergedInto
			}
		}
	}
	for i, id := range pred {
		for range len(mergedInto) + 1 {
			into, ok := mergedInto[id]
			if !ok {
				break
			}
			id = into
		}
		pred[i] = id
	}
	return pred, rejected, nil
}

// Run evaluates one file with the stage's configuration cfg.
func Run(ctx context.Context, p *Pipeline, path string, seed uint64, cfg stories.Config) (Scores, error) {
	prep, err := Prepare(ctx, p, path, seed)
	if err != nil {
		return Scores{}, err
	}
	return Cluster(ctx, prep, cfg)
}

// Score compares predicted and gold labels, one of each per article.
func Score(pred, gold []string) Scores {
	n := len(pred)
	predSize, goldSize := map[string]int{}, map[string]int{}
	both := map[[2]string]int{}
	for i := range n {
		predSize[pred[i]]++
		goldSize[gold[i]]++
		both[[2]string{pred[i], gold[i]}]++
	}
	var s Scores
	for i := range n {
		inter := float64(both[[2]string{pred[i], gold[i]}])
		s.BCubedP += inter / float64(predSize[pred[i]])
		s.BCubedR += inter / float64(goldSize[gold[i]])
	}
	if n > 0 {
		s.BCubedP /= float64(n)
		s.BCubedR /= float64(n)
	}
	s.BCubedF1 = f1(s.BCubedP, s.BCubedR)
	pairs := func(m map[string]int) (t float64) {
		for _, c := range m {
			t += float64(c) * float64(c-1) / 2
		}
		return t
	}
	tp := 0.0
	for _, c := range both {
		tp += float64(c) * float64(c-1) / 2
	}
	pp, gp := pairs(predSize), pairs(goldSize)
	s.PairP, s.PairR = ratio(tp, pp), ratio(tp, gp)
	s.PairF1 = f1(s.PairP, s.PairR)
	s.Stories, s.Gold = len(predSize), len(goldSize)
	golds := map[string]int{} // predicted story -> gold stories in it
	for k := range both {
		golds[k[0]]++
	}
	for p, size := range predSize {
		if size > 1 {
			s.Multi++
		}
		if golds[p] > 1 {
			s.Mixed++
		}
		if size > s.Largest || size == s.Largest && golds[p] > s.LargestGold {
			s.Largest, s.LargestGold = size, golds[p]
		}
	}
	return s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 1
	}
	return a / b
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Print writes one file's scores.
func Print(w io.Writer, s Scores) {
	fmt.Fprintf(w, "%s: %d articles (%d rejected by cleanup, each its own story)\n", s.File, s.Articles, s.Rejected)
	fmt.Fprintf(w, "  bcubed    P %.3f  R %.3f  F1 %.3f\n", s.BCubedP, s.BCubedR, s.BCubedF1)
	fmt.Fprintf(w, "  pairwise  P %.3f  R %.3f  F1 %.3f\n", s.PairP, s.PairR, s.PairF1)
	fmt.Fprintf(w, "  stories   %d predicted, %d gold\n", s.Stories, s.Gold)
	fmt.Fprintf(w, "  mixed     %d of %d multi-article stories hold several gold stories; the largest has %d articles from %d\n", s.Mixed, s.Multi, s.Largest, s.LargestGold)
	fmt.Fprintf(w, "  speed     %.0f articles/s (cleanup, entities and stories)\n", s.ArticlesPerSecond)
}

// Summary is the last line: the last file's headline figures.
func Summary(w io.Writer, s Scores) {
	fmt.Fprintf(w, "bcubed_f1=%.3f pairwise_f1=%.3f stories=%d gold=%d\n", s.BCubedF1, s.PairF1, s.Stories, s.Gold)
}
