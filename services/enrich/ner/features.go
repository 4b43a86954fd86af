package ner

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Feature keys are 64-bit hashes of (template, value) pairs. The hash is
// FNV-1a over the bytes of a value, mixed with the template id, so a key
// depends only on the text and is stable across processes and builds: the
// trained weights file stores keys, not strings.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashRune(h uint64, r rune) uint64 {
	if r < utf8.RuneSelf {
		h ^= uint64(r)
		return h * fnvPrime
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for i := 0; i < n; i++ {
		h ^= uint64(buf[i])
		h *= fnvPrime
	}
	return h
}

// mix combines a template id and up to three value hashes into a key.
func mix(tmpl uint64, a, b, c uint64) uint64 {
	k := tmpl*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	k = (k ^ a) * 0xBF58476D1CE4E5B9
	k ^= k >> 31
	k = (k ^ b) * 0x94D049BB133111EB
	k ^= k >> 29
	k = (k ^ c) * 0xBF58476D1CE4E5B9
	k ^= k >> 32
	return k
}

// Token flags.
const (
	fInitUpper uint16 = 1 << iota // first rune upper case
	fAllUpper                     // every letter upper case, at least one letter
	fHasDigit
	fHasHyphen
	fHasPeriod
	fAllDigit
	fNoLetter
	fHasLower
	fMixedCaps // an upper-case letter after the first rune, with lower-case letters
	flagsEnd   // not a flag: every set of flags is below it
)

// Document casing classes: how a word is written elsewhere in the document
// where casing is informative (not sentence-initial, not in an all-caps
// line).
const (
	caseUnseen  = 0
	caseLower   = 1 // only lower case
	caseCap     = 2 // only capitalised
	caseBoth    = 3 // both
	caseUpper   = 4 // only all caps
	nCaseClass  = 5
	maxAffixLen = 4
)

// attr holds the per-token values features are built from.
type attr struct {
	word, lower, shape, cshape uint64
	pre, suf                   [maxAffixLen]uint64
	cluster                    [3]uint64
	flags                      uint16
	nrunes                     int
	docCase                    uint8
	gaz                        uint64 // gazetteer matches: bit class*4+position
	// Second stage: the first stage's tag of this token, the tags it gave
	// to the same word elsewhere in the document (a bit per tag) and their
	// majority type (histO if all O, histNone if the word occurs nowhere
	// else).
	s1       uint8
	histMask uint32
	histMaj  uint8
	// id numbers the distinct lower-cased words of a document (by
	// lower), for the document-level counts.
	id int32
}

const (
	histO    = uint8(nTypes)
	histNone = uint8(nTypes + 1)
)

// Padding values for positions outside the sentence.
var (
	padBefore = hashString("<S>")
	padAfter  = hashString("</S>")
)

// normRune maps typographic punctuation of modern web text to the ASCII
// forms of the Reuters training text, so features see “Kyiv” and "Kyiv"
// alike.
func normRune(r rune) rune {
	switch r {
	case '‘', '’', '‚', '‛', '`', '´':
		return '\''
	case '“', '”', '„', '‟', '«', '»':
		return '"'
	case '–', '—', '‐', '‑', '‒', '−':
		return '-'
	case '…':
		return '.'
	}
	return r
}

func runeClass(r rune) rune {
	switch {
	case unicode.IsUpper(r):
		return 'X'
	case unicode.IsLower(r):
		return 'x'
	case unicode.IsDigit(r):
		return 'd'
	case unicode.IsLetter(r):
		return 'l' // letters without case
	}
	return r
}

// computeAttr fills a from word w without allocating.
func computeAttr(a *attr, w string) { computeAttrCase(a, w, false) }

// computeAttrCase fills a from word w, upper-cased first if upper is set.
func computeAttrCase(a *attr, w string, upper bool) {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			computeAttrRunes(a, w, upper)
			return
		}
	}
	computeAttrASCII(a, w, upper)
}

