package bleveindex_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

// benchWords is a vocabulary for synthetic articles; a Zipf draw over it
// gives a word-frequency shape like prose.
var benchWords = strings.Fields(`the of and to in a is that for on was with he it as at by said from his
but have are be an has they not this were had who been their which will more after would one also there
minister government election party police court people year years new first last two three market bank
shares prices company football club match season players coach league cup final win team goal film music
award festival president talks deal trade union european british london report health hospital school
children energy oil gas climate research university technology phone internet software games security
attack army war peace border talks agreement vote parliament budget tax economy growth jobs workers strike`)

// syntheticDoc is an article of about size bytes.
func syntheticDoc(r *rand.Rand, z *rand.Zipf, id string, size int) *schema.Document {
	var b strings.Builder
	for b.Len() < size {
		for range 12 + r.IntN(10) {
			b.WriteString(benchWords[z.Uint64()])
			b.WriteByte(' ')
		}
		b.WriteString(". ")
		if r.IntN(6) == 0 {
			b.WriteString("\n\n")
		}
	}
	d := doc(id, fmt.Sprintf("%s %s %s", benchWords[z.Uint64()], benchWords[z.Uint64()], benchWords[z.Uint64()]), b.String(), t0)
	d.WordCount = schema.CountWords(d.Body)
	return d
}

// BenchmarkIndex measures documents per second into Bleve, durable when
// Index returns, with ~5 KB articles, from 1 to 256 concurrent callers
// (the indexer stage calls Index from NEWSFLOW_CONCURRENCY workers, 16 by
// default). Each commit waits for an fsync, so throughput grows with the
// callers that share a batch until analysis saturates the CPU.
func BenchmarkIndex(b *testing.B) {
	for _, callers := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			z := rand.NewZipf(r, 1.1, 1, uint64(len(benchWords)-1))
			docs := make([]*schema.Document, b.N)
			var bytes int64
			for i := range docs {
				docs[i] = syntheticDoc(r, z, fmt.Sprintf("doc-%d", i), 5000)
				bytes += int64(len(docs[i].Body))
			}
			ix, err := bleveindex.Open(b.TempDir(), zap.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.SetBytes(bytes / int64(b.N))
			b.ResetTimer()
			start := time.Now()
			for range callers {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(len(docs)) {
							return
						}
						if err := ix.Index(ctx, docs[i]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "docs/s")
			if err := ix.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkIndexStory measures story snapshots into the story index the
// way newsflow run sends them: bursts of 64 at once (the stories stage
// publishes every story changed within a second together), over 500
// stories that each get new revisions, with a few entities each.
func BenchmarkIndexStory(b *testing.B) {
	dir := b.TempDir()
	ix, err := bleveindex.Open(dir+"/search", zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	st, err := bleveindex.OpenStories(dir+"/stories", ix, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 1, uint64(len(benchWords)-1))
	last := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	snaps := make([]*schema.Story, b.N)
	for i := range snaps {
		id := fmt.Sprintf("story-%d", r.IntN(500))
		s := &schema.Story{SchemaVersion: schema.Version, ID: id, Revision: uint64(i + 1),
			Title:     fmt.Sprintf("%s %s %s", benchWords[z.Uint64()], benchWords[z.Uint64()], benchWords[z.Uint64()]),
			FirstSeen: last, LastSeen: last.Add(time.Duration(i) * time.Second), ArticleCount: 1 + r.IntN(20),
			OutletCount: 1 + r.IntN(5), Sources: []string{"bbc", "reuters"}, Languages: []string{"en"}}
		for range 3 {
			s.Persons = append(s.Persons, schema.Entity{Name: benchWords[z.Uint64()], ID: "Q" + fmt.Sprint(r.IntN(1000)), Salience: r.Float64()})
			s.Places = append(s.Places, schema.Place{Entity: schema.Entity{Name: benchWords[z.Uint64()], ID: "Q" + fmt.Sprint(r.IntN(1000))}})
		}
		snaps[i] = s
	}
	b.ResetTimer()
	for from := 0; from < len(snaps); from += 64 {
		var wg sync.WaitGroup
		for _, s := range snaps[from:min(from+64, len(snaps))] {
			wg.Go(func() {
				if err := st.IndexStory(ctx, s); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}
