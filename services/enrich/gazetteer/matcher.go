package gazetteer

import (
	"slices"
	"strings"
)

// matcher finds surface forms in a text: at the leftmost position where
// any surface starts, the longest one starting there, then on from its
// end, so matches never overlap (an Aho-Corasick automaton's
// leftmost-longest kind reports the same matches).
//
// It is a byte trie in breadth-first order held in three flat arrays, a
// node per distinct prefix of the surfaces: about nine bytes a node, 4 MiB
// for the 68,000 surfaces, where a pointer automaton with failure links
// took 33 MiB. Without failure links a match is tried from every place it
// may start (Gazetteer.Find: every word's start), but almost every try
// ends at the first or second byte.
type matcher struct {
	// root is the child of the root for each byte, 0 for none (the root,
	// node 0, is nobody's child).
	root [256]int32
	// label is the byte on the edge into a node.
	label []byte
	// first is a node's first child: the children of node n are the
	// nodes first[n] to first[n+1]-1, in increasing label order.
	first []int32
	// pattern is the index of the surface that ends at a node plus one,
	// or 0 when none does.
	pattern []int32
}

// newMatcher builds the trie of surfaces, which must be distinct and not
// empty; a match reports a surface by its index in surfaces.
func newMatcher(surfaces []string) *matcher {
	order := make([]int32, len(surfaces))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(surfaces[a], surfaces[b]) })

	// The trie has a node per distinct prefix: the root, and for each
	// surface in sorted order the bytes beyond its common prefix with the
	// one before. The arrays are made that size at once.
	nodes := 1
	for k, i := range order {
		lcp := 0
		if k > 0 {
			prev, s := surfaces[order[k-1]], surfaces[i]
			for lcp < len(prev) && lcp < len(s) && prev[lcp] == s[lcp] {
				lcp++
			}
		}
		nodes += len(surfaces[i]) - lcp
	}

	// A node stands for the sorted surfaces order[lo:hi], which share its
	// prefix of length depth; nodes are numbered in the order they are
	// queued, so each node's children are numbered consecutively.
	type span struct{ lo, hi, depth int32 }
	queue := make([]span, 1, nodes)
	queue[0] = span{0, int32(len(order)), 0}
	m := &matcher{label: make([]byte, 1, nodes), first: make([]int32, 0, nodes+1), pattern: make([]int32, 1, nodes)}
	for n := 0; n < len(queue); n++ {
		s := queue[n]
		m.first = append(m.first, int32(len(queue)))
		lo := s.lo
		if lo < s.hi && len(surfaces[order[lo]]) == int(s.depth) {
			m.pattern[n] = order[lo] + 1 // the shortest sorts first
			lo++
		}
		for lo < s.hi {
			c := surfaces[order[lo]][s.depth]
			hi := lo + 1
			for hi < s.hi && surfaces[order[hi]][s.depth] == c {
				hi++
			}
			queue = append(queue, span{lo, hi, s.depth + 1})
			m.label = append(m.label, c)
			m.pattern = append(m.pattern, 0)
			lo = hi
		}
	}
	m.first = append(m.first, int32(len(queue)))
	for c := m.first[0]; c < m.first[1]; c++ {
		m.root[m.label[c]] = c
	}
	return m
}

// child returns the child of node n on byte b, or 0.
func (m *matcher) child(n int32, b byte) int32 {
	lo, end := m.first[n], m.first[n+1]
	// Every label before lo is below b; at hi and after, none is.
	for hi := end; hi-lo > 8; {
		mid := int32(uint32(lo+hi) >> 1)
		if m.label[mid] < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for ; lo < end && m.label[lo] <= b; lo++ {
		if m.label[lo] == b {
			return lo
		}
	}
	return 0
}

// longest returns the end and index of the longest surface that starts
// at text[i], or ok false.
func (m *matcher) longest(text string, i int) (end, pattern int, ok bool) {
	n := m.root[text[i]]
	for k := i + 1; n != 0; k++ {
		if p := m.pattern[n]; p != 0 {
			end, pattern, ok = k, int(p-1), true
		}
		if k == len(text) {
			break
		}
		n = m.child(n, text[k])
	}
	return end, pattern, ok
}

// exact returns the index of surface s, or ok false.
func (m *matcher) exact(s string) (pattern int, ok bool) {
	if s == "" {
		return 0, false
	}
	n := m.root[s[0]]
	for k := 1; k < len(s) && n != 0; k++ {
		n = m.child(n, s[k])
	}
	if n == 0 || m.pattern[n] == 0 {
		return 0, false
	}
	return int(m.pattern[n] - 1), true
}
