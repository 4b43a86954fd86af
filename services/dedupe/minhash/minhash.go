// Package minhash turns article text into the fingerprints dedupe compares:
// normalised word shingles, MinHash signatures cut into LSH bands for
// finding candidates, and a bounded bottom-k sketch of shingle hashes for
// verifying them by containment.
//
// The model. Text is split into lines; a line with fewer than
// Params.MinLineTokens tokens (headlines, bylines, site furniture) is
// dropped, because boilerplate shared across a site's pages otherwise makes
// unrelated pages look alike (optionally, so are the lines with fewer than
// Params.EdgeLineTokens at the start and the end of what is left). The
// tokens of the kept lines form one stream
// (so re-flowed paragraphs still match) and every run of Params.Shingle
// consecutive tokens is a shingle, hashed to 32 bits.
//
// Tokens are normalised so that a copy that went through a bad re-encoding
// ("Çavu?o?lu", "?30m" for "£30m") still shares its shingles with the
// original: in text written mostly in ASCII letters, every non-ASCII
// character and '?' acts as the same separator class, exactly as
// punctuation does, and ASCII letters are lower-cased. Folding accents
// instead would lose the match, since the copy no longer has the letter.
// Text written mostly in other scripts keeps its letters (a '?' copy of it
// cannot be matched by any method), and Han, Hiragana and Katakana
// characters are one token each.
//
// A syndicated excerpt holds 20-40 % of its original, so its Jaccard
// similarity is low (about 0.2-0.4) while its containment is high. The
// index therefore uses many short bands (Params.Rows rows each), which
// find pairs down to Jaccard ≈ 0.1 with high probability, and decides by
// containment estimated from Sketch, which keeps every shingle hash of an
// article up to Params.SketchSize and the bottom-k hashes beyond that.
// Comparing a full shingle set with a bottom-k sketch below the sketch's
// largest hash is exact on that slice of hash space, so the estimate is
// unbiased and exact for articles under the cap.
package minhash

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Params are the fingerprinting parameters. Every replica and every
// article in one index must use the same values.
type Params struct {
	// Shingle is the number of words per shingle.
	Shingle int
	// MinLineTokens drops lines with fewer tokens before shingling.
	MinLineTokens int
	// EdgeLineTokens also drops lines with fewer tokens at the start and
	// end of the text (after short lines are gone): a copy's new headline
	// and appended site furniture sit there. 0 disables it, the default:
	// at 20 it lifted the median excerpt containment from 0.90 to 1.0 but
	// lowered the worst ones, whose copies re-flow a short first paragraph
	// of the original into a longer line.
	EdgeLineTokens int
	// ShortLineTokens marks kept lines with fewer tokens as possible
	// furniture: a short line that shares no shingle with the article it
	// is compared with is left out of that comparison (see
	// CompareSketches). 0 disables it.
	ShortLineTokens int
	// Hashes is the MinHash signature length.
	Hashes int
	// Rows is the number of signature values per LSH band; Hashes/Rows
	// bands.
	Rows int
	// SketchSize caps the shingle hashes kept per article.
	SketchSize int
}

// DefaultParams are the measured defaults (see the module README).
var DefaultParams = Params{Shingle: 4, MinLineTokens: 8, EdgeLineTokens: 0, ShortLineTokens: 20, Hashes: 48, Rows: 1, SketchSize: 1536}

// ErrParams means Params are out of range.
var ErrParams = errors.New("invalid minhash parameters")

// Validate reports parameters that cannot work.
func (p Params) Validate() error {
	switch {
	case p.Shingle < 1 || p.Shingle > 16:
		return fmt.Errorf("%w: shingle %d words, want 1-16", ErrParams, p.Shingle)
	case p.MinLineTokens < 0 || p.EdgeLineTokens < 0 || p.ShortLineTokens < 0:
		return fmt.Errorf("%w: line token limits %d, %d and %d must not be negative", ErrParams, p.MinLineTokens, p.EdgeLineTokens, p.ShortLineTokens)
	case p.Hashes < 1 || p.Hashes > 1024:
		return fmt.Errorf("%w: %d hashes, want 1-1024", ErrParams, p.Hashes)
	case p.Rows < 1 || p.Hashes%p.Rows != 0:
		return fmt.Errorf("%w: %d rows per band must divide %d hashes", ErrParams, p.Rows, p.Hashes)
	case p.SketchSize < 16:
		return fmt.Errorf("%w: sketch size %d, want at least 16", ErrParams, p.SketchSize)
	}
	return nil
}

