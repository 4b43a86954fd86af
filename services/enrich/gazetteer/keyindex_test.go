package gazetteer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A keyIndex answers as the map of slices it replaced: every key's
// numbers in the order they were added, nothing for another key.
func TestKeyIndexAnswersLikeAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	want := map[string][]int32{}
	var pairs []keyed
	for i := range 5000 {
		k := fmt.Sprintf("k%d", r.IntN(1500))
		pairs = append(pairs, keyed{k, int32(i)})
		want[k] = append(want[k], int32(i))
	}
	x := newKeyIndex(pairs)
	for k, nums := range want {
		if got := x.get(k); !slices.Equal(got, nums) {
			t.Fatalf("get(%q) = %v, want %v", k, got, nums)
		}
	}
	for _, k := range []string{"", "k", "k1500", "l", "k99999"} {
		if got := x.get(k); got != nil {
			t.Errorf("get(%q) = %v, want nothing", k, got)
		}
	}
	if got := (&keyIndex{}).get("k1"); got != nil {
		t.Errorf("an empty index answered %v", got)
	}
}

// The loaded gazetteer's lookups answer as maps over its own surfaces and
// ids would: Lookup through the trie finds every surface and nothing that
// is only a prefix of one, LookupFold every surface of a folded form, and
// HasID every id of its entries and known entries.
func TestLookupsAnswerLikeMaps(t *testing.T) {
	g := load(t)
	bySurface := map[string]int{}
	byFold := map[string][]int{}
	for p := range g.surfaces.len() {
		s := g.surfaces.at(p)
		bySurface[s] = p
		byFold[Fold(s)] = append(byFold[Fold(s)], p)
	}
	for p := range g.surfaces.len() {
		s := g.surfaces.at(p)
		if got := g.Lookup(s); len(got) == 0 || &got[0] != &g.candidates(p)[0] {
			t.Fatalf("Lookup(%q) does not give surface %d's candidates", s, p)
		}
		if q, ok := bySurface[s[:len(s)-1]]; !ok && g.Lookup(s[:len(s)-1]) != nil {
			t.Fatalf("Lookup(%q), a prefix of %q only, found candidates", s[:len(s)-1], s)
		} else if ok && len(g.Lookup(s[:len(s)-1])) != len(g.candidates(q)) {
			t.Fatalf("Lookup(%q) differs from its surface's candidates", s[:len(s)-1])
		}
	}
	if g.Lookup("") != nil || g.Lookup("Paris, Texas, nowhere") != nil {
		t.Error("Lookup found an empty or unknown surface")
	}
	n := 0
	for f, ps := range byFold {
		var want []Candidate
		for _, p := range ps {
			want = append(want, g.candidates(p)...)
		}
		if len(ps) > 1 {
			sortCandidates(want)
		}
		got := g.LookupFold(f)
		if len(got) != len(want) {
			t.Fatalf("LookupFold(%q): %d candidates, want %d", f, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("LookupFold(%q)[%d] = %+v, want %+v", f, i, got[i], want[i])
			}
		}
		if n++; n > 20000 {
			break
		}
	}
	for i := range g.entries {
		if !g.HasID(g.entries[i].ID) {
			t.Fatalf("HasID(%q) = false for entry %d", g.entries[i].ID, i)
		}
	}
	for i := range g.known {
		if !g.HasID(g.known[i].ID) {
			t.Fatalf("HasID(%q) = false for known entry %d", g.known[i].ID, i)
		}
	}
	for _, id := range []string{"", "Q", "Q0", "geonames:", strings.Repeat("Q9", 20)} {
		if g.HasID(id) {
			t.Errorf("HasID(%q) = true", id)
		}
	}
}
