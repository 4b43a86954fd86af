package ner

import "math/bits"

// Most of a token's 25-40 sentence features depend on one word alone:
// its own word, lower-cased form, shape, prefixes, suffixes and clusters
// (and the bias), and the word, lower-cased form, shape and cluster of
// each neighbour within two places. A document repeats most of its words,
// and news text repeats them across documents, so the tagger keeps, per
// word form, the weight sums of the features it gives the token it is
// (own) and the tokens two before, one before, one after and two after it
// (near), and looks up only the remaining features of a token
// (contextKeys; those of indexedKeys are read from arrays) when its words
// are in the cache. The sums are integers,
// so adding them in another order gives exactly the same emission scores
// and tags.

// wordCacheSize is the number of word forms a scratch keeps (a power of
// two): 2,048 entries of 792 bytes, 1.55 MiB per scratch, that is per
// TagDocument call running at once.
const wordCacheSize = 1 << 11

// The near sums of a word form, by where it stands from the token that
// reads them: that token's neighbour two before (nearM2), one before
// (nearM1), one after (nearP1) or two after (nearP2).
const (
	nearM2 = iota
	nearM1
	nearP1
	nearP2
	nNear
)

// wordEntry holds the summed weights, both stages side by side, of the
// features one word form gives a token: itself (own) and its neighbours
// (near). A form is identified by every value those features' keys are
// made of, so a hit gives exactly the sums its keys would (the clusters
// are a function of lower).
type wordEntry struct {
	word, lower, shape uint64
	pre, suf           [maxAffixLen]uint64
	nrunes             int
	full               bool
	own                [2 * nTags]int32
	near               [nNear][2 * nTags]int32
}

// wordCache is a direct-mapped cache of wordEntry by word form: a form
// replaces the one in its slot.
type wordCache struct {
	entries []wordEntry
	shift   uint
	// hits and misses count lookups, for tests and measurements.
	hits, misses int
}

