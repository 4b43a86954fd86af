package search_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

var evalData = flag.String("eval-data", "", "evaluation data directory (holding bbc/ and syndication/); TestEvalBBC runs only when set")

// TestEvalBBC measures the embedded index on the BBC corpus and its
// syndicated variants: indexing throughput, known-item retrieval (a
// headline, or six consecutive words of the body, should find its article)
// and what collapsing clusters does to the top 10. Run with
//
//	go test -run TestEvalBBC -v ./search -eval-data /work/shared/data
func TestEvalBBC(t *testing.T) {
	if *evalData == "" {
		t.Skip("SKIPPED: TestEvalBBC needs -eval-data DIR (e.g. /work/shared/data); no evaluation was run")
	}
	originals := readBBC(t, filepath.Join(*evalData, "bbc"))
	variants := readVariants(t, filepath.Join(*evalData, "syndication", "variants.jsonl"), originals)
	byID := map[string]*schema.Document{}
	for _, d := range originals {
		byID[d.ID] = d
	}
	for _, v := range variants {
		byID[v.DuplicateOf].ClusterID = v.DuplicateOf
	}
	docs := append(slices.Clone(originals), variants...)
	t.Logf("%d originals, %d syndicated variants", len(originals), len(variants))

	ix, err := bleveindex.Open(filepath.Join(t.TempDir(), "search"), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	var bytes int
	for _, d := range docs {
		bytes += len(d.Body)
	}
	start := time.Now()
	for range 16 { // NEWSFLOW_CONCURRENCY default
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(docs)); i = next.Add(1) - 1 {
				if err := ix.Index(ctx, docs[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	t.Logf("indexed %d docs (%.1f KB avg) in %v: %.0f docs/s with 16 callers", len(docs), float64(bytes)/float64(len(docs))/1024, el.Round(time.Millisecond), float64(len(docs))/el.Seconds())

	r := rand.New(rand.NewPCG(7, 7))
	sample := slices.Clone(originals)
	r.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	sample = sample[:min(500, len(sample))]

	type result struct{ p1, mrr float64 }
	var qtime time.Duration
	var queries int
	knownItem := func(name string, queryOf func(*schema.Document) string) {
		var res result
		for _, d := range sample {
			q := queryOf(d)
			t0 := time.Now()
			resp, err := search.Run(ctx, ix, search.Request{Query: q, Size: 10})
			qtime += time.Since(t0)
			queries++
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range resp.Hits {
				if h.ID == d.ID || (d.ClusterID != "" && h.ClusterID == d.ClusterID) {
					res.mrr += 1 / float64(i+1)
					if i == 0 {
						res.p1++
					}
					break
				}
			}
		}
		n := float64(len(sample))
		t.Logf("known item by %s: P@1 %.3f, MRR@10 %.3f over %d queries", name, res.p1/n, res.mrr/n, len(sample))
	}
	knownItem("headline", func(d *schema.Document) string { return d.Title })
	knownItem("6 body words", func(d *schema.Document) string {
		w := strings.Fields(d.Body)
		i := r.IntN(max(1, len(w)-6))
		return strings.Join(w[i:min(len(w), i+6)], " ")
	})
	t.Logf("mean query time %v", (qtime / time.Duration(queries)).Round(time.Microsecond))

	// Collapse: headlines of stories that were syndicated.
	var clusters, withDup, withCollapse, byOriginal int
	for _, d := range originals {
		if d.ClusterID == "" {
			continue
		}
		clusters++
		all, err := search.Run(ctx, ix, search.Request{Query: d.Title, Size: 10, IncludeDuplicates: true})
		if err != nil {
			t.Fatal(err)
		}
		one, err := search.Run(ctx, ix, search.Request{Query: d.Title, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		withDup += distinctClusters(all)
		withCollapse += distinctClusters(one)
		for _, h := range one.Hits {
			if h.ID == d.ID {
				byOriginal++
			}
		}
	}
	t.Logf("headline queries of %d syndicated stories: distinct stories in top 10 %.2f with duplicates, %.2f collapsed; the story shown by its original in %.1f %%",
		clusters, float64(withDup)/float64(clusters), float64(withCollapse)/float64(clusters), 100*float64(byOriginal)/float64(clusters))
}

func distinctClusters(r *search.Response) int {
	seen := map[string]bool{}
	for _, h := range r.Hits {
		k := h.ClusterID
		if k == "" {
			k = h.ID
		}
		seen[k] = true
	}
	return len(seen)
}

// readBBC reads bbc/<category>/<n>.txt: headline, blank line, body.
func readBBC(t *testing.T, dir string) []*schema.Document {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no BBC articles under %s: %v", dir, err)
	}
	sort.Strings(files)
	var docs []*schema.Document
	base := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(b) {
			b = latin1(b)
		}
		title, body, _ := strings.Cut(string(b), "\n")
		rel, _ := filepath.Rel(filepath.Dir(dir), f)
		pub := base.Add(time.Duration(i) * time.Hour)
		docs = append(docs, &schema.Document{
			SchemaVersion: schema.Version, ID: filepath.ToSlash(rel), Title: strings.TrimSpace(title), Body: strings.TrimSpace(body),
			Source: schema.Source{Name: "BBC News", Domain: "bbc.co.uk"}, PublishedAt: &pub, IngestedAt: pub, Language: "en",
		})
	}
	return docs
}

func latin1(b []byte) []byte {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return []byte(string(r))
}

func readVariants(t *testing.T, path string, originals []*schema.Document) []*schema.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]*schema.Document{}
	for _, d := range originals {
		known[d.ID] = d
	}
	var out []*schema.Document
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var v struct {
			ID       string `json:"id"`
			SourceID string `json:"source_id"`
			Text     string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		orig := known[v.SourceID]
		if orig == nil {
			t.Fatalf("variant %s copies unknown %s", v.ID, v.SourceID)
		}
		title, body, _ := strings.Cut(v.Text, "\n")
		if strings.TrimSpace(body) == "" {
			body = title
		}
		pub := orig.PublishedAt.Add(time.Duration(len(out)%50+1) * time.Minute)
		out = append(out, &schema.Document{
			SchemaVersion: schema.Version, ID: v.ID, Title: strings.TrimSpace(title), Body: strings.TrimSpace(body),
			Source:      schema.Source{Name: fmt.Sprintf("Syndicator %d", len(out)%7), Domain: fmt.Sprintf("syn%d.example", len(out)%7)},
			PublishedAt: &pub, IngestedAt: pub, Language: "en", DuplicateOf: v.SourceID, ClusterID: v.SourceID,
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
