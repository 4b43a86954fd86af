package cluster

import (
	"cmp"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

func randomVec(rng *rand.Rand, n int) vec {
	seen := map[uint64]bool{}
	var v vec
	for len(v) < n {
		t := uint64(rng.IntN(400))
		if !seen[t] {
			seen[t] = true
			v = append(v, weighted{t, rng.Float64()})
		}
	}
	slices.SortFunc(v, func(a, b weighted) int { return cmp.Compare(a.term, b.term) })
	return v
}

// The sorted centroid holds what a map of term weights would: every sum
// and merge, the same weights and the same squared length.
func TestCentroidSumsLikeAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var a, b centroid
		ma, mb := map[uint64]float64{}, map[uint64]float64{}
		for range 1 + rng.IntN(6) {
			v := randomVec(rng, 1+rng.IntN(120))
			a.add(v, 1000)
			for _, x := range v {
				ma[x.term] += x.w
			}
			u := randomVec(rng, 1+rng.IntN(120))
			b.add(u, 1000)
			for _, x := range u {
				mb[x.term] += x.w
			}
		}
		a.merge(&b, 1000)
		for k, w := range mb {
			ma[k] += w
		}
		if len(a.w) != len(ma) {
			t.Fatalf("round %d: %d terms, want %d", round, len(a.w), len(ma))
		}
		if !slices.IsSortedFunc(a.w, func(x, y weighted) int { return cmp.Compare(x.term, y.term) }) {
			t.Fatalf("round %d: centroid not sorted by term", round)
		}
		norm := 0.0
		for _, x := range a.w {
			if x.w != ma[x.term] || a.weight(x.term) != x.w {
				t.Fatalf("round %d: term %d weighs %v, want %v", round, x.term, x.w, ma[x.term])
			}
			norm += x.w * x.w
		}
		if a.norm != norm {
			t.Fatalf("round %d: squared length %v, want %v", round, a.norm, norm)
		}
		if a.weight(1000) != 0 {
			t.Fatalf("round %d: a term never added weighs %v", round, a.weight(1000))
		}
	}
}

// A pruned centroid keeps the limit heaviest terms, still sorted by term.
func TestCentroidPruneKeepsTheHeaviest(t *testing.T) {
	var c centroid
	c.add(vec{{1, 0.1}, {2, 0.5}, {3, 0.2}, {4, 0.9}, {5, 0.3}}, 2)
	want := vec{{2, 0.5}, {4, 0.9}}
	if !slices.Equal(c.w, want) || c.norm != 0.5*0.5+0.9*0.9 {
		t.Errorf("pruned to %v (norm %v), want %v", c.w, c.norm, want)
	}
}

// A story's centroid holds 16 bytes a term (18 with the allocator's size
// classes): a map of term weights took 24.
func TestCentroidMemory(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vs := make([]vec, 1000)
	for i := range vs {
		vs[i] = randomVec(rng, 100)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cs := make([]centroid, len(vs))
	for i, v := range vs {
		cs[i].add(v, 300)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(cs)
	runtime.KeepAlive(vs)
	perTerm := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1000 * 100)
	if perTerm > 20 {
		t.Errorf("centroids hold %.1f bytes a term, want at most 20", perTerm)
	}
}

// weight returns the centroid's weight of term t, 0 if it has none.
func (c *centroid) weight(t uint64) float64 {
	if i, ok := slices.BinarySearchFunc(c.w, t, func(x weighted, t uint64) int { return cmp.Compare(x.term, t) }); ok {
		return c.w[i].w
	}
	return 0
}

// dot, which skips ahead through the centroid, gives bit for bit the sum
// of v's weights times the centroid's weight of each term, looked up one
// by one in v's order: for titles and bodies against small and large
// centroids, and for a v out of order.
func TestDotIsTheSumOfLookups(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	term := func() uint64 { return uint64(rng.IntN(3000)) }
	sortedVec := func(n int) vec {
		seen := map[uint64]bool{}
		var v vec
		for range n {
			if t := term(); !seen[t] {
				seen[t] = true
				v = append(v, weighted{t, rng.Float64()})
			}
		}
		slices.SortFunc(v, func(a, b weighted) int { return cmp.Compare(a.term, b.term) })
		return v
	}
	for round := range 2000 {
		c := centroid{w: sortedVec([]int{0, 1, 10, 300, 700}[round%5])}
		v := sortedVec([]int{0, 1, 10, 100, 150}[round/5%5])
		if round%3 == 0 {
			rng.Shuffle(len(v), func(i, j int) { v[i], v[j] = v[j], v[i] })
		}
		want := 0.0
		for _, x := range v {
			want += x.w * c.weight(x.term)
		}
		if got := c.dot(v); got != want {
			t.Fatalf("round %d: dot of %d terms with a centroid of %d = %v, want %v", round, len(v), len(c.w), got, want)
		}
	}
}

// TestSelectFirstKeepsTheFirstInOrder: the quickselect that keeps the
// best candidates finds the same stories, in the same order once sorted,
// as sorting every hit and keeping the first k, ties in weight included
// (to the older story); and the one that keeps an article's heaviest
// terms the same terms, duplicates included.
func TestSelectFirstKeepsTheFirstInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 3000 {
		n := rng.IntN(300)
		hs := make([]hit, n)
		for i := range hs {
			// few distinct weights, so that many tie
			hs[i] = hit{st: &story{created: uint64(rng.Int64())}, w: float64(rng.IntN(1 + round%20))}
		}
		want := slices.Clone(hs)
		slices.SortFunc(want, compareHits)
		k := min(n, []int{1, 2, 10, 64, 500}[round%5])
		selectFirst(hs, k, compareHits)
		got := hs[:k]
		slices.SortFunc(got, compareHits)
		if !slices.Equal(got, want[:k]) {
			t.Fatalf("round %d: the best %d of %d hits differ from the first %d sorted", round, k, n, k)
		}
		// terms: few distinct weights and terms, so that whole entries repeat
		v := make(vec, n)
		for i := range v {
			v[i] = weighted{uint64(rng.IntN(1 + round%50)), float64(rng.IntN(1 + round%7))}
		}
		wantV := slices.Clone(v)
		slices.SortFunc(wantV, heavierFirst)
		selectFirst(v, k, heavierFirst)
		gotV := v[:k]
		slices.SortFunc(gotV, heavierFirst)
		if !slices.Equal(gotV, wantV[:k]) {
			t.Fatalf("round %d: the heaviest %d of %d terms differ from the first %d sorted", round, k, n, k)
		}
	}
}
