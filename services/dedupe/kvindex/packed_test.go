package kvindex

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

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

// TestIndexBytesPerArticle measures the heap the local index takes per
// article for news-sized sketches (384 hashes, two short lines, 48
// bands) and fails above 2,700 bytes (with unpacked sketches: 2,935).
func TestIndexBytesPerArticle(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates ~60 MB")
	}
	const n = 20000
	r := rand.New(rand.NewPCG(5, 6))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := newBandIndex(0, nil)
	now := time.Now()
	bands := make([]uint64, 48)
	for i := range n {
		// As the band log follower does: a sketch decoded per message.
		hs := randomHashes(r, 384, math.MaxUint32)
		sk := minhash.Sketch{Total: 384, Hashes: hs, Short: [][]uint32{slices.Clone(hs[:6]), slices.Clone(hs[10:18])}}
		for b := range bands {
			bands[b] = r.Uint64()
		}
		x.apply(uint64(i+1), now, time.Hour, fmt.Sprintf("%024x", i), bands, sk)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perArticle := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes per article in the local index", perArticle)
	if perArticle > 2700 {
		t.Errorf("%.0f bytes per article, want at most 2,700", perArticle)
	}
	runtime.KeepAlive(x)
}
