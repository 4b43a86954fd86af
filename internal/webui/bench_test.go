package webui_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/pipeline"
	"github.com/newsflow/newsflow/internal/webui"
	"github.com/newsflow/newsflow/pkg/schema"
)

var (
	benchDocs  = flag.Int("bench-docs", 100_000, "documents in the index BenchmarkPages reads")
	benchIndex = flag.String("bench-index", "", "keep BenchmarkPages' index in this folder and reuse it when it exists (building 100,000 documents takes minutes)")
)

var benchWords = strings.Fields(`the of and to in a is that for on was with he it as at by said from his
but have are be an has they not this were had who been their which will more after would one also there
minister government election party police court people year new first last market bank shares prices
company football club match season players coach league cup final win team goal film music award report
health hospital school energy oil gas climate research university technology security attack army war
peace border agreement vote parliament budget tax economy growth jobs workers strike talks ceasefire`)

type benchPlace struct {
	name     string
	lat, lon float64
}

var benchPlaces = []benchPlace{{"London", 51.51, -0.13}, {"Moscow", 55.76, 37.62}, {"Paris", 48.86, 2.35},
	{"Kyiv", 50.45, 30.52}, {"Washington", 38.9, -77.04}, {"Tokyo", 35.68, 139.69}, {"Nairobi", -1.29, 36.82},
	{"Brasília", -15.79, -47.88}, {"Sydney", -33.87, 151.21}, {"Delhi", 28.61, 77.21}, {"Cairo", 30.04, 31.24},
	{"Reykjavík", 64.15, -21.94}}

var benchPersons = []string{"Sergei Lavrov", "Dmytro Kuleba", "Angela Merkel", "Tony Blair", "Kofi Annan", "Jacques Chirac"}

// benchCorpus is n articles of about 800 bytes over a year, with people,
// places with positions, four outlets and one in five a syndicated copy.
func benchCorpus(n int) []*schema.Document {
	r := rand.New(rand.NewPCG(5, 6))
	z := rand.NewZipf(r, 1.1, 1, uint64(len(benchWords)-1))
	word := func() string { return benchWords[z.Uint64()] }
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	sources := []string{"Nordic Wire", "Daily Echo", "Metro Post", "Harbour Times"}
	docs := make([]*schema.Document, 0, n)
	for i := range n {
		if i > 10 && r.IntN(5) == 0 {
			orig := docs[r.IntN(len(docs))]
			if orig.DuplicateOf == "" {
				c := *orig
				c.ID = fmt.Sprintf("doc-%06d", i)
				c.Source = schema.Source{Name: "Syndicator", Domain: "syndicator.example"}
				c.DuplicateOf, c.ClusterID = orig.ID, orig.ID
				orig.ClusterID = orig.ID
				docs = append(docs, &c)
				continue
			}
		}
		var b strings.Builder
		for b.Len() < 800 {
			for range 10 + r.IntN(10) {
				b.WriteString(word())
				b.WriteByte(' ')
			}
			b.WriteString(".\n\n")
		}
		pub := start.Add(time.Duration(r.IntN(365*24*60)) * time.Minute)
		d := &schema.Document{SchemaVersion: schema.Version, ID: fmt.Sprintf("doc-%06d", i),
			Source: schema.Source{Name: sources[r.IntN(len(sources))]}, Title: word() + " " + word() + " " + word(),
			Body: b.String(), PublishedAt: &pub, IngestedAt: pub, Language: "en"}
		d.WordCount = schema.CountWords(d.Body)
		for range 1 + r.IntN(3) {
			p := benchPlaces[min(r.IntN(len(benchPlaces)), r.IntN(len(benchPlaces)))]
			d.Entities.Places = append(d.Entities.Places, schema.Place{
				Entity:   schema.Entity{Name: p.name, ID: "local:place:" + strings.ToLower(p.name), Mentions: 1, Salience: 0.3},
				Location: &schema.GeoPoint{Lat: p.lat, Lon: p.lon}})
			name := benchPersons[r.IntN(len(benchPersons))]
			d.Entities.Persons = append(d.Entities.Persons, schema.Entity{Name: name, ID: "local:person:" + name, Mentions: 1, Salience: 0.5})
		}
		docs = append(docs, d)
	}
	return docs
}

func benchIndexOpen(b *testing.B) *bleveindex.Index {
	dir := *benchIndex
	if dir == "" {
		dir = b.TempDir()
	}
	dir = filepath.Join(dir, fmt.Sprintf("webui-docs-%d", *benchDocs))
	_, statErr := os.Stat(dir)
	ix, err := bleveindex.OpenWith(dir, zap.NewNop(), bleveindex.Options{BatchSize: 1024, Linger: 20 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := ix.Close(); err != nil {
			b.Error(err)
		}
	})
	if statErr == nil {
		return ix
	}
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
	b.Logf("indexed %d documents in %v into %s", len(docs), time.Since(started).Round(time.Second), dir)
	return ix
}

// BenchmarkPages measures each page as a browser asks for it (gzip), from
// request to last byte, on an index of -bench-docs documents; `make bench`
// runs it with benchrun -webui:
//
//	go test -run '^$' -bench BenchmarkPages -benchtime 20x ./internal/webui -bench-index /tmp/nf-webui-bench
func BenchmarkPages(b *testing.B) {
	ix := benchIndexOpen(b)
	ui, err := webui.New(webui.Options{Index: ix, Log: zap.NewNop(), Pipeline: &fixedPipeline{
		readings: [][]pipeline.Lag{{{Stage: "ingest"}, {Stage: "dedupe"}, {Stage: "enrich"}, {Stage: "indexer"}}}}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	defer srv.Close()
	defer ui.Stop()
	for _, p := range []struct{ name, path string }{
		{"search/everything", "/"},
		{"search/one word", "/?q=election"},
		{"search/two words and a place", "/?q=oil+prices&place=Moscow"},
		{"search/dates", "/?since=2025-03-01&until=2025-03-31"},
		{"article", "/articles/doc-000042"},
		{"map/everything", "/map"},
		{"map/one word", "/map?q=election"},
		{"pipeline", "/pipeline"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", srv.URL+p.path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("GET %s: %s", p.path, res.Status)
				}
			}
		})
	}
}