// The ASCII bytes after normRune, in upper case, and their lower-cased
// forms and runeClass, for computeAttrASCII.
var asciiNorm, asciiUpper, asciiLower, asciiClass = func() (norm, up, low, class [utf8.RuneSelf]byte) {
	for b := range rune(utf8.RuneSelf) {
		r := normRune(b)
		norm[b], up[b], low[b], class[b] = byte(r), byte(unicode.ToUpper(r)), byte(unicode.ToLower(r)), byte(runeClass(r))
	}
	return norm, up, low, class
}()

// computeAttrASCII is computeAttrRunes for a word of ASCII bytes only
// (most words of English news), with the rune functions read from tables:
// the same hashes, flags and counts (TestComputeAttrASCIILikeRunes).
func computeAttrASCII(a *attr, w string, upper bool) {
	*a = attr{}
	word := uint64(fnvOffset)
	lower := uint64(fnvOffset)
	shape := uint64(fnvOffset)
	cshape := uint64(fnvOffset)
	prev := -1
	run := 0
	letters, uppers, digits := 0, 0, 0
	hasLower := false
	upperAfterFirst := false
	for n := 0; n < len(w); n++ {
		r := asciiNorm[w[n]]
		if upper {
			r = asciiUpper[r]
		}
		word = (word ^ uint64(r)) * fnvPrime
		lower = (lower ^ uint64(asciiLower[r])) * fnvPrime
		if n < maxAffixLen {
			a.pre[n] = lower
		}
		c := asciiClass[r]
		if int(c) == prev {
			run++
		} else {
			run = 1
			cshape = (cshape ^ uint64(c)) * fnvPrime
		}
		if run <= 4 {
			shape = (shape ^ uint64(c)) * fnvPrime
		}
		prev = int(c)
		switch c {
		case 'X':
			letters++
			uppers++
			if n > 0 {
				upperAfterFirst = true
			}
		case 'x':
			letters++
			hasLower = true
		case 'd':
			digits++
		case '-':
			a.flags |= fHasHyphen
		case '.':
			a.flags |= fHasPeriod
		}
		if n == 0 && c == 'X' {
			a.flags |= fInitUpper
		}
	}
	n := len(w)
	a.word, a.lower, a.shape, a.cshape, a.nrunes = word, lower, shape, cshape, n
	// Suffixes: hash the last k bytes, lower-cased.
	for k := 0; k < maxAffixLen && k < n; k++ {
		h := uint64(fnvOffset)
		for _, b := range []byte(w[n-1-k:]) {
			h = (h ^ uint64(asciiLower[asciiNorm[b]])) * fnvPrime
		}
		a.suf[k] = h
	}
	a.flags |= wordFlags(n, letters, uppers, digits, hasLower, upperAfterFirst)
}

// wordFlags returns the flags of a word of n runes from its counts.
func wordFlags(n, letters, uppers, digits int, hasLower, upperAfterFirst bool) uint16 {
	var f uint16
	if uppers > 0 && uppers == letters {
		f |= fAllUpper
	}
	if digits > 0 {
		f |= fHasDigit
		if digits == n {
			f |= fAllDigit
		}
	}
	if letters == 0 {
		f |= fNoLetter
	}
	if hasLower {
		f |= fHasLower
		if upperAfterFirst {
			f |= fMixedCaps
		}
	}
	return f
}

