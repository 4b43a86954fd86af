package kvindex

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/services/dedupe/minhash"
)

// randomHashes returns n distinct sorted hashes below bound.
func randomHashes(r *rand.Rand, n int, bound uint32) []uint32 {
	seen := map[uint32]bool{}
	for len(seen) < n {
		seen[r.Uint32N(bound)] = true
	}
	out := make([]uint32, 0, n)
	for h := range seen {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

func TestPackSketchRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	full := randomHashes(r, 1536, math.MaxUint32)
	tests := []struct {
		name string
		sk   minhash.Sketch
	}{
		{"empty", minhash.Sketch{}},
		{"one hash at zero", minhash.Sketch{Total: 1, Hashes: []uint32{0}}},
		{"one hash at the top", minhash.Sketch{Total: 1, Hashes: []uint32{math.MaxUint32}}},
		{"extremes and a repeat", minhash.Sketch{Total: 4, Hashes: []uint32{0, 0, 1, math.MaxUint32}}},
		{"dense", minhash.Sketch{Total: 1000, Hashes: randomHashes(r, 1000, 2000)}},
		{"a gap far above the mean", minhash.Sketch{Total: 101, Hashes: append(randomHashes(r, 100, 1000), math.MaxUint32)}},
		{"300 hashes with short lines", minhash.Sketch{Total: 300, Hashes: randomHashes(r, 300, math.MaxUint32),
			Short: [][]uint32{randomHashes(r, 5, math.MaxUint32), {7}, randomHashes(r, 17, math.MaxUint32)}}},
		{"bottom-k of a long article", minhash.Sketch{Total: 9000, Hashes: full[:1536], Short: [][]uint32{full[:3]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unpackSketch(packSketch(tt.sk))
			if !reflect.DeepEqual(got, tt.sk) {
				t.Errorf("unpack(pack(%v)) = %v", tt.sk, got)
			}
		})
	}
}

// TestPackSketchSize: packed hashes take about log2(2^32/n)+2 bits each,
// a fifth less than the 4 bytes of a []uint32 at news sizes.
func TestPackSketchSize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{100, 300, 1536} {
		sk := minhash.Sketch{Total: n, Hashes: randomHashes(r, n, math.MaxUint32)}
		size := len(packSketch(sk))
		perHash := float64(size) / float64(n)
		// 2 bits above the log of the mean gap, plus 8 bytes of headers.
		if want := (math.Log2(math.MaxUint32/float64(n))+2)/8*float64(n) + 8; float64(size) > want {
			t.Errorf("%d hashes: %d bytes, want at most %.0f", n, size, want)
		}
		if perHash >= 3.5 {
			t.Errorf("%d hashes: %.2f bytes per hash, want under 3.5", n, perHash)
		}
		t.Logf("%d hashes: %.2f bytes per hash packed", n, perHash)
	}
}

// FuzzPackSketch packs sorted hashes built from the input and checks
// they unpack unchanged.
func FuzzPackSketch(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 255, 255, 255, 255}, uint8(1))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		var hs []uint32
		for i := 0; i+4 <= len(data); i += 4 {
			hs = append(hs, uint32(data[i])|uint32(data[i+1])<<8|uint32(data[i+2])<<16|uint32(data[i+3])<<24)
		}
		slices.Sort(hs)
		sk := minhash.Sketch{Total: len(hs) + int(split), Hashes: hs}
		if k := int(split) % (len(hs) + 1); k > 0 {
			sk.Short = [][]uint32{hs[:k], hs[k-1:]}
		}
		if got := unpackSketch(packSketch(sk)); !reflect.DeepEqual(got, sk) {
			t.Fatalf("unpack(pack(%v)) = %v", sk, got)
		}
	})
}

// TestLocalIndexMemoryBounded: the local index keeps articles on disk,
// so the Go heap does not grow with the articles it holds (the in-memory
// index it replaced took ~2.5 KB each, 10 MB for the 4,000 added here;
// Pebble's cache and memtables are allocated outside the Go heap, and
// are bounded by StoreOptions). It also logs the store's bytes per
// article on disk.
func TestLocalIndexMemoryBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	dir := t.TempDir()
	x, err := openLocal(dir, "", "test@1", time.Hour, testStore, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer x.close()
	now := time.Now()
	bands := make([]uint64, 48)
	add := func(from, to int) {
		for i := from; i < to; i++ {
			// News-sized: 384 hashes, two short lines, 48 bands.
			hs := randomHashes(r, 384, math.MaxUint32)
			sk := minhash.Sketch{Total: 384, Hashes: hs, Short: [][]uint32{slices.Clone(hs[:6]), slices.Clone(hs[10:18])}}
			for b := range bands {
				bands[b] = r.Uint64()
			}
			if err := x.apply(uint64(i+1), now, fmt.Sprintf("%024x", i), bands, sk); err != nil {
				t.Fatal(err)
			}
		}
	}
	heap := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	add(0, 1000)
	before := heap()
	const n = 4000
	add(1000, 1000+n)
	after := heap()
	if err := x.db.Flush(); err != nil {
		t.Fatal(err)
	}
	var disk int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				disk += fi.Size()
			}
		}
		return nil
	})
	t.Logf("Go heap %d -> %d KiB over %d articles (%.0f bytes each); store on disk %d bytes per article",
		before>>10, after>>10, n, float64(after-before)/n, disk/(n+1000))
	if grew := after - before; grew > 2<<20 {
		t.Errorf("Go heap grew %d KiB over %d articles, want at most 2 MiB", grew>>10, n)
	}
}
