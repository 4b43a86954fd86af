package dedupe

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// TestLoad pushes NEWSFLOW_DEDUPE_LOAD synthetic articles (about one in
// ten a copy of a recent one) through Process on an embedded JetStream
// server storing on disk, with NEWSFLOW_DEDUPE_LOAD_WORKERS concurrent
// callers (default 8), and logs per block of NEWSFLOW_DEDUPE_LOAD_BLOCK
// articles (default 10,000): articles/s, CPU per article, live heap, RSS
// (the embedded server included), candidates per article, and every
// stream's messages, bytes and interior deletes. With
// NEWSFLOW_DEDUPE_LOAD_HEAP=file it writes a heap profile at the end,
// before the server stops. It fails when a block takes more than 1.5
// times the first block's CPU per article, or when fewer than 95 % of the
// copies are found. It is a measurement, run by hand:
//
//	NEWSFLOW_DEDUPE_LOAD=100000 go test -run TestLoad -v -timeout 2h .
func TestLoad(t *testing.T) {
	n := envInt(t, "NEWSFLOW_DEDUPE_LOAD", 0)
	if n == 0 {
		t.Skip("load measurement: set NEWSFLOW_DEDUPE_LOAD=100000 to run it")
	}
	block := envInt(t, "NEWSFLOW_DEDUPE_LOAD_BLOCK", 10000)
	workers := envInt(t, "NEWSFLOW_DEDUPE_LOAD_WORKERS", 8)

	cfg := DefaultConfig()
	e := newEnv(t)
	d := e.deduper(t, cfg)
	gen := newArticleGen(1)
	ctx := context.Background()
	var firstRate, candSum float64
	var firstCPU time.Duration
	var candCount uint64
	var copies, found atomic.Int64
	start := time.Now()
	for lo := 0; lo < n; lo += block {
		hi := min(lo+block, n)
		docs := make([]*schema.Document, 0, hi-lo)
		orig := make([]string, 0, hi-lo) // the id each copy copies, "" for originals
		for range hi - lo {
			doc, of := gen.next(t)
			docs = append(docs, doc)
			orig = append(orig, of)
		}
		seqs := make([]uint64, len(docs))
		for i, doc := range docs {
			seqs[i] = e.publish(t, doc)
		}
		t0, cpu0 := time.Now(), cpuTime(t)
		jobs := make(chan int)
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					info := stage.Info{Stream: inStream, Sequence: seqs[i], Delivered: 1, Subject: inSubject}
					out, err := d.Process(stage.WithMessageInfo(ctx, info), docs[i])
					if err != nil {
						errs <- err
						return
					}
					if orig[i] != "" {
						copies.Add(1)
						if out.DuplicateOf != "" {
							found.Add(1)
						}
					}
				}
			}()
		}
	feed:
		for i := range docs {
			select {
			case jobs <- i:
			case err := <-errs:
				close(jobs)
				wg.Wait()
				t.Fatalf("article %d: %v", lo+i, err)
				break feed
			}
		}
		close(jobs)
		wg.Wait()
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		rate := float64(len(docs)) / time.Since(t0).Seconds()
		if firstRate == 0 {
			firstRate = rate
		}
		// CPU of the whole process (dedupe and the embedded server) per
		// article: unlike articles/s, it does not move with the load that
		// other processes put on the machine.
		cpuPer := (cpuTime(t) - cpu0) / time.Duration(len(docs))
		if firstCPU == 0 {
			firstCPU = cpuPer
		} else if cpuPer > firstCPU*3/2 {
			t.Errorf("block %d-%d: %s CPU per article, more than 1.5x the first block's %s", lo, hi, cpuPer, firstCPU)
		}
		// The live heap: what is retained, not what awaits collection.
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, hwm := procStatus(t, "VmRSS"), procStatus(t, "VmHWM")
		writes, conflicts := d.KVStats()
		arts := d.ix.LocalSize()
		var hm dto.Metric
		if err := d.candidates.Write(&hm); err != nil {
			t.Fatal(err)
		}
		h := hm.GetHistogram()
		meanCands := (h.GetSampleSum() - candSum) / float64(h.GetSampleCount()-candCount)
		candSum, candCount = h.GetSampleSum(), h.GetSampleCount()
		t.Logf("block %6d-%6d: %7.1f articles/s (%.2fx first)  cpu %4dµs/article  live heap %4d MiB  rss %4d MiB (peak %4d)  goroutines %d  kv writes %d conflicts %d reads %d  local index %d articles  candidates %.1f/article  copies found %d/%d  elapsed %s",
			lo, hi, rate, rate/firstRate, cpuPer.Microseconds(), ms.HeapInuse>>20, rss>>10, hwm>>10, runtime.NumGoroutine(), writes, conflicts, d.ix.Reads(), arts, meanCands, found.Load(), copies.Load(), time.Since(start).Round(time.Second))
		for s := range streamInfos(t, e.js) {
			t.Logf("    stream %-24s msgs %8d  bytes %5d MiB  deleted %8d", s.Config.Name, s.State.Msgs, s.State.Bytes>>20, s.State.NumDeleted)
		}
	}
	if path := os.Getenv("NEWSFLOW_DEDUPE_LOAD_HEAP"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
	}
	if c, f := copies.Load(), found.Load(); c > 0 && float64(f) < 0.95*float64(c) {
		t.Errorf("copies found %d of %d, want at least 95 %%", f, c)
	}
}

