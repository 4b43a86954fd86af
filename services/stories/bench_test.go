package stories

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

var benchDocs = flag.String("bench-docs", "", "JSON lines of enriched documents (newsflow run --once --export) for BenchmarkProcess, besides its invented reports")

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProcess runs the stage's Process, with its story log on an
// embedded JetStream on loopback (whose CPU counts too), over invented
// reports of many events (and the documents of -bench-docs), one article
// at a time and from as many workers as the stage runs by default
// (NEWSFLOW_CONCURRENCY), and reports articles per CPU-second and the
// p50 and p99 latency of one article.
func BenchmarkProcess(b *testing.B) {
	sources := []struct {
		name string
		docs func(n int) []*schema.Document
	}{
		{"60-words", func(n int) []*schema.Document { return corpusOf(n/5+1, 5, 60, 7) }},
		{"600-words", func(n int) []*schema.Document { return corpusOf(n/5+1, 5, 600, 7) }},
		{"newslike", func(n int) []*schema.Document { return newsLike(n/5+1, 5, 7) }},
	}
	if *benchDocs != "" {
		docs, err := readDocs(*benchDocs)
		if err != nil {
			b.Fatal(err)
		}
		sources = append(sources, struct {
			name string
			docs func(n int) []*schema.Document
		}{"docs", func(int) []*schema.Document { return docs }})
	}
	for _, src := range sources {
		for _, workers := range []int{1, stage.DefaultConfig().Consumer.Concurrency} {
			b.Run(fmt.Sprintf("%s/workers=%d", src.name, workers), func(b *testing.B) {
				benchmarkProcess(b, src.docs(max(b.N, 5)), workers, 0)
			})
		}
	}
	// A story log whose appends take a fixed round trip besides their
	// work, as one replicated across hosts does.
	b.Run(fmt.Sprintf("newslike-rtt2ms/workers=%d", stage.DefaultConfig().Consumer.Concurrency), func(b *testing.B) {
		benchmarkProcess(b, newsLike(max(b.N, 5)/5+1, 5, 7), stage.DefaultConfig().Consumer.Concurrency, 2*time.Millisecond)
	})
}

// slowLog adds a fixed round trip to every append.
type slowLog struct {
	eventLog
	rtt time.Duration
}

func (l slowLog) append(ctx context.Context, last uint64, data []byte) (uint64, error) {
	time.Sleep(l.rtt)
	return l.eventLog.append(ctx, last, data)
}

