package cluster

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// The table counts like a map through inserts, increments, deletes and
// growth, with terms crowded onto few homes (their low bits differ, the
// probe starts from the high bits of the product) as well as spread.
func TestDFTableCountsLikeAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var d dfTable
	want := map[uint64]uint32{}
	pool := make([]uint64, 5000)
	for i := range pool {
		pool[i] = r.Uint64()
		if i%3 == 0 {
			pool[i] = uint64(i) // small terms: neighbours after the multiply
		}
	}
	for step := range 60000 {
		t0 := pool[r.IntN(len(pool))]
		switch r.IntN(5) {
		case 0:
			d.set(t0, 0)
			delete(want, t0)
		case 1:
			n := uint32(1 + r.IntN(9))
			d.set(t0, n)
			want[t0] = n
		default:
			d.inc(t0)
			want[t0]++
		}
		if step%5000 == 0 || step == 59999 {
			got := map[uint64]uint32{}
			d.each(func(t uint64, n uint32) { got[t] = n })
			if !reflect.DeepEqual(got, want) || d.len() != len(want) {
				t.Fatalf("step %d: %d terms, want %d (or other counts)", step, d.len(), len(want))
			}
			for _, t0 := range pool[:200] {
				if d.get(t0) != want[t0] {
					t.Fatalf("step %d: get(%x) = %d, want %d", step, t0, d.get(t0), want[t0])
				}
			}
		}
	}
}

// Its layout depends only on its terms and its size: the same terms
// inserted in another order, or some added and deleted again, leave the
// same arrays (which is what lets a rolled-back batch equal a state that
// never saw it).
func TestDFTableLayoutIgnoresHistory(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	terms := make([]uint64, 800)
	for i := range terms {
		terms[i] = r.Uint64() >> 50 // few distinct high bits: long clusters
		if i%2 == 0 {
			terms[i] = uint64(i)
		}
	}
	var a, b dfTable
	for _, t0 := range terms {
		a.inc(t0)
	}
	r.Shuffle(len(terms), func(i, j int) { terms[i], terms[j] = terms[j], terms[i] })
	extra := []uint64{1 << 60, 1 << 40, 1<<20 + 3, 1<<63 + 5} // none of them among terms
	for i, t0 := range terms {
		b.inc(t0)
		if i%100 == 0 {
			b.inc(extra[i/100%len(extra)] + uint64(i))
		}
	}
	for i := range terms {
		if i%100 == 0 {
			b.set(extra[i/100%len(extra)]+uint64(i), 0)
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same terms in another order (and others added and deleted) are laid out differently")
	}
}
