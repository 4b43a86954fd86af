// Package searchbench builds the synthetic index of news articles that
// the benchmarks of internal/search (BenchmarkSearch) and internal/webui
// (BenchmarkPages) query, so that both measure the same documents.
//
// The corpus is deterministic: Corpus(n) returns the same articles on
// every call. Open builds the index once in a folder the caller names,
// merges it into one segment, and reopens it read-only on later runs,
// since building 100,000 documents takes minutes.
package searchbench

import (
	"context"
	"errors"
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
	"github.com/newsflow/newsflow/pkg/schema"
)

// vocabulary gives synthetic articles a word-frequency shape like prose
// (a Zipf draw over it), with news words in the tail.
var vocabulary = strings.Fields(`the of and to in a is that for on was with he it as at by said from his
but have are be an has they not this were had who been their which will more after would one also there
minister government election party police court people year years new first last two three market bank
shares prices company football club match season players coach league cup final win team goal film music
award festival president talks deal trade union european british london report health hospital school
children energy oil gas climate research university technology phone internet software games security
attack army war peace border agreement vote parliament budget tax economy growth jobs workers strike
ceasefire glazer manchester united yukos volcano harbour airline merger pension tariff drought vaccine orbit`)

// Persons, Organizations and Places are the entities the articles name,
// the first ones most often; Sources are the outlets of the originals
// (copies come from "Syndicator").
var (
	Persons = []string{"Sergei Lavrov", "Malcolm Glazer", "Tony Blair", "Gordon Brown", "Angela Merkel",
		"Kofi Annan", "Jacques Chirac", "Vladimir Putin"}
	Organizations = []string{"Manchester United", "Yukos", "European Union", "United Nations", "BBC", "Google",
		"Microsoft", "Nato"}
	Places = []Place{{"London", 51.51, -0.13}, {"Moscow", 55.76, 37.62}, {"Paris", 48.86, 2.35},
		{"Kyiv", 50.45, 30.52}, {"Washington", 38.9, -77.04}, {"Tokyo", 35.68, 139.69}, {"Nairobi", -1.29, 36.82},
		{"Brasília", -15.79, -47.88}, {"Sydney", -33.87, 151.21}, {"Delhi", 28.61, 77.21}, {"Cairo", 30.04, 31.24},
		{"Reykjavík", 64.15, -21.94}, {"Berlin", 52.52, 13.4}, {"Brussels", 50.85, 4.35}}
	Sources = []string{"Nordic Wire", "Daily Echo", "Metro Post", "Harbour Times"}
)

// Place is a place the articles name, with its position.
type Place struct {
	Name     string
	Lat, Lon float64
}

// Start is the earliest publication time; the articles spread over the
// year that follows.
var Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Corpus returns n synthetic articles of about 1.5 KB over a year, with
// persons, organisations, places with positions, four outlets, three
// languages, and one in five a syndicated copy (by "Syndicator", up to
// ten hours later) of an earlier original.
func Corpus(n int) []*schema.Document {
	r := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(r, 1.1, 1, uint64(len(vocabulary)-1))
	word := func() string { return vocabulary[z.Uint64()] }
	docs := make([]*schema.Document, 0, n)
	var originals []*schema.Document
	for i := range n {
		if i > 10 && r.IntN(5) == 0 {
			orig := originals[r.IntN(len(originals))]
			c := *orig
			c.ID = fmt.Sprintf("doc-%06d", i)
			c.URL = fmt.Sprintf("https://syndicator.example/%d", i)
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
		pub := Start.Add(time.Duration(r.IntN(365*24*60)) * time.Minute)
		src := Sources[r.IntN(len(Sources))]
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
			d.Entities.Persons = append(d.Entities.Persons, entity(skewed(r, Persons), "person"))
			d.Entities.Organizations = append(d.Entities.Organizations, entity(skewed(r, Organizations), "org"))
			p := skewed(r, Places)
			d.Entities.Places = append(d.Entities.Places, schema.Place{Entity: entity(p.Name, "place"),
				Location: &schema.GeoPoint{Lat: p.Lat, Lon: p.Lon}})
		}
		docs = append(docs, d)
		originals = append(originals, d)
	}
	return docs
}

// skewed draws from list, the first entries most often.
func skewed[T any](r *rand.Rand, list []T) T {
	return list[min(r.IntN(len(list)), r.IntN(len(list)))]
}

func entity(name, kind string) schema.Entity {
	return schema.Entity{Name: name, ID: "local:" + kind + ":" + strings.ToLower(strings.ReplaceAll(name, " ", "-")),
		Mentions: 1, Salience: 0.5}
}

// Open opens, read-only, the index of Corpus(docs) in dir/docs-<docs>:
// built first unless dir holds it already, and merged into one segment,
// so that neither Bleve's background merging nor the segment count of a
// fresh index varies from run to run. An empty dir is a temporary
// folder. The index is closed when tb ends.
func Open(tb testing.TB, dir string, docs int) *bleveindex.Index {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	// A kept index is rebuilt when the mapping changes.
	dir = filepath.Join(dir, fmt.Sprintf("docs-%d-mapping-%s", docs, bleveindex.MappingVersion))
	merged := filepath.Join(dir, "merged-by-benchmark")
	if _, err := os.Stat(merged); err != nil {
		_, statErr := os.Stat(dir)
		ix, err := bleveindex.OpenWith(dir, zap.NewNop(), bleveindex.Options{BatchSize: 1024, Linger: 20 * time.Millisecond})
		if err != nil {
			tb.Fatal(err)
		}
		if statErr != nil {
			build(tb, ix, docs)
		}
		started := time.Now()
		adv, err := ix.Bleve().Advanced()
		if err == nil {
			err = adv.(*scorch.Scorch).ForceMerge(context.Background(), &mergeplan.SingleSegmentMergePlanOptions)
		}
		if err := errors.Join(err, ix.Close()); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("merged %s into one segment in %v", dir, time.Since(started).Round(time.Second))
		if err := os.WriteFile(merged, nil, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	ix, err := bleveindex.OpenReadOnly(dir, time.Second, zap.NewNop())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := ix.Close(); err != nil {
			tb.Error(err)
		}
	})
	return ix
}

// build indexes Corpus(n) into ix from 64 callers, so that the index's
// batches fill.
func build(tb testing.TB, ix *bleveindex.Index, n int) {
	docs := Corpus(n)
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
		tb.Fatal(err)
	}
	tb.Logf("indexed %d documents in %v", len(docs), time.Since(started).Round(time.Second))
}

// CPUTime is the CPU time this process has used, which other load on
// the machine changes less than the wall time: benchmarks report
// (CPUTime after - before) / b.N as cpu-ms/op.
func CPUTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
