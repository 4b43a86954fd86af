package gazetteer

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// longestAt is the matcher's definition written plainly: the longest
// surface that starts at text[i].
func longestAt(surfaces []string, text string, i int) (end, pattern int, ok bool) {
	for p, s := range surfaces {
		if strings.HasPrefix(text[i:], s) && (!ok || i+len(s) > end) {
			end, pattern, ok = i+len(s), p, true
		}
	}
	return end, pattern, ok
}

type found struct{ start, end, pattern int }

func TestMatcherFindsTheLongestSurfaceAtEachByte(t *testing.T) {
	// Few letters, so surfaces share prefixes, nest and overlap; some
	// nodes get more than eight children, so child's binary search runs.
	const letters = "abcdefghijklmnopqrstuvwxyz AB"
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		b := make([]byte, 1+rng.IntN(max))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	for round := range 50 {
		seen := map[string]bool{}
		var surfaces []string
		for range 1 + rng.IntN(300) {
			if s := word(6); !seen[s] {
				seen[s] = true
				surfaces = append(surfaces, s)
			}
		}
		m := newMatcher(surfaces)
		// The node count newMatcher sizes its arrays by is exact.
		if len(m.label) != cap(m.label) || len(m.first) != cap(m.first) || len(m.pattern) != cap(m.pattern) {
			t.Fatalf("round %d: %d nodes in arrays of %d, %d and %d", round, len(m.label), cap(m.label), cap(m.first), cap(m.pattern))
		}
		for range 20 {
			text := word(200)
			var got, want []found
			eachMatch(m, text, func(s, e, p int) { got = append(got, found{s, e, p}) })
			for i := range len(text) {
				if e, p, ok := longestAt(surfaces, text, i); ok {
					want = append(want, found{i, e, p})
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: surfaces %q, text %q:\nmatches %v\nwant    %v", round, surfaces, text, got, want)
			}
		}
	}
}

func TestMatcherMultiByteAndEdges(t *testing.T) {
	surfaces := []string{"Kyiv", "Київ", "New York", "York", "Y", "Zürich", "ü"}
	m := newMatcher(surfaces)
	text := "Київ, New York, Zürich, Y"
	var got []string
	eachMatch(m, text, func(s, e, p int) {
		if text[s:e] != surfaces[p] {
			t.Errorf("match %d-%d is %q, reported as surface %q", s, e, text[s:e], surfaces[p])
		}
		got = append(got, text[s:e])
	})
	want := []string{"Київ", "New York", "York", "Zürich", "ü", "Y"}
	if !slices.Equal(got, want) {
		t.Errorf("matches %q, want %q", got, want)
	}
	eachMatch(newMatcher(nil), text, func(s, e, p int) { t.Errorf("an empty matcher matched %q", text[s:e]) })
}

// TestLoadedGazetteerHeap holds the gazetteer's heap to what its tables
// need: with the Aho-Corasick automaton it replaced, whose pointer states
// took 33 MiB, it was 63 MiB; with the trie (3 MiB) 32 MiB; then 20 MiB,
// its folded names in sorted arrays (keyIndex) instead of maps of slices,
// Lookup through the trie, ids sorted for HasID, and Entry 72 bytes; now
// 15 MiB, its strings packed (strtab, packEntries), so that no entry's
// name keeps its whole data row alive.
func TestLoadedGazetteerHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(g)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("a loaded gazetteer holds %.1f MiB of heap", float64(grew)/(1<<20))
	const limit = 18 << 20
	if grew > limit {
		t.Errorf("a loaded gazetteer holds %.1f MiB of heap, want at most %d MiB", float64(grew)/(1<<20), limit>>20)
	}
	if nodes := len(g.match.label); nodes > 400_000 {
		t.Errorf("the trie has %d nodes, want at most 400,000 (one per distinct prefix of the 68,000 surfaces)", nodes)
	}
}

// eachMatch calls f with the longest surface that starts at each byte of
// text, left to right.
func eachMatch(m *matcher, text string, f func(start, end, pattern int)) {
	for i := range len(text) {
		if end, p, ok := m.longest(text, i); ok {
			f(i, end, p)
		}
	}
}