// computeAttrRunes is computeAttrCase for any word.
func computeAttrRunes(a *attr, w string, upper bool) {
	*a = attr{}
	word := uint64(fnvOffset)
	lower := uint64(fnvOffset)
	shape := uint64(fnvOffset)
	cshape := uint64(fnvOffset)
	var prev rune = -1
	run := 0
	n := 0
	letters, uppers, digits := 0, 0, 0
	hasLower := false
	upperAfterFirst := false
	// Prefixes are built as we go; suffixes need the rune positions, which
	// are found by a backward scan below.
	for _, r := range w {
		r = normRune(r)
		if upper {
			r = unicode.ToUpper(r)
		}
		word = hashRune(word, r)
		lr := unicode.ToLower(r)
		lower = hashRune(lower, lr)
		if n < maxAffixLen {
			a.pre[n] = lower
		}
		c := runeClass(r)
		if c == prev {
			run++
		} else {
			run = 1
			cshape = hashRune(cshape, c)
		}
		if run <= 4 {
			shape = hashRune(shape, c)
		}
		prev = c
		switch c {
		case 'X':
			letters++
			uppers++
			if n > 0 {
				upperAfterFirst = true
			}
		case 'x':
			letters++
			hasLower = true
		case 'l':
			letters++
		case 'd':
			digits++
		case '-':
			a.flags |= fHasHyphen
		case '.':
			a.flags |= fHasPeriod
		}
		if n == 0 && c == 'X' {
			a.flags |= fInitUpper
		}
		n++
	}
	a.word, a.lower, a.shape, a.cshape, a.nrunes = word, lower, shape, cshape, n
	for k := n; k < maxAffixLen; k++ {
		a.pre[k] = 0
	}
	// Suffixes: hash the last k runes, lower-cased.
	end := len(w)
	for k := 0; k < maxAffixLen && k < n; k++ {
		_, size := utf8.DecodeLastRuneInString(w[:end])
		end -= size
		h := uint64(fnvOffset)
		for _, r := range w[end:] {
			h = hashRune(h, unicode.ToLower(normRune(r)))
		}
		a.suf[k] = h
	}
	a.flags |= wordFlags(n, letters, uppers, digits, hasLower, upperAfterFirst)
}

// Feature templates. The numbers are part of the weights file format:
// append new templates, never renumber.
const (
	tBias = iota + 1
	tWord
	tLower
	tLowerM1
	tLowerP1
	tLowerM2
	tLowerP2
	tBigramM1
	tBigramP1
	tPrefix  // + k
	tSuffix  // + k
	tShape   // shape of i
	tShapeM1 // shape of i-1
	tShapeP1
	tShape3 // shapes i-1, i, i+1
	tShapeBiM1
	tShapeBiP1
	tCShapeInit // compressed shape with sentence-initial flag
	tDocCase    // document casing class + shape
	tCapsLine   // all-caps line + lowercase word
	tFlags
	tInitLower // sentence-initial + lowercase word
	tWordM1
	tWordP1
	tCluster   // + prefix length index, of i
	tClusterM1 // of i-1
	tClusterP1 // of i+1
	tGaz       // gazetteer class and position of i
	tGazM1
	tGazP1
	tDocCaseM1P1
	tLowerCShapeP1
	tLowerCShapeM1
	tHist // first-stage tags of the word elsewhere in the document
	tHistMaj
	tStage1
	tStage1Ctx
	tHistMajShape
	tGazCap    // gazetteer mask with casing
	tGazPhrase // phrase hashes of the gazetteer, not a feature
)

// positionBits are token i's position features as key parts: initial is 1
// for a sentence's first token, caps 1 when the whole sentence is in
// capitals.
func positionBits(i int, capsLine bool) (initial, caps uint64) {
	if i == 0 {
		initial = 1
	}
	if capsLine {
		caps = 1
	}
	return initial, caps
}

// lineAndGazetteerKeys appends the keys of token i's caps-line, first-word
// and gazetteer features and those of its neighbours' gazetteer masks gm1
// and gp1 (0 for none), which sentenceKeys and contextKeys share.
func lineAndGazetteerKeys(keys []uint64, a *attr, i int, capsLine bool, gm1, gp1 uint64) []uint64 {
	initial, caps := positionBits(i, capsLine)
	if capsLine {
		keys = append(keys, mix(tCapsLine, a.lower, 0, 0))
	}
	if i == 0 {
		keys = append(keys, mix(tInitLower, a.lower, 0, 0))
	}
	if a.gaz != 0 {
		for m := a.gaz; m != 0; m &= m - 1 {
			keys = append(keys, mix(tGaz, uint64(bits.TrailingZeros64(m)), 0, 0))
		}
		keys = append(keys, mix(tGazCap, a.gaz, uint64(a.flags&(fInitUpper|fAllUpper)), initial|caps<<1))
	}
	if gm1 != 0 {
		keys = append(keys, mix(tGazM1, gm1, 0, 0))
	}
	if gp1 != 0 {
		keys = append(keys, mix(tGazP1, gp1, 0, 0))
	}
	return keys
}