func benchmarkProcess(b *testing.B, docs []*schema.Document, workers int, rtt time.Duration) {
	srv := natstest.Server(b)
	ctx := context.Background()
	s, err := New(ctx, connectB(b, srv.ClientURL()), DefaultConfig(), zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if rtt > 0 {
		s.events = slowLog{s.events, rtt}
	}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				d := *docs[i%len(docs)]
				d.ID = fmt.Sprintf("%s-%d", d.ID, i/len(docs))
				start := time.Now()
				if _, err := s.Process(ctx, &d); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(start)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "articles/cpu-s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// readDocs reads JSON lines of documents.
func readDocs(path string) ([]*schema.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var docs []*schema.Document
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		d, err := schema.DecodeDocument(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, len(docs)+1, err)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: no documents", path)
	}
	return docs, nil
}

// newsLike invents reports of events with a vocabulary shaped like news:
// each event has 30 words and 2 persons of its own; a report has a
// 10-word title and a 300-word body, a quarter of the words its event's
// and the rest drawn from 20,000 words by a Zipf law, its event's 2
// persons and 2 of 500 shared places. Reports of an event come an hour
// apart, the events 3 minutes apart.
func newsLike(events, reports int, seed uint64) []*schema.Document {
	r := rand.New(rand.NewPCG(seed, 2))
	z := rand.NewZipf(r, 1.1, 2, 19_999)
	word := func(event int) string {
		if r.IntN(4) == 0 {
			return fmt.Sprintf("ev%dw%d", event, r.IntN(30))
		}
		return fmt.Sprintf("w%d", z.Uint64())
	}
	words := func(event, n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = word(event)
		}
		return strings.Join(ws, " ")
	}
	var docs []*schema.Document
	for e := range events {
		for n := range reports {
			ents := schema.Entities{}
			for k := range 2 {
				ents.Persons = append(ents.Persons, schema.Entity{Name: fmt.Sprintf("Person %d-%d", e, k), ID: fmt.Sprintf("Q%d", 1_000_000+e*2+k), Salience: 0.3})
				g := r.IntN(500)
				ents.Places = append(ents.Places, schema.Place{Entity: schema.Entity{Name: fmt.Sprintf("Place %d", g), ID: fmt.Sprintf("Q%d", g), Salience: 0.1},
					Location: &schema.GeoPoint{Lat: float64(g % 90), Lon: float64(g % 180)}, Country: "GB"})
			}
			docs = append(docs, &schema.Document{
				SchemaVersion: schema.Version, ID: fmt.Sprintf("n%d-r%d", e, n),
				Source: schema.Source{Domain: fmt.Sprintf("outlet%d.example", r.IntN(50))},
				Title:  words(e, 10), Body: words(e, 300), Language: "en", Entities: ents,
				IngestedAt: t0.Add(time.Duration(e)*3*time.Minute + time.Duration(n)*time.Hour),
			})
		}
	}
	slices.SortStableFunc(docs, func(a, b *schema.Document) int { return a.IngestedAt.Compare(b.IngestedAt) })
	return docs
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkStateSize puts invented news-like reports (newsLike: 4,000
// events, each reported once, then five times) through one replica's
// state, as the stage does (offline, so no log: the same cluster.State),
// and reports the heap it holds afterwards per active story and per
// article remembered, with the stream's document-frequency terms and the
// posting lists. The snapshots are taken first, as the stage does every
// second.
func BenchmarkStateSize(b *testing.B) {
	for _, reports := range []int{1, 5} {
		b.Run(fmt.Sprintf("reports=%d", reports), func(b *testing.B) {
			docs := newsLike(4000, reports, 1)
			ctx := context.Background()
			for range b.N {
				before := heapInUse()
				s, err := NewOffline(DefaultConfig(), zap.NewNop())
				if err != nil {
					b.Fatal(err)
				}
				for _, d := range docs {
					if _, err := s.Process(ctx, d); err != nil {
						b.Fatal(err)
					}
				}
				s.TakeSnapshots()
				held := heapInUse() - before
				stories, articles, postings, terms := s.Size()
				b.ReportMetric(float64(stories), "stories")
				b.ReportMetric(float64(terms), "df-terms")
				b.ReportMetric(float64(postings), "postings")
				b.ReportMetric(float64(held)/float64(stories), "heap-B/story")
				b.ReportMetric(float64(held)/float64(articles), "heap-B/article")
				b.ReportMetric(float64(held)/(1<<20), "heap-MiB")
				runtime.KeepAlive(s)
			}
		})
	}
}

// BenchmarkReplay appends invented news-like reports (newsLike: 2,000
// events, 5 reports each) to a story log through a replica, writes a
// state snapshot, then times what a restarted replica spends before it
// takes work (New): replaying the whole log (log: no snapshot in its
// bucket), or loading the snapshot (snapshot). It reports articles
// restored per second and per CPU-second, the snapshot's size, the wall
// time of writing it (copying the state under the state lock, encoding
// and compressing the copy, storing it), of the copy alone (the time
// the stage waits for it) and of encoding and compressing the copy.
func BenchmarkReplay(b *testing.B) {
	srv := natstest.Server(b)
	ctx := context.Background()
	js := connectB(b, srv.ClientURL())
	first, err := New(ctx, js, DefaultConfig(), zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	docs := newsLike(2000, 5, 3)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range stage.DefaultConfig().Consumer.Concurrency {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(docs); i = int(next.Add(1) - 1) {
				if _, err := first.Process(ctx, docs[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	write := time.Now()
	if wrote, err := first.saveState(ctx); err != nil || !wrote {
		b.Fatalf("state snapshot: %v, %v", wrote, err)
	}
	took := time.Since(write)
	size := testutil.ToFloat64(first.stateBytes)
	first.mu.Lock()
	copying := time.Now()
	view, err := first.state.Copy()
	if err != nil {
		b.Fatal(err)
	}
	locked := time.Since(copying)
	first.mu.Unlock()
	encoding := time.Now()
	if err := view.WriteSnapshot(io.Discard); err != nil {
		b.Fatal(err)
	}
	encode := time.Since(encoding)
	first.Close()
	for _, from := range []string{"log", "snapshot"} {
		cfg := DefaultConfig()
		if from == "log" {
			cfg.StateBucket = "STORIES_STATE_EMPTY"
		}
		b.Run(from, func(b *testing.B) {
			start, cpu0 := time.Now(), cpuTime()
			for range b.N {
				s, err := New(ctx, js, cfg, zap.NewNop())
				if err != nil {
					b.Fatal(err)
				}
				if loaded := s.loaded > 0; loaded != (from == "snapshot") {
					b.Fatalf("restart from the %s loaded a snapshot at #%d", from, s.loaded)
				}
				s.Close()
			}
			b.ReportMetric(float64(len(docs)*b.N)/time.Since(start).Seconds(), "articles/s")
			b.ReportMetric(float64(len(docs)*b.N)/(cpuTime()-cpu0).Seconds(), "articles/cpu-s")
			b.ReportMetric(size, "snapshot-B")
			b.ReportMetric(float64(took.Milliseconds()), "snapshot-write-ms")
			b.ReportMetric(float64(locked.Microseconds())/1000, "copy-locked-ms")
			b.ReportMetric(float64(encode.Milliseconds()), "encode-ms")
		})
	}
}