// streamInfos lists every stream's info.
func streamInfos(t testing.TB, js jetstream.JetStream) func(func(*jetstream.StreamInfo) bool) {
	return func(yield func(*jetstream.StreamInfo) bool) {
		l := js.ListStreams(context.Background())
		for s := range l.Info() {
			if !yield(s) {
				return
			}
		}
		if err := l.Err(); err != nil {
			t.Errorf("list streams: %v", err)
		}
	}
}

func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// procStatus returns a /proc/self/status field in KiB (0 off Linux).
func procStatus(t testing.TB, field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// articleGen makes distinct synthetic articles from a Zipf-distributed
// vocabulary of made-up words, so that frequent phrases recur across
// articles as in real news, and, one in ten, a copy of one of the last
// thousand articles: the whole text under a new headline with a
// furniture line, or its first 40 %.
type articleGen struct {
	r      *rand.Rand
	zipf   *rand.Zipf
	vocab  []string
	recent []*schema.Document
	n      int
}

func newArticleGen(seed uint64) *articleGen {
	r := rand.New(rand.NewPCG(seed, seed))
	g := &articleGen{r: r, zipf: rand.NewZipf(r, 1.07, 2, 19999)}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	for range 20000 {
		w := make([]byte, 2+r.IntN(8))
		for i := range w {
			w[i] = letters[r.IntN(len(letters))]
		}
		g.vocab = append(g.vocab, string(w))
	}
	return g
}

// next returns an article and, for a copy, the id of its original.
func (g *articleGen) next(t testing.TB) (*schema.Document, string) {
	g.n++
	name := fmt.Sprint("load/", g.n)
	if len(g.recent) > 0 && g.n%10 == 0 {
		o := g.recent[g.r.IntN(len(g.recent))]
		text := "Syndicated headline\n\n" + o.Body + "\n\nSign up for our newsletter to get the best stories every day"
		if g.r.IntN(2) == 0 {
			paras := strings.Split(o.Body, "\n\n")
			text = "Excerpt headline\n\n" + strings.Join(paras[:max(1, len(paras)*2/5)], "\n\n")
		}
		return newDoc(t, name, text), o.ID
	}
	var sb strings.Builder
	sb.WriteString("Headline ")
	sb.WriteString(strconv.Itoa(g.n))
	sb.WriteString("\n")
	for range 5 + g.r.IntN(6) {
		sb.WriteString("\n")
		for range 30 + g.r.IntN(40) {
			sb.WriteString(g.vocab[g.zipf.Uint64()])
			sb.WriteByte(' ')
		}
		sb.WriteString("\n")
	}
	doc := newDoc(t, name, sb.String())
	if len(g.recent) < 1000 {
		g.recent = append(g.recent, doc)
	} else {
		g.recent[g.r.IntN(len(g.recent))] = doc
	}
	return doc, ""
}
