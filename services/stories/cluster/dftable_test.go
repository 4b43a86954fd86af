package cluster

import (
	"fmt"
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

// streamOf applies n articles to a new state with MaxTerms bound, the
// body terms of article i given by terms(i), and reports the table's
// size after each article.
func streamOf(t *testing.T, bound, n int, terms func(i int) []uint64) (*State, []int) {
	t.Helper()
	p := DefaultParams()
	p.MaxTerms = bound
	s, err := NewState(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	sizes := make([]int, n)
	for i := range n {
		a := &Article{ID: fmt.Sprintf("a%d", i), Time: int64(i) * 60_000}
		for _, term := range terms(i) {
			a.Bodies = append(a.Bodies, TermCount{Term: spread(term), Count: 1})
		}
		if _, err := s.Apply(uint64(i+1), s.Decide(a)); err != nil {
			t.Fatal(err)
		}
		_, _, _, sizes[i] = s.Size()
	}
	return s, sizes
}

// spread makes small numbers terms whose bits vary as hashes' do.
func spread(k uint64) uint64 { return k * 0x9E3779B97F4A7C15 }

// A long stream's terms seen twice or more outgrow the bound (the table
// is never aged). Dropping only the terms seen once then left the table
// just under its bound, and every later article scanned the whole table
// to prune it again; the pruning now leaves a quarter of the bound free.
func TestPruningLeavesRoomWhenFewTermsAreSeenOnce(t *testing.T) {
	const bound, n = 1000, 3000
	// Each term is in ten articles in a row: one new term an article.
	_, sizes := streamOf(t, bound, n, func(i int) []uint64 {
		out := make([]uint64, 10)
		for j := range out {
			out[j] = uint64(i + j + 1)
		}
		return out
	})
	prunes := 0
	for i := 1; i < n; i++ {
		if sizes[i] < sizes[i-1] {
			prunes++
			if sizes[i] > bound/4*3 {
				t.Fatalf("article %d: pruned to %d terms, want at most %d", i, sizes[i], bound/4*3)
			}
		}
		if sizes[i] > bound {
			t.Fatalf("article %d: %d terms, over the bound %d", i, sizes[i], bound)
		}
	}
	if prunes == 0 || prunes > n/200 {
		t.Fatalf("%d prunings over %d articles of one new term each; want 1 to %d", prunes, n, n/200)
	}
}

// A stream whose terms seen once are many (most words of news are rare)
// loses only those at a pruning: every term seen twice keeps its count.
func TestPruningDropsOnlyTermsSeenOnceWhenTheyAreMany(t *testing.T) {
	const bound, n = 1000, 300
	// Ten terms of a shared pool of 20, ten new ones, and the first new
	// one of the article before, which is thus seen twice.
	s, sizes := streamOf(t, bound, n, func(i int) []uint64 {
		out := make([]uint64, 0, 21)
		for j := range 10 {
			out = append(out, uint64(1+(i+j)%20))
		}
		for j := range 10 {
			out = append(out, uint64(1000+10*i+j))
		}
		if i > 0 {
			out = append(out, uint64(1000+10*(i-1)))
		}
		return out
	})
	pruned := false
	for i := 1; i < n; i++ {
		pruned = pruned || sizes[i] < sizes[i-1]
	}
	if !pruned {
		t.Fatal("the table was never pruned")
	}
	for term := uint64(1); term <= 20; term++ {
		if got := s.df.get(spread(term)); got < 100 {
			t.Errorf("pool term %d: seen in %d articles after the prunings, want at least 100 (it is in half of %d)", term, got, n)
		}
	}
	for _, i := range []int{0, 5, n / 2} {
		if got := s.df.get(spread(uint64(1000 + 10*i))); got != 2 {
			t.Errorf("the first new term of article %d, seen twice: counts %d after the prunings, want 2", i, got)
		}
	}
	if newest := s.df.get(spread(uint64(1000 + 10*(n-1)))); newest != 1 {
		t.Errorf("the last article's own term counts %d, want 1", newest)
	}
}
