package kvindex

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// BenchmarkLocalIndex measures the local index alone, as the service
// sizes it (a 128 MiB cache with two 16 MiB memtables), at a window of
// b.N articles: each article is applied, then its candidates are looked
// up, as the stage does once the follower has applied its message. It
// reports the CPU of the whole process (Pebble's flushes and compactions
// included) per article over the last tenth of the run, where the window
// is largest, so runs at two sizes show how the cost grows with the
// window.
// It also reports the process's peak resident memory: the store at that
// window with nothing of the stage beside it, so -test.benchtime=1400000x
// tells whether a 1.4-million-article window fits a replica's memory
// without running the pipeline.
//
// Band keys are text-like: in each band, with probability 1/16 the key
// is a common phrase's, drawn from a Zipf law over 2^17 keys, otherwise
// it is unique. Another article then shares a band key with a given one
// about 5 times per 1,000 articles of the window (from the law), near
// the BBC originals' 3.6 (services/dedupe/README.md, *State*).
func BenchmarkLocalIndex(b *testing.B) {
	x, err := openLocal(filepath.Join(b.TempDir(), "store"), "", "bench@1", 24*time.Hour,
		StoreOptions{CacheBytes: 128 << 20, MemTableBytes: 16 << 20}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer x.close()
	r := rand.New(rand.NewPCG(7, 8))
	common := rand.NewZipf(r, 1.1, 1, 1<<17-1)
	sketches := make([]minhash.Sketch, 64)
	for i := range sketches {
		hs := randomHashes(r, 384, math.MaxUint32)
		sketches[i] = minhash.Sketch{Total: 384, Hashes: hs, Short: [][]uint32{hs[:6:6]}}
	}
	bands := make([]uint64, 48)
	now := time.Now()
	var cpu0 time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i == b.N-b.N/10 {
			cpu0 = processCPU(b)
		}
		for band := range bands {
			if r.IntN(16) == 0 {
				bands[band] = common.Uint64()
			} else {
				bands[band] = r.Uint64()
			}
		}
		id := fmt.Sprintf("%024x", i)
		if err := x.apply(uint64(i+1), now, id, bands, sketches[i%len(sketches)]); err != nil {
			b.Fatal(err)
		}
		if _, _, err := x.candidates(id, bands, 32); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := b.N / 10; n > 0 {
		b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(n), "cpu-us/article-last-tenth")
	}
	if hits, misses := x.warm.hits.Load(), x.warm.misses.Load(); hits+misses > 0 {
		b.ReportMetric(float64(hits)/float64(hits+misses), "warm-sketch-hits/read")
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-rss-mib") // Maxrss is in KiB on Linux
	stalls, stalled := x.writeStalls()
	b.ReportMetric(float64(stalls), "write-stalls")
	b.ReportMetric(stalled.Seconds(), "write-stall-s")
	m := x.db.Metrics()
	total := m.Total()
	b.ReportMetric(total.WriteAmp(), "write-amp")
	b.ReportMetric(float64(m.ReadAmp()), "read-amp")
	b.ReportMetric(float64(total.TableBytesCompacted)/float64(b.N), "compacted-bytes/article")
	b.ReportMetric(float64(total.BlobBytesCompacted)/float64(b.N), "blob-compacted-bytes/article")
}

// processCPU returns the CPU time of this process so far.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTopSharedRanksAsASort: the first limit holders, kept without
// sorting them all, are those of a full sort by bands shared, then
// newest first.
func TestTopSharedRanksAsASort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 40, 3000} {
		shared := map[uint64]int{}
		for len(shared) < n {
			shared[r.Uint64N(1<<20)] = 1 + r.IntN(3)*r.IntN(2) // mostly one band, some two or three
		}
		all := slices.Collect(maps.Keys(shared))
		slices.SortFunc(all, func(a, b uint64) int {
			if shared[a] != shared[b] {
				return shared[b] - shared[a]
			}
			return cmp.Compare(b, a)
		})
		for _, limit := range []int{0, 1, 4, 32, n + 1} {
			want := all[:min(limit, len(all))]
			if got := topShared(shared, limit); !slices.Equal(got, want) {
				t.Errorf("%d holders, limit %d: %v; want %v", n, limit, got, want)
			}
		}
	}
}