// Bands returns the number of LSH bands.
func (p Params) Bands() int { return p.Hashes / p.Rows }

// Tokens returns the normalised tokens of text, line by line, with lines
// under minLineTokens dropped, and then lines under edgeLineTokens dropped
// from the start and the end.
func Tokens(text string, minLineTokens, edgeLineTokens int) []string {
	var out []string
	for _, l := range keptLines(text, minLineTokens, edgeLineTokens, func(b []byte) string { return string(b) }) {
		out = append(out, l...)
	}
	return out
}

// keptLines is Tokens line by line, each token made by token from its
// normalised bytes (which token must not keep).
func keptLines[T any](text string, minLineTokens, edgeLineTokens int, token func([]byte) T) [][]T {
	lines := lineTokens(text, minLineTokens, token)
	for len(lines) > 0 && len(lines[0]) < edgeLineTokens {
		lines = lines[1:]
	}
	for len(lines) > 0 && len(lines[len(lines)-1]) < edgeLineTokens {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineTokens returns the tokens of each line with at least min of them,
// each made by token from its normalised bytes.
func lineTokens[T any](text string, min int, token func([]byte) T) [][]T {
	unicodeMode := mostlyNonASCII(text)
	var out [][]T
	var line []T
	flush := func() {
		if len(line) >= min && len(line) > 0 {
			out = append(out, line)
		}
		line = nil
	}
	var word []byte
	endWord := func() {
		if len(word) > 0 {
			line = append(line, token(word))
			word = word[:0]
		}
	}
	for _, r := range text {
		switch {
		case r == '\n':
			endWord()
			flush()
		case r < utf8.RuneSelf:
			if r >= 'A' && r <= 'Z' {
				word = append(word, byte(r+'a'-'A'))
			} else if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
				word = append(word, byte(r))
			} else {
				endWord()
			}
		case !unicodeMode:
			endWord() // the shared class of non-ASCII characters and '?'
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			endWord()
			word = utf8.AppendRune(word, r)
			endWord()
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			word = utf8.AppendRune(word, unicode.ToLower(r))
		default:
			endWord()
		}
	}
	endWord()
	flush()
	return out
}

// mostlyNonASCII reports whether most letters of text are outside ASCII.
func mostlyNonASCII(text string) bool {
	ascii, other := 0, 0
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if (r|0x20) >= 'a' && (r|0x20) <= 'z' {
				ascii++
			}
		case unicode.IsLetter(r):
			other++
		}
	}
	return other > ascii
}

// Fingerprint is what an article is compared by.
type Fingerprint struct {
	// Shingles are the sorted, distinct 32-bit hashes of its shingles.
	Shingles []uint32
	// Short holds, per kept line under Params.ShortLineTokens tokens in
	// the runs of such lines at the start and at the end of the text, the
	// sorted hashes of the shingles that start in it.
	Short [][]uint32
}

// Shingles returns the sorted, distinct 32-bit hashes of the text's
// shingles under p. Text shorter than one shingle gives none.
func Shingles(text string, p Params) []uint32 { return Analyze(text, p).Shingles }

// Analyze returns the fingerprint of text under p.
func Analyze(text string, p Params) Fingerprint {
	lines := keptLines(text, p.MinLineTokens, p.EdgeLineTokens, fnv64)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	th := make([]uint64, 0, n)
	lineOf := make([]int, 0, n)
	for i, l := range lines {
		th = append(th, l...)
		for range l {
			lineOf = append(lineOf, i)
		}
	}
	if len(th) < p.Shingle {
		return Fingerprint{}
	}
	// Only the runs of short lines at the start and the end, where a
	// copy's headline and a site's furniture sit, are candidates.
	edge := make([]bool, len(lines))
	for i := 0; i < len(lines) && len(lines[i]) < p.ShortLineTokens; i++ {
		edge[i] = true
	}
	for i := len(lines) - 1; i >= 0 && len(lines[i]) < p.ShortLineTokens; i-- {
		edge[i] = true
	}
	if !slices.Contains(edge, false) {
		// Nothing but short lines: a list, say. It is all core.
		clear(edge)
	}
	var f Fingerprint
	f.Shingles = make([]uint32, 0, len(th)-p.Shingle+1)
	short := map[int]int{} // line -> index in f.Short
	for i := 0; i+p.Shingle <= len(th); i++ {
		h := uint64(0x9e3779b97f4a7c15)
		for _, x := range th[i : i+p.Shingle] {
			h = mix64(h ^ x)
		}
		v := uint32(h >> 32)
		f.Shingles = append(f.Shingles, v)
		if l := lineOf[i]; edge[l] {
			k, ok := short[l]
			if !ok {
				k = len(f.Short)
				short[l] = k
				f.Short = append(f.Short, nil)
			}
			f.Short[k] = append(f.Short[k], v)
		}
	}
	slices.Sort(f.Shingles)
	f.Shingles = slices.Compact(f.Shingles)
	for i := range f.Short {
		slices.Sort(f.Short[i])
		f.Short[i] = slices.Compact(f.Short[i])
	}
	return f
}

