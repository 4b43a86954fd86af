package search_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

var (
	benchDocs  = flag.Int("bench-docs", 100_000, "documents in the index BenchmarkSearch queries")
	benchIndex = flag.String("bench-index", "", "keep BenchmarkSearch's index in this folder and reuse it when it exists (building 100,000 documents takes minutes)")
)

// benchVocabulary gives synthetic articles a word-frequency shape like
// prose (a Zipf draw over it), with news words in the tail.
var benchVocabulary = strings.Fields(`the of and to in a is that for on was with he it as at by said from his
but have are be an has they not this were had who been their which will more after would one also there
minister government election party police court people year years new first last two three market bank
shares prices company football club match season players coach league cup final win team goal film music
award festival president talks deal trade union european british london report health hospital school
children energy oil gas climate research university technology phone internet software games security
attack army war peace border agreement vote parliament budget tax economy growth jobs workers strike
glazer manchester united yukos volcano harbour airline merger pension tariff drought vaccine orbit`)

var (
	benchPersons = []string{"Sergei Lavrov", "Malcolm Glazer", "Tony Blair", "Gordon Brown", "Angela Merkel", "Kofi Annan", "Jacques Chirac", "Vladimir Putin"}
	benchOrgs    = []string{"Manchester United", "Yukos", "European Union", "United Nations", "BBC", "Google", "Microsoft", "Nato"}
	benchPlaces  = []string{"London", "Moscow", "Paris", "Berlin", "Washington", "Tokyo", "Iceland", "Brussels"}
	benchSources = []string{"Nordic Wire", "Daily Echo", "Metro Post", "Harbour Times", "Syndicator"}
)

// benchCorpus returns n synthetic articles of about 1.5 KB over a year,
// with entities, five sources and one in five a syndicated copy of an
// earlier article.
func benchCorpus(n int) []*schema.Document {
	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.1, 1, uint64(len(benchVocabulary)-1))
	word := func() string { return benchVocabulary[z.Uint64()] }
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]*schema.Document, 0, n)
	var originals []*schema.Document
	for i := range n {
		if i > 10 && r.IntN(5) == 0 {
			orig := originals[r.IntN(len(originals))]
			c := *orig
			c.ID = fmt.Sprintf("doc-%06d", i)
			c.Source = schema.Source{Name: "Syndicator", Domain: "syndicator.example"}
			pub := orig.PublishedAt.Add(time.Duration(1+r.IntN(600)) * time.Minute)
			c.PublishedAt, c.IngestedAt = &pub, pub
			c.DuplicateOf, c.ClusterID = orig.ID, orig.ID
			orig.ClusterID = orig.ID
			docs = append(docs, &c)
			continue
		}
		var b strings.Builder
		for b.Len() < 1500 {
			for range 12 + r.IntN(10) {
				b.WriteString(word())
				b.WriteByte(' ')
			}
			b.WriteString(".\n\n")
		}
		pub := start.Add(time.Duration(r.IntN(365*24*60)) * time.Minute)
		src := benchSources[r.IntN(len(benchSources)-1)]
		d := &schema.Document{
			SchemaVersion: schema.Version,
			ID:            fmt.Sprintf("doc-%06d", i),
			URL:           fmt.Sprintf("https://example.com/%d", i),
			Source:        schema.Source{Name: src, Domain: strings.ReplaceAll(strings.ToLower(src), " ", "") + ".example"},
			Title:         word() + " " + word() + " " + word() + " " + word(),
			Body:          b.String(),
			PublishedAt:   &pub,
			IngestedAt:    pub,
			Language:      []string{"en", "en", "en", "fr", "de"}[r.IntN(5)],
		}
		d.WordCount = schema.CountWords(d.Body)
		for range 1 + r.IntN(3) {
			d.Entities.Persons = append(d.Entities.Persons, benchEntity(r, benchPersons, "person"))
			d.Entities.Organizations = append(d.Entities.Organizations, benchEntity(r, benchOrgs, "org"))
			e := benchEntity(r, benchPlaces, "place")
			d.Entities.Places = append(d.Entities.Places, schema.Place{Entity: e, Country: "GB"})
		}
		docs = append(docs, d)
		originals = append(originals, d)
	}
	return docs
}

func benchEntity(r *rand.Rand, names []string, kind string) schema.Entity {
	// A skewed draw: the first names are mentioned most.
	n := names[min(r.IntN(len(names)), r.IntN(len(names)))]
	return schema.Entity{Name: n, ID: "local:" + kind + ":" + strings.ToLower(strings.ReplaceAll(n, " ", "-")), Mentions: 1, Salience: 0.5}
}

// benchIndexOpen opens, read-only, the index of benchCorpus(-bench-docs):
// built first unless -bench-index holds it already, and merged into one
// segment, so that neither Bleve's background merging nor the segment
// count of a fresh index varies from run to run. It is closed when b
// ends.
func benchIndexOpen(b *testing.B) *bleveindex.Index {
	dir := *benchIndex
	if dir == "" {
		dir = b.TempDir()
	}
	dir = filepath.Join(dir, fmt.Sprintf("docs-%d", *benchDocs))
	merged := filepath.Join(dir, "merged-by-benchmark")
	if _, err := os.Stat(merged); err != nil {
		_, statErr := os.Stat(dir)
		ix, err := bleveindex.OpenWith(dir, zap.NewNop(), bleveindex.Options{BatchSize: 1024, Linger: 20 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		if statErr != nil {
			benchBuild(b, ix)
		}
		started := time.Now()
		adv, err := ix.Bleve().Advanced()
		if err == nil {
			err = adv.(*scorch.Scorch).ForceMerge(context.Background(), &mergeplan.SingleSegmentMergePlanOptions)
		}
		if err := errors.Join(err, ix.Close()); err != nil {
			b.Fatal(err)
		}
		b.Logf("merged %s into one segment in %v", dir, time.Since(started).Round(time.Second))
		if err := os.WriteFile(merged, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ix, err := bleveindex.OpenReadOnly(dir, time.Second, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := ix.Close(); err != nil {
			b.Error(err)
		}
	})
	return ix
}

func benchBuild(b *testing.B, ix *bleveindex.Index) {
	docs := benchCorpus(*benchDocs)
	started := time.Now()
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(docs)); i = next.Add(1) - 1 {
				if err := ix.Index(context.Background(), docs[i]); err != nil {
					failed.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.Logf("indexed %d documents in %v", len(docs), time.Since(started).Round(time.Second))
}

// cpuTime is the CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSearch measures one search as the web UI and the CLI run it
// (a page of 10 hits, collapsed, with facets) on an index of -bench-docs
// documents. Besides the wall time it reports cpu-ms/op, the process's
// CPU time per search, which other load on the machine changes less:
//
//	go test ./internal/search -run '^$' -bench BenchmarkSearch -benchtime 20x -args -bench-index /tmp/nf-bench
func BenchmarkSearch(b *testing.B) {
	ix := benchIndexOpen(b)
	for _, c := range []struct {
		name string
		req  search.Request
	}{
		{"one word", search.Request{Query: "election"}},
		{"three words", search.Request{Query: "glazer manchester united"}},
		{"phrase", search.Request{Query: `"football club"`}},
		{"filter only", search.Request{Source: "Nordic Wire"}},
		{"everything newest", search.Request{}},
		{"words and person", search.Request{Query: "oil prices", Person: "Vladimir Putin"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			cpu := cpuTime(b)
			for b.Loop() {
				if _, err := search.Run(ctx, ix, c.req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