// newWordCache makes a cache of size entries, a power of two.
func newWordCache(size int) *wordCache {
	return &wordCache{entries: make([]wordEntry, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

// entry returns the slot of a's word form and whether it holds that form.
// On a miss the slot is the caller's to fill.
func (c *wordCache) entry(a *attr) (*wordEntry, bool) {
	e := &c.entries[(a.word*0x9E3779B97F4A7C15)>>c.shift]
	if e.full && e.word == a.word && e.lower == a.lower && e.shape == a.shape && e.nrunes == a.nrunes &&
		e.pre == a.pre && e.suf == a.suf {
		c.hits++
		return e, true
	}
	c.misses++
	return e, false
}

// form returns the cache entry of a's word form, computing its sums on a
// miss.
func (t *Tagger) form(s *scratch, a *attr, useClusters bool) *wordEntry {
	e, hit := s.forms.entry(a)
	if hit {
		return e
	}
	e.word, e.lower, e.shape, e.nrunes, e.pre, e.suf = a.word, a.lower, a.shape, a.nrunes, a.pre, a.suf
	e.full = true
	// All keys are looked up before any weights are added, so the
	// lookups' cache misses overlap.
	var end [1 + nNear]int
	s.keys = ownKeys(s.keys[:0], a, useClusters)
	end[0] = len(s.keys)
	for g := range nNear {
		s.keys = nearKeys(s.keys, a, g, useClusters)
		end[1+g] = len(s.keys)
	}
	s.slots = s.slots[:0]
	for _, k := range s.keys {
		j := int32(-1)
		if p := t.feats.find(k); p != nil {
			j = *p
		}
		s.slots = append(s.slots, j)
	}
	sumRows(&e.own, t.rows, s.slots[:end[0]])
	for g := range nNear {
		sumRows(&e.near[g], t.rows, s.slots[end[g]:end[g+1]])
	}
	return e
}

// sumRows sets sum to the weights of the rows given, -1 standing for a
// feature the model does not have.
func sumRows(sum *[2 * nTags]int32, rows []featRow, slots []int32) {
	var a1, a2 [nTags]int32
	for _, j := range slots {
		if j >= 0 {
			addBoth(&a1, &a2, &rows[j].w)
		}
	}
	*(*[nTags]int32)(sum[:nTags]) = a1
	*(*[nTags]int32)(sum[nTags:]) = a2
}

// addSums adds b to a, written out as addBoth is.
func addSums(a, b *[2 * nTags]int32) {
	a[0] += b[0]
	a[1] += b[1]
	a[2] += b[2]
	a[3] += b[3]
	a[4] += b[4]
	a[5] += b[5]
	a[6] += b[6]
	a[7] += b[7]
	a[8] += b[8]
	a[9] += b[9]
	a[10] += b[10]
	a[11] += b[11]
	a[12] += b[12]
	a[13] += b[13]
	a[14] += b[14]
	a[15] += b[15]
	a[16] += b[16]
	a[17] += b[17]
	a[18] += b[18]
	a[19] += b[19]
	a[20] += b[20]
	a[21] += b[21]
	a[22] += b[22]
	a[23] += b[23]
	a[24] += b[24]
	a[25] += b[25]
	a[26] += b[26]
	a[27] += b[27]
	a[28] += b[28]
	a[29] += b[29]
	a[30] += b[30]
	a[31] += b[31]
	a[32] += b[32]
	a[33] += b[33]
}

// ownKeys appends the keys of the features token a gives itself alone.
func ownKeys(keys []uint64, a *attr, useClusters bool) []uint64 {
	keys = append(keys,
		mix(tBias, 0, 0, 0),
		mix(tWord, a.word, 0, 0),
		mix(tLower, a.lower, 0, 0),
		mix(tShape, a.shape, 0, 0),
	)
	for k := 0; k < maxAffixLen && k < a.nrunes; k++ {
		keys = append(keys, mix(tPrefix, uint64(k), a.pre[k], 0), mix(tSuffix, uint64(k), a.suf[k], 0))
	}
	if useClusters {
		for k := range a.cluster {
			keys = append(keys, mix(tCluster, uint64(k), a.cluster[k], 0))
		}
	}
	return keys
}

// nearKeys appends the keys of the features token a gives the token whose
// neighbour it is at place g (nearM2 ... nearP2).
func nearKeys(keys []uint64, a *attr, g int, useClusters bool) []uint64 {
	switch g {
	case nearM2:
		keys = append(keys, mix(tLowerM2, a.lower, 0, 0))
	case nearM1:
		keys = append(keys, mix(tLowerM1, a.lower, 0, 0), mix(tShapeM1, a.shape, 0, 0), mix(tWordM1, a.word, 0, 0))
		if useClusters {
			keys = append(keys, mix(tClusterM1, a.cluster[1], 0, 0))
		}
	case nearP1:
		keys = append(keys, mix(tLowerP1, a.lower, 0, 0), mix(tShapeP1, a.shape, 0, 0), mix(tWordP1, a.word, 0, 0))
		if useClusters {
			keys = append(keys, mix(tClusterP1, a.cluster[1], 0, 0))
		}
	case nearP2:
		keys = append(keys, mix(tLowerP2, a.lower, 0, 0))
	}
	return keys
}

// contextKeys appends the keys of token i's features that no single word
// gives it (its position, its line, the document, pairs of words) and
// those of a neighbour beyond the sentence's ends (padding): with the own
// keys of token i and the near keys of its neighbours, the keys of
// sentenceKeys.
func contextKeys(keys []uint64, at []attr, i int, capsLine bool) []uint64 {
	a := &at[i]
	var lm1, lp1, sm1, sp1, cm1, cp1 uint64 = padBefore, padAfter, padBefore, padAfter, padBefore, padAfter
	var gm1, gp1 uint64
	if i > 0 {
		p := &at[i-1]
		lm1, sm1, cm1, gm1 = p.lower, p.shape, p.cshape, p.gaz
	}
	if i+1 < len(at) {
		n := &at[i+1]
		lp1, sp1, cp1, gp1 = n.lower, n.shape, n.cshape, n.gaz
	}
	initial, caps := positionBits(i, capsLine)
	if i == 0 {
		keys = append(keys, mix(tLowerM1, padBefore, 0, 0), mix(tShapeM1, padBefore, 0, 0), mix(tWordM1, padBefore, 0, 0))
	}
	if i < 2 {
		keys = append(keys, mix(tLowerM2, padBefore, 0, 0))
	}
	if i+1 == len(at) {
		keys = append(keys, mix(tLowerP1, padAfter, 0, 0), mix(tShapeP1, padAfter, 0, 0), mix(tWordP1, padAfter, 0, 0))
	}
	if i+2 >= len(at) {
		keys = append(keys, mix(tLowerP2, padAfter, 0, 0))
	}
	keys = append(keys,
		mix(tBigramM1, lm1, a.lower, 0),
		mix(tBigramP1, a.lower, lp1, 0),
		mix(tShape3, sm1, a.shape, sp1),
		mix(tShapeBiM1, sm1, a.shape, 0),
		mix(tShapeBiP1, a.shape, sp1, 0),
		mix(tCShapeInit, a.cshape, initial, caps),
		mix(tDocCase, uint64(a.docCase), a.cshape, initial|caps<<1),
		mix(tLowerCShapeP1, a.lower, cp1, 0),
		mix(tLowerCShapeM1, a.lower, cm1, 0),
	)
	keys = lineAndGazetteerKeys(keys, a, i, capsLine, gm1, gp1)
	return keys
}

// indexedKeys appends the keys of token i's features whose rows
// firstSlots takes from t.first's arrays: its flags with its position,
// and the document casing of it and its neighbours. With contextKeys,
// the rest of sentenceKeys.
func indexedKeys(keys []uint64, at []attr, i int, capsLine bool) []uint64 {
	a := &at[i]
	var dm1, dp1 uint64 = padBefore, padAfter
	if i > 0 {
		dm1 = uint64(at[i-1].docCase)
	}
	if i+1 < len(at) {
		dp1 = uint64(at[i+1].docCase)
	}
	initial, caps := positionBits(i, capsLine)
	return append(keys, mix(tFlags, uint64(a.flags), initial, caps), mix(tDocCaseM1P1, dm1, uint64(a.docCase), dp1))
}

// firstSlots appends the rows (-1: none) of token i's indexedKeys.
func (t *Tagger) firstSlots(slots []int32, at []attr, i int, capsLine bool) []int32 {
	d, a := t.first, &at[i]
	before, after := nCaseClass, nCaseClass
	if i > 0 {
		before = int(at[i-1].docCase)
	}
	if i+1 < len(at) {
		after = int(at[i+1].docCase)
	}
	initial, caps := positionBits(i, capsLine)
	return append(slots, d.flags[a.flags][initial][caps], d.docCase[before][a.docCase][after])
}

// firstRows are the rows (-1: none) of the first-stage features of
// indexedKeys, by their parts, so that decodeFirst indexes them instead
// of hashing and looking up two keys a token; nCaseClass stands for the
// padding beyond a sentence's ends. About 9 KB.
type firstRows struct {
	flags   [flagsEnd][2][2]int32
	docCase [nCaseClass + 1][nCaseClass][nCaseClass + 1]int32
}

// newFirstRows fills firstRows from the feature table.
func newFirstRows(feats *keyTable[int32]) *firstRows {
	row := func(k uint64) int32 {
		if j := feats.find(k); j != nil {
			return *j
		}
		return -1
	}
	part := func(c int, pad uint64) uint64 {
		if c == nCaseClass {
			return pad
		}
		return uint64(c)
	}
	d := &firstRows{}
	for f := range flagsEnd {
		for initial := range uint64(2) {
			for caps := range uint64(2) {
				d.flags[f][initial][caps] = row(mix(tFlags, uint64(f), initial, caps))
			}
		}
	}
	for c := range nCaseClass {
		for b := range nCaseClass + 1 {
			for a := range nCaseClass + 1 {
				d.docCase[b][c][a] = row(mix(tDocCaseM1P1, part(b, padBefore), uint64(c), part(a, padAfter)))
			}
		}
	}
	return d
}