// fnv64 is a token's hash (FNV-1a of its bytes).
func fnv64(s []byte) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is the splitmix64 finaliser: a fast bijective mixer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Signature returns the MinHash signature of a shingle set: for each of
// p.Hashes hash functions, the minimum over the set. An empty set has no
// signature.
func Signature(shingles []uint32, p Params) []uint64 {
	if len(shingles) == 0 {
		return nil
	}
	sig := make([]uint64, p.Hashes)
	for i := range sig {
		sig[i] = math.MaxUint64
	}
	for _, s := range shingles {
		x := uint64(s)
		for i := range sig {
			v := mix64(x ^ seeds[i%len(seeds)] ^ uint64(i)*0x9e3779b97f4a7c15)
			if v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

var seeds = [...]uint64{
	0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89,
	0x452821e638d01377, 0xbe5466cf34e90c6c, 0xc0ac29b7c97c50dd, 0x3f84d5b5b5470917,
}

// BandKeys returns one 64-bit key per LSH band of sig: two articles share
// a band key when they agree on all of that band's rows. The band index is
// part of the key, so equal values in different bands do not collide.
func BandKeys(sig []uint64, p Params) []uint64 {
	if len(sig) == 0 {
		return nil
	}
	keys := make([]uint64, 0, len(sig)/p.Rows)
	for b := 0; b+p.Rows <= len(sig); b += p.Rows {
		h := mix64(uint64(b/p.Rows) + 0x632be59bd9b4e019)
		for _, v := range sig[b : b+p.Rows] {
			h = mix64(h ^ v)
		}
		keys = append(keys, h)
	}
	return keys
}

// Core returns the shingles outside the short edge lines: what candidate
// search should use, so that a site's furniture, shared by all its pages,
// does not make them each other's candidates.
func (f Fingerprint) Core() []uint32 {
	if len(f.Short) == 0 {
		return f.Shingles
	}
	edge := edgeHashes(f.Short, nil)
	core := make([]uint32, 0, len(f.Shingles))
	for _, h := range f.Shingles {
		if !edge[h] {
			core = append(core, h)
		}
	}
	return core
}

// Sketch is a bounded sample of an article's shingle hashes: all of them
// when there are at most the cap, else the smallest cap of them.
type Sketch struct {
	// Total is the article's number of distinct shingles.
	Total int
	// Hashes are the kept hashes, sorted ascending.
	Hashes []uint32
	// Short are the article's short lines (see Fingerprint), cut to the
	// kept hashes, at most MaxShortLines of them.
	Short [][]uint32
}

// MaxShortLines caps the short lines a sketch keeps.
const MaxShortLines = 32

// NewSketch keeps the smallest size hashes of sorted shingles.
func NewSketch(shingles []uint32, size int) Sketch {
	kept := shingles
	if len(kept) > size {
		kept = kept[:size]
	}
	return Sketch{Total: len(shingles), Hashes: slices.Clone(kept)}
}

// Sketch returns the fingerprint's sketch of at most size hashes.
func (f Fingerprint) Sketch(size int) Sketch {
	s := NewSketch(f.Shingles, size)
	bound := s.bound()
	for _, l := range f.Short {
		if len(s.Short) == MaxShortLines {
			break
		}
		if c := cut(l, bound); len(c) > 0 {
			s.Short = append(s.Short, slices.Clone(c))
		}
	}
	return s
}

// full returns the fingerprint as a sketch holding every hash.
func (f Fingerprint) full() Sketch {
	return Sketch{Total: len(f.Shingles), Hashes: f.Shingles, Short: f.Short}
}

// Complete reports whether the sketch holds every shingle hash.
func (s Sketch) Complete() bool { return len(s.Hashes) >= s.Total }

// bound is the largest hash value the sketch is complete up to.
func (s Sketch) bound() uint32 {
	if s.Complete() || len(s.Hashes) == 0 {
		return math.MaxUint32
	}
	return s.Hashes[len(s.Hashes)-1]
}

// Similarity is how much two shingle sets overlap.
type Similarity struct {
	// Containment is shared shingles over the smaller side's shingles.
	Containment float64
	// Jaccard is shared shingles over the union.
	Jaccard float64
	// Shared is the number of shared hashes in the compared slice of hash
	// space; a small number means a noisy estimate.
	Shared int
	// Core is the number of those outside either side's short edge lines:
	// sharing only headlines and furniture is no evidence of a copy.
	Core int
}

// Compare estimates the similarity of a full, sorted shingle set with a
// stored sketch; see CompareSketches.
func Compare(shingles []uint32, s Sketch) Similarity {
	return CompareSketches(Sketch{Total: len(shingles), Hashes: shingles}, s)
}

// CompareFingerprint estimates the similarity of an article's full
// fingerprint with a stored sketch; see CompareSketches.
func CompareFingerprint(f Fingerprint, s Sketch) Similarity {
	return CompareSketches(f.full(), s)
}

// CompareSketches estimates the similarity of two articles from their
// sketches. Both are restricted to the hash values both sketches are
// complete for, where the comparison is exact; the estimate is therefore
// exact when both sketches are complete and unbiased otherwise.
//
// A short line at either end of either side (see Fingerprint) that
// shares no shingle with the other side is left out of that side's size,
// up to half of it: it is the furniture a syndicating site adds (a new
// headline, "Sign up for our newsletter ..."), which would otherwise
// dilute the containment of a short excerpt in its original. Long lines
// and inner lines always count, so an independent report of the same
// story, whose own paragraphs share nothing, stays far from a copy.
func CompareSketches(x, y Sketch) Similarity {
	bound := min(x.bound(), y.bound())
	a, b := cut(x.Hashes, bound), cut(y.Hashes, bound)
	if len(a) == 0 || len(b) == 0 {
		return Similarity{}
	}
	edge := edgeHashes(x.Short, y.Short)
	shared, core := 0, 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			shared++
			if !edge[a[i]] {
				core++
			}
			i++
			j++
		}
	}
	// At most half of a side is ever left out.
	na := len(a) - min(foreign(x.Short, b, bound), len(a)/2)
	nb := len(b) - min(foreign(y.Short, a, bound), len(b)/2)
	if shared == 0 || na <= 0 || nb <= 0 {
		return Similarity{Shared: shared, Core: core}
	}
	return Similarity{
		Containment: min(1, float64(shared)/float64(min(na, nb))),
		Jaccard:     min(1, float64(shared)/float64(na+nb-shared)),
		Shared:      shared,
		Core:        core,
	}
}

// edgeHashes returns the hashes of both sides' short edge lines.
func edgeHashes(x, y [][]uint32) map[uint32]bool {
	m := map[uint32]bool{}
	for _, lines := range [][][]uint32{x, y} {
		for _, l := range lines {
			for _, h := range l {
				m[h] = true
			}
		}
	}
	return m
}

// foreign counts the distinct hashes, up to bound, of the short lines
// that share none of them with other.
func foreign(lines [][]uint32, other []uint32, bound uint32) int {
	var seen map[uint32]bool
	for _, l := range lines {
		l = cut(l, bound)
		if len(l) == 0 || anyIn(l, other) {
			continue
		}
		if seen == nil {
			seen = map[uint32]bool{}
		}
		for _, h := range l {
			seen[h] = true
		}
	}
	return len(seen)
}

func anyIn(sorted, other []uint32) bool {
	for _, h := range sorted {
		if _, ok := slices.BinarySearch(other, h); ok {
			return true
		}
	}
	return false
}

// cut returns the prefix of sorted hashes that are at most bound.
func cut(hashes []uint32, bound uint32) []uint32 {
	n, found := slices.BinarySearch(hashes, bound)
	if found {
		n++
	}
	return hashes[:n]
}