// sentenceKeys appends the feature keys of token i to keys.
// capsLine reports whether the whole sentence is written in capitals.
func sentenceKeys(keys []uint64, at []attr, i int, capsLine bool, useClusters bool) []uint64 {
	a := &at[i]
	var lm1, lm2, lp1, lp2, sm1, sp1, wm1, wp1, cm1, cp1 uint64 = padBefore, padBefore, padAfter, padAfter, padBefore, padAfter, padBefore, padAfter, padBefore, padAfter
	var gm1, gp1 uint64
	var dm1, dp1 uint64 = padBefore, padAfter
	if i > 0 {
		p := &at[i-1]
		lm1, sm1, wm1, cm1, gm1, dm1 = p.lower, p.shape, p.word, p.cshape, p.gaz, uint64(p.docCase)
	}
	if i > 1 {
		lm2 = at[i-2].lower
	}
	if i+1 < len(at) {
		n := &at[i+1]
		lp1, sp1, wp1, cp1, gp1, dp1 = n.lower, n.shape, n.word, n.cshape, n.gaz, uint64(n.docCase)
	}
	if i+2 < len(at) {
		lp2 = at[i+2].lower
	}
	initial, caps := positionBits(i, capsLine)
	keys = append(keys,
		mix(tBias, 0, 0, 0),
		mix(tWord, a.word, 0, 0),
		mix(tLower, a.lower, 0, 0),
		mix(tLowerM1, lm1, 0, 0),
		mix(tLowerP1, lp1, 0, 0),
		mix(tLowerM2, lm2, 0, 0),
		mix(tLowerP2, lp2, 0, 0),
		mix(tBigramM1, lm1, a.lower, 0),
		mix(tBigramP1, a.lower, lp1, 0),
		mix(tShape, a.shape, 0, 0),
		mix(tShapeM1, sm1, 0, 0),
		mix(tShapeP1, sp1, 0, 0),
		mix(tShape3, sm1, a.shape, sp1),
		mix(tShapeBiM1, sm1, a.shape, 0),
		mix(tShapeBiP1, a.shape, sp1, 0),
		mix(tCShapeInit, a.cshape, initial, caps),
		mix(tDocCase, uint64(a.docCase), a.cshape, initial|caps<<1),
		mix(tFlags, uint64(a.flags), initial, caps),
		mix(tWordM1, wm1, 0, 0),
		mix(tWordP1, wp1, 0, 0),
		mix(tLowerCShapeP1, a.lower, cp1, 0),
		mix(tLowerCShapeM1, a.lower, cm1, 0),
		mix(tDocCaseM1P1, dm1, uint64(a.docCase), dp1),
	)
	for k := 0; k < maxAffixLen && k < a.nrunes; k++ {
		keys = append(keys, mix(tPrefix, uint64(k), a.pre[k], 0), mix(tSuffix, uint64(k), a.suf[k], 0))
	}
	keys = lineAndGazetteerKeys(keys, a, i, capsLine, gm1, gp1)
	if useClusters {
		for k := range a.cluster {
			keys = append(keys, mix(tCluster, uint64(k), a.cluster[k], 0))
		}
		if i > 0 {
			keys = append(keys, mix(tClusterM1, at[i-1].cluster[1], 0, 0))
		}
		if i+1 < len(at) {
			keys = append(keys, mix(tClusterP1, at[i+1].cluster[1], 0, 0))
		}
	}
	return keys
}

// stage2Keys appends the second-stage keys of token i.
func stage2Keys(keys []uint64, at []attr, i int) []uint64 {
	a := &at[i]
	var pm1, pp1 uint64 = padBefore, padAfter
	if i > 0 {
		pm1 = uint64(at[i-1].s1)
	}
	if i+1 < len(at) {
		pp1 = uint64(at[i+1].s1)
	}
	keys = append(keys,
		mix(tStage1, uint64(a.s1), 0, 0),
		mix(tStage1Ctx, pm1, uint64(a.s1), pp1),
		mix(tHistMaj, uint64(a.histMaj), uint64(a.s1), 0),
		mix(tHistMajShape, uint64(a.histMaj), a.cshape, 0),
	)
	for m := a.histMask; m != 0; m &= m - 1 {
		keys = append(keys, mix(tHist, uint64(bits.TrailingZeros32(m)), 0, 0))
	}
	return keys
}
