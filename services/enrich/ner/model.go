package ner

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"unicode"
)

// Entity types, in tag order.
var types = [...]string{"PER", "ORG", "LOC", "MISC"}

// Tags use the BILOU scheme: O, then B-, I-, L-, U- for each type.
const (
	nTypes = len(types)
	nTags  = 1 + 4*nTypes
)

const (
	pB = iota
	pI
	pL
	pU
)

func tagOf(prefix, typ int) int { return 1 + 4*typ + prefix }
func tagPrefix(t int) int       { return (t - 1) % 4 }
func tagType(t int) int         { return (t - 1) / 4 }

// allowed reports whether tag cur may follow tag prev; prev < 0 is the
// sentence start.
func allowed(prev, cur int) bool {
	open := prev > 0 && (tagPrefix(prev) == pB || tagPrefix(prev) == pI)
	if !open {
		return cur == 0 || tagPrefix(cur) == pB || tagPrefix(cur) == pU
	}
	return cur > 0 && tagType(cur) == tagType(prev) && (tagPrefix(cur) == pI || tagPrefix(cur) == pL)
}

// allowedEnd reports whether a sentence may end with tag t.
func allowedEnd(t int) bool {
	return t == 0 || tagPrefix(t) == pL || tagPrefix(t) == pU
}

// Span is an entity mention: tokens [Start, End) of a sentence, and its
// Type, one of "PER", "ORG", "LOC", "MISC".
type Span struct {
	Start, End int
	Type       string
}

// ErrNoModel is returned by Load when the package was built without
// trained weights.
var ErrNoModel = errors.New("ner: no embedded model")

//go:embed model.bin.gz
var embedded []byte

var loadOnce = sync.OnceValues(func() (*Tagger, error) {
	if len(embedded) == 0 {
		return nil, ErrNoModel
	}
	// The gzip trailer ends with the decompressed size (mod 2^32).
	size := 0
	if n := len(embedded); n >= 4 {
		size = int(binary.LittleEndian.Uint32(embedded[n-4:]))
	}
	t, err := decode(bytes.NewReader(embedded), size)
	if err != nil {
		return nil, err
	}
	t.useHugePages()
	return t, nil
})

// Load returns the tagger with the weights embedded in the package. The
// weights are decoded once; later calls return the same tagger.
func Load() (*Tagger, error) {
	t, err := loadOnce()
	if err != nil {
		return nil, fmt.Errorf("load ner model: %w", err)
	}
	return t, nil
}

// Tagger is a trained sequence tagger. It is safe for concurrent use.
//
// It runs in two stages with the same decoder. The first tags each
// sentence from its own words. The second sees, in addition, the first
// stage's tags of this token and of its neighbours and the tags the first
// stage gave to the same word elsewhere in the document, so that "Magna"
// is an organisation in every sentence once one sentence makes it clear.
type Tagger struct {
	// feats maps a feature key to its row in rows, which holds the
	// weights of both stages side by side, so that one lookup per feature
	// serves both; stages has one or two entries. The table's slots hold
	// only a 4-byte row number, so its empty half (load at most 1/2)
	// costs 12 bytes a slot instead of a whole 78-byte row.
	feats    *keyTable[int32]
	rows     []featRow
	stages   []params
	clusters *keyTable[[3]uint64]
	// gaz maps the hash of a lower-cased phrase to a bit per LexClass;
	// proper prefixes of phrases map to 0.
	gaz *keyTable[uint64]
	// first and second have the rows of the features whose key parts
	// take few values (decodeFirst, decodeSecond).
	first  *firstRows
	second *secondRows
	pool   sync.Pool
}

// scratch is the per-call working memory of a tagger.
type scratch struct {
	attrs    []attr
	keys     []uint64
	off      []int32
	emit     []float32
	score    []float32
	back     []int8
	part     []int32            // stage-2 sums of each token's sentence features
	slots    []int32            // feature table slots of a token's features
	touch    int16              // keeps the loads that start fetching rows
	words    *keyTable[int32]   // lower-cased word -> attr.id
	forms    *wordCache         // sums of the features single words give, by word form; kept across documents
	sums     [][2 * nTags]int32 // per token of a sentence: the sums of the forms' features
	casing   [][3]uint16        // per word id: lower, capitalised, all caps
	hist     [][nTags]uint16    // per word id: first-stage tags
	text     []string           // a document's words
	lines    [][]string         // text by sentence
	tags     []int              // a document's tags
	sents    [][]attr           // attrs by sentence
	tagLines [][]int            // tags by sentence
}

func newScratch() *scratch { return &scratch{} }

// wordIDs numbers the distinct lower-cased words of a document's tokens
// in attr.id and returns how many there are. Later calls for the same
// document (after attributes are recomputed) keep the numbers.
func (s *scratch) wordIDs(all []attr, reset bool) int {
	if reset {
		// Room for every token twice: a title line is numbered again.
		size := 1 << bits.Len(uint(4*len(all)))
		if s.words == nil || len(s.words.keys) < size || len(s.words.keys) > 8*size {
			s.words = newKeyTable[int32](2 * len(all))
		} else {
			s.words.reset()
		}
	}
	for i := range all {
		p, added := s.words.put(all[i].lower)
		if added {
			*p = int32(s.words.n - 1)
		}
		all[i].id = *p
	}
	return s.words.n
}

// counts returns c with length n, zeroed.
func counts[T any](c []T, n int) []T {
	c = grow(c, n)
	clear(c)
	return c
}

func (t *Tagger) getScratch() *scratch {
	if s, ok := t.pool.Get().(*scratch); ok {
		return s
	}
	return newScratch()
}

// Tag finds the entity mentions of one sentence. Casing evidence is taken
// from the sentence alone; use TagDocument when the other sentences of the
// text are at hand.
func (t *Tagger) Tag(sentence []Token) []Span {
	return t.TagDocument([][]Token{sentence})[0]
}

// TagDocument finds the entity mentions of every sentence of a document.
// The document's other sentences inform each one: a word in an all-caps
// headline or at the start of a sentence is judged by how it is written
// elsewhere in the document, and a name keeps its type across sentences.
func (t *Tagger) TagDocument(doc [][]Token) [][]Span {
	s := t.getScratch()
	defer t.pool.Put(s)
	n := 0
	for _, sent := range doc {
		n += len(sent)
	}
	// The words, sentences and tags live in the scratch; the words are
	// cleared before it goes back to the pool, so that it does not keep
	// the document's text.
	s.text = grow(s.text, n)
	defer clear(s.text)
	s.lines = grow(s.lines, len(doc))
	words := s.lines
	off := 0
	for i, sent := range doc {
		ws := s.text[off : off+len(sent) : off+len(sent)]
		for j := range sent {
			ws[j] = sent[j].Text
		}
		words[i] = ws
		off += len(sent)
	}
	attrs := t.docAttrs(s, words)
	s.tagLines = grow(s.tagLines, len(doc))
	tags := s.tagLines
	s.tags = counts(s.tags, n)
	all := s.tags
	s.part = grow(s.part, n*nTags)
	off = 0
	for i, at := range attrs {
		tags[i] = all[off : off+len(at) : off+len(at)]
		t.decodeFirst(s, at, s.part[off*nTags:(off+len(at))*nTags], tags[i])
		off += len(at)
	}
	if len(t.stages) > 1 {
		s.hist = fillHist(attrs, tags, s.hist)
		off = 0
		for i, at := range attrs {
			t.decodeSecond(s, at, s.part[off*nTags:(off+len(at))*nTags], tags[i])
			off += len(at)
		}
	}
	out := make([][]Span, len(doc))
	for i := range tags {
		out[i] = spansFromBILOU(tags[i])
	}
	return out
}

// decodeFirst tags a sentence with the first stage. Each feature is looked
// up once for both stages: part receives each token's second-stage sums of
// the same features, nTags per token, for decodeSecond.
func (t *Tagger) decodeFirst(s *scratch, at []attr, part []int32, tags []int) {
	n := len(at)
	if n == 0 {
		return
	}
	capsLine := isCapsLine(at)
	useClusters := t.clusters != nil
	p := &t.stages[0]
	s.emit = grow(s.emit, n*nTags)
	if s.forms == nil {
		s.forms = newWordCache(wordCacheSize)
	}
	// The sums of the features single words give: each word's own, and
	// those it gives its neighbours within two places.
	s.sums = counts(s.sums, n)
	sums := s.sums
	for i := range at {
		f := t.form(s, &at[i], useClusters)
		addSums(&sums[i], &f.own)
		if i >= 2 {
			addSums(&sums[i-2], &f.near[nearP2])
		}
		if i >= 1 {
			addSums(&sums[i-1], &f.near[nearP1])
		}
		if i+1 < n {
			addSums(&sums[i+1], &f.near[nearM1])
		}
		if i+2 < n {
			addSums(&sums[i+2], &f.near[nearM2])
		}
	}
	for i := range at {
		s.keys = contextKeys(s.keys[:0], at, i, capsLine)
		// Find every feature of the token first, then add their weights:
		// the lookups are independent, so their cache misses overlap,
		// and touching both ends of each row starts loading it.
		s.slots = t.firstSlots(s.slots[:0], at, i, capsLine)
		touch := int16(0)
		for _, k := range s.keys {
			if j := t.feats.find(k); j != nil {
				s.slots = append(s.slots, *j)
				r := &t.rows[*j]
				touch ^= r.w[0] ^ r.w[2*nTags-1]
			}
		}
		s.touch ^= touch
		acc1 := *(*[nTags]int32)(sums[i][:nTags])
		acc2 := *(*[nTags]int32)(sums[i][nTags:])
		for _, j := range s.slots {
			if j >= 0 {
				addBoth(&acc1, &acc2, &t.rows[j].w)
			}
		}
		scaleSums((*[nTags]float32)(s.emit[i*nTags:]), &acc1, p.scale)
		*(*[nTags]int32)(part[i*nTags:]) = acc2
	}
	s.score = grow(s.score, n*nTags)
	s.back = grow(s.back, n*nTags)
	p.viterbi(s.emit, s.score, s.back, tags)
}

// The sums are written out because the compiler neither unrolls loops nor
// keeps arrays in registers: the loops cost several times the additions.

// addBoth adds a feature's weights to the sums of both stages.
func addBoth(a1, a2 *[nTags]int32, w *[2 * nTags]int16) {
	a1[0] += int32(w[0])
	a1[1] += int32(w[1])
	a1[2] += int32(w[2])
	a1[3] += int32(w[3])
	a1[4] += int32(w[4])
	a1[5] += int32(w[5])
	a1[6] += int32(w[6])
	a1[7] += int32(w[7])
	a1[8] += int32(w[8])
	a1[9] += int32(w[9])
	a1[10] += int32(w[10])
	a1[11] += int32(w[11])
	a1[12] += int32(w[12])
	a1[13] += int32(w[13])
	a1[14] += int32(w[14])
	a1[15] += int32(w[15])
	a1[16] += int32(w[16])
	a2[0] += int32(w[17])
	a2[1] += int32(w[18])
	a2[2] += int32(w[19])
	a2[3] += int32(w[20])
	a2[4] += int32(w[21])
	a2[5] += int32(w[22])
	a2[6] += int32(w[23])
	a2[7] += int32(w[24])
	a2[8] += int32(w[25])
	a2[9] += int32(w[26])
	a2[10] += int32(w[27])
	a2[11] += int32(w[28])
	a2[12] += int32(w[29])
	a2[13] += int32(w[30])
	a2[14] += int32(w[31])
	a2[15] += int32(w[32])
	a2[16] += int32(w[33])
}

// scaleSums sets the emission scores e of summed weights acc.
func scaleSums(e *[nTags]float32, acc *[nTags]int32, scale float32) {
	e[0] = float32(acc[0]) * scale
	e[1] = float32(acc[1]) * scale
	e[2] = float32(acc[2]) * scale
	e[3] = float32(acc[3]) * scale
	e[4] = float32(acc[4]) * scale
	e[5] = float32(acc[5]) * scale
	e[6] = float32(acc[6]) * scale
	e[7] = float32(acc[7]) * scale
	e[8] = float32(acc[8]) * scale
	e[9] = float32(acc[9]) * scale
	e[10] = float32(acc[10]) * scale
	e[11] = float32(acc[11]) * scale
	e[12] = float32(acc[12]) * scale
	e[13] = float32(acc[13]) * scale
	e[14] = float32(acc[14]) * scale
	e[15] = float32(acc[15]) * scale
	e[16] = float32(acc[16]) * scale
}

// addSecond adds a feature's second-stage weights to a.
func addSecond(a *[nTags]int32, w *[2 * nTags]int16) {
	a[0] += int32(w[17])
	a[1] += int32(w[18])
	a[2] += int32(w[19])
	a[3] += int32(w[20])
	a[4] += int32(w[21])
	a[5] += int32(w[22])
	a[6] += int32(w[23])
	a[7] += int32(w[24])
	a[8] += int32(w[25])
	a[9] += int32(w[26])
	a[10] += int32(w[27])
	a[11] += int32(w[28])
	a[12] += int32(w[29])
	a[13] += int32(w[30])
	a[14] += int32(w[31])
	a[15] += int32(w[32])
	a[16] += int32(w[33])
}

// decodeSecond tags a sentence with the second stage, given the sums of
// the sentence features that decodeFirst left in part. The features of
// stage2Keys whose parts are tags come from t.second's arrays; only the
// majority-and-shape feature is looked up.
func (t *Tagger) decodeSecond(s *scratch, at []attr, part []int32, tags []int) {
	n := len(at)
	if n == 0 {
		return
	}
	p := &t.stages[1]
	s.emit = grow(s.emit, n*nTags)
	for i := range at {
		s.slots = t.secondSlots(s.slots[:0], at, i)
		acc := *(*[nTags]int32)(part[i*nTags:])
		for _, j := range s.slots {
			if j >= 0 {
				addSecond(&acc, &t.rows[j].w)
			}
		}
		scaleSums((*[nTags]float32)(s.emit[i*nTags:]), &acc, p.scale)
	}
	s.score = grow(s.score, n*nTags)
	s.back = grow(s.back, n*nTags)
	p.viterbi(s.emit, s.score, s.back, tags)
}

// secondSlots appends the rows (-1: none) of token i's stage2Keys.
func (t *Tagger) secondSlots(slots []int32, at []attr, i int) []int32 {
	d, a := t.second, &at[i]
	before, after := nTags, nTags
	if i > 0 {
		before = int(at[i-1].s1)
	}
	if i+1 < len(at) {
		after = int(at[i+1].s1)
	}
	slots = append(slots, d.stage1[a.s1], d.stage1Ctx[before][a.s1][after], d.histMaj[a.histMaj][a.s1])
	for m := a.histMask; m != 0; m &= m - 1 {
		slots = append(slots, d.hist[bits.TrailingZeros32(m)])
	}
	j := int32(-1)
	if p := t.feats.find(mix(tHistMajShape, uint64(a.histMaj), a.cshape, 0)); p != nil {
		j = *p
	}
	return append(slots, j)
}

// secondRows are the rows (-1: none) of the second-stage features of
// stage2Keys whose key parts are tags, a tag count or the majority type,
// by those parts, so that decodeSecond indexes them instead of hashing
// and looking up four or five keys a token; nTags stands for the padding
// beyond a sentence's ends. About 23 KB.
type secondRows struct {
	stage1    [nTags]int32
	stage1Ctx [nTags + 1][nTags][nTags + 1]int32
	histMaj   [histNone + 1][nTags]int32
	hist      [nTags]int32
}

// newSecondRows fills secondRows from the feature table.
func newSecondRows(feats *keyTable[int32]) *secondRows {
	row := func(k uint64) int32 {
		if j := feats.find(k); j != nil {
			return *j
		}
		return -1
	}
	part := func(tag int, pad uint64) uint64 {
		if tag == nTags {
			return pad
		}
		return uint64(tag)
	}
	d := &secondRows{}
	for s1 := range nTags {
		d.stage1[s1] = row(mix(tStage1, uint64(s1), 0, 0))
		d.hist[s1] = row(mix(tHist, uint64(s1), 0, 0))
		for b := range nTags + 1 {
			for a := range nTags + 1 {
				d.stage1Ctx[b][s1][a] = row(mix(tStage1Ctx, part(b, padBefore), uint64(s1), part(a, padAfter)))
			}
		}
		for m := range histNone + 1 {
			d.histMaj[m][s1] = row(mix(tHistMaj, uint64(m), uint64(s1), 0))
		}
	}
	return d
}

// setHist records in a the tags its word had elsewhere in the document,
// h counting them by tag: which tags (histMask), and the entity type they
// mostly were (histMaj: histO when only O, histNone when the word occurs
// nowhere else). The caller has reset both fields.
func (a *attr) setHist(h *[nTags]uint16) {
	var byType [nTypes]int
	seen := false
	for tg, c := range h {
		if c == 0 {
			continue
		}
		seen = true
		a.histMask |= 1 << tg
		if tg > 0 {
			byType[tagType(tg)] += int(c)
		}
	}
	if !seen {
		return
	}
	a.histMaj = histO
	best := 0
	for ty, c := range byType {
		if c > best {
			best, a.histMaj = c, uint8(ty)
		}
	}
}

// fillHist records in each token the first-stage tags of the token and of
// the other occurrences of its word in the document. hist is scratch
// space for the counts per word id; fillHist returns it, grown.
func fillHist(doc [][]attr, tags [][]int, hist [][nTags]uint16) [][nTags]uint16 {
	n := 0
	for _, at := range doc {
		for j := range at {
			n = max(n, int(at[j].id)+1)
		}
	}
	hist = counts(hist, n)
	for i, at := range doc {
		for j := range at {
			at[j].s1 = uint8(tags[i][j])
			if at[j].flags&fNoLetter != 0 {
				continue
			}
			hist[at[j].id][tags[i][j]]++
		}
	}
	for i, at := range doc {
		for j := range at {
			a := &at[j]
			a.histMask, a.histMaj = 0, histNone
			if a.flags&fNoLetter != 0 {
				continue
			}
			h := hist[a.id]
			h[tags[i][j]]--
			a.setHist(&h)
		}
	}
	return hist
}

// sentenceAttrs computes each word's own attributes (t may be nil: no
// lexicon or gazetteer) into all, and sets out[i] to the slice of it of
// sentence i of doc; all holds exactly the document's words, out has
// len(doc) elements.
func (t *Tagger) sentenceAttrs(out [][]attr, all []attr, doc [][]string) [][]attr {
	off := 0
	for i, sent := range doc {
		at := all[off : off+len(sent) : off+len(sent)]
		off += len(sent)
		for j, w := range sent {
			computeAttr(&at[j], w)
			if t != nil {
				t.lexical(&at[j])
			}
		}
		if t != nil {
			t.matchGaz(at)
		}
		out[i] = at
	}
	return out
}

// docAttrs computes the token attributes of a document, including
// document casing.
func (t *Tagger) docAttrs(s *scratch, doc [][]string) [][]attr {
	n := 0
	for _, sent := range doc {
		n += len(sent)
	}
	if cap(s.attrs) < n {
		s.attrs = make([]attr, n)
	}
	all := s.attrs[:n]
	s.sents = grow(s.sents, len(doc))
	out := t.sentenceAttrs(s.sents, all, doc)
	nw := s.wordIDs(all, true)
	s.casing = counts(s.casing, nw)
	title := titleHeadlines && len(doc) > 1 && isTitleLine(doc[0])
	fillDocCase(out, s.casing, title)
	if title && lowerElsewhere(out[0], s.casing) {
		// A title-case headline: tag it as if in capitals.
		at := out[0]
		for j, w := range doc[0] {
			computeAttrCase(&at[j], w, true)
			if t != nil {
				t.lexical(&at[j])
			}
		}
		if t != nil {
			t.matchGaz(at)
		}
		nw = s.wordIDs(at, false)
	}
	s.casing = counts(s.casing, nw)
	fillDocCase(out, s.casing, false)
	return out
}

// lowerElsewhere reports whether enough of the capitalised words of a
// title-case candidate line are written in lower case elsewhere in the
// document to call it a headline rather than a sentence full of names.
func lowerElsewhere(at []attr, casing [][3]uint16) bool {
	long, lower := 0, 0
	for j := range at {
		a := &at[j]
		if a.nrunes < 4 || a.flags&fInitUpper == 0 {
			continue
		}
		long++
		if casing[a.id][0] > 0 {
			lower++
		}
	}
	return lower >= 2 && lower*10 >= long*3
}

// lexical adds the model's word clusters to a.
func (t *Tagger) lexical(a *attr) {
	if t.clusters != nil {
		if c := t.clusters.find(a.lower); c != nil {
			a.cluster = *c
		} else {
			a.cluster = [3]uint64{}
		}
	}
}

// titleHeadlines turns on the title-case headline rule of isTitleLine.
const titleHeadlines = true

// isTitleLine reports whether a document's first sentence may be a
// headline in title case ("Talks End Without Deal on Grain Corridor"): at
// least three words of four or more letters, nearly all capitalised, and
// some lower case. If, in addition, enough of its capitalised words are
// written in lower case elsewhere in the document (lowerElsewhere), the
// line is tagged as if written in capitals, like the all-caps headlines of
// the training text, so its capitals are not taken for names; document
// casing then decides. A sentence full of names ("Sergei Lavrov met Dmytro
// Kuleba in Ankara") passes the first test but not the second.
func isTitleLine(words []string) bool {
	long, capital, lower := 0, 0, false
	for _, w := range words {
		n, initUpper := 0, false
		for k, r := range w {
			if !unicode.IsLetter(r) {
				continue
			}
			if k == 0 && unicode.IsUpper(r) {
				initUpper = true
			}
			if unicode.IsLower(r) {
				lower = true
			}
			n++
		}
		if n >= 4 {
			long++
			if initUpper {
				capital++
			}
		}
	}
	return lower && long >= 3 && capital*10 >= long*9
}

func isCapsLine(at []attr) bool {
	letters, upper := 0, 0
	for k := range at {
		if at[k].flags&fNoLetter != 0 {
			continue
		}
		letters++
		if at[k].flags&fAllUpper != 0 {
			upper++
		}
	}
	return letters > 0 && upper == letters
}

// fillDocCase sets the docCase of every token from the casing of the same
// lower-cased word at informative positions of the document, counted in
// casing (per word id, zeroed by the caller).
// With skipFirst, the first sentence is not counted.
func fillDocCase(doc [][]attr, casing [][3]uint16, skipFirst bool) {
	for i, at := range doc {
		if isCapsLine(at) || i == 0 && skipFirst {
			continue
		}
		for j := 1; j < len(at); j++ {
			a := &at[j]
			if a.flags&fNoLetter != 0 {
				continue
			}
			c := &casing[a.id]
			switch {
			case a.flags&fAllUpper != 0 && a.nrunes > 1:
				c[2]++
			case a.flags&fInitUpper != 0:
				c[1]++
			case a.flags&fHasLower != 0:
				c[0]++
			}
		}
	}
	for _, at := range doc {
		for j := range at {
			// A word counted with no casing (letters without case) is
			// unseen, as is a word not counted at all.
			c := casing[at[j].id]
			var cls uint8 = caseUnseen
			switch {
			case c[0] > 0 && c[1] > 0:
				cls = caseBoth
			case c[1] > 0:
				cls = caseCap
			case c[0] > 0:
				cls = caseLower
			case c[2] > 0:
				cls = caseUpper
			}
			at[j].docCase = cls
		}
	}
}

// decodeSentence computes the features of one sentence and decodes it.
func (w *weights) decodeSentence(s *scratch, at []attr, useClusters, stage2 bool) []int {
	capsLine := isCapsLine(at)
	s.keys, s.off = s.keys[:0], append(s.off[:0], 0)
	for i := range at {
		s.keys = sentenceKeys(s.keys, at, i, capsLine, useClusters)
		if stage2 {
			s.keys = stage2Keys(s.keys, at, i)
		}
		s.off = append(s.off, int32(len(s.keys)))
	}
	return w.decode(s, s.keys, s.off)
}

// decode runs Viterbi over one sentence given the feature keys of its
// tokens (token i has keys[off[i]:off[i+1]]) and returns its BILOU tags.
func (w *weights) decode(s *scratch, keys []uint64, off []int32) []int {
	n := len(off) - 1
	if n <= 0 {
		return nil
	}
	s.emit = grow(s.emit, n*nTags)
	s.score = grow(s.score, n*nTags)
	s.back = grow(s.back, n*nTags)
	emit := s.emit
	for i := 0; i < n; i++ {
		var acc [nTags]int32
		for _, k := range keys[off[i]:off[i+1]] {
			if row := w.lookup(k); row != nil {
				for j := range acc {
					acc[j] += int32(row[j])
				}
			}
		}
		e := emit[i*nTags : (i+1)*nTags : (i+1)*nTags]
		for j := range e {
			e[j] = float32(acc[j]) * w.scale
		}
	}
	tags := make([]int, n)
	viterbi(emit, w.trans, w.end, s.score, s.back, tags)
	return tags
}

const negInf = float32(-1e30)

// viterbi finds the best allowed tag sequence given emission scores
// (n*nTags), transition scores ((nTags+1)*nTags, last row = start) and end
// scores.
func viterbi(emit, trans, end, score []float32, back []int8, tags []int) {
	n := len(tags)
	start := trans[nTags*nTags:]
	for c := 0; c < nTags; c++ {
		if allowed(-1, c) {
			score[c] = emit[c] + start[c]
		} else {
			score[c] = negInf
		}
	}
	for i := 1; i < n; i++ {
		prev := score[(i-1)*nTags : i*nTags : i*nTags]
		cur := score[i*nTags : (i+1)*nTags : (i+1)*nTags]
		for c := 0; c < nTags; c++ {
			best, arg := negInf, 0
			for _, p := range allowedPrev[c] {
				if v := prev[p] + trans[int(p)*nTags+c]; v > best {
					best, arg = v, int(p)
				}
			}
			cur[c] = best + emit[i*nTags+c]
			back[i*nTags+c] = int8(arg)
		}
	}
	last := score[(n-1)*nTags : n*nTags]
	best, arg := negInf, 0
	for c := 0; c < nTags; c++ {
		if !allowedEnd(c) || last[c] <= negInf {
			continue
		}
		if v := last[c] + end[c]; v > best {
			best, arg = v, c
		}
	}
	tags[n-1] = arg
	for i := n - 1; i > 0; i-- {
		tags[i-1] = int(back[i*nTags+tags[i]])
	}
}

// The allowed transitions have a fixed shape: a tag that starts something
// (O, B-x, U-x) may follow any tag that closes one (O, L-x, U-x), and I-x
// and L-x may follow only B-x and I-x. TestViterbiShape checks these lists
// against allowed.
var (
	closedTags  = [...]int{0, 3, 4, 7, 8, 11, 12, 15, 16}
	starterTags = [...]int{0, 1, 4, 5, 8, 9, 12, 13, 16}
)

const nClosed = len(closedTags)

// lattice holds a stage's transition scores in the order the specialised
// Viterbi reads them.
type lattice struct {
	// open[s][k] is the score of starter tag s after closed tag k.
	open [nClosed][nClosed]float32
	// cont[x][q][r] is the score of I-x (q 0) or L-x (q 1) after B-x
	// (r 0) or I-x (r 1).
	cont [nTypes][2][2]float32
	// lead[k][j] is how far closed tag j's score may fall below closed
	// tag k's and still give some starter tag a better score through j:
	// the largest, over starters s, of open[s][j] - open[s][k]. A
	// position whose other closed tags all fall further below the best
	// closed tag k leads every starter tag from k.
	lead [nClosed][nClosed]float32
	// maxOpen is the largest absolute score in open, for the rounding
	// margin of that test.
	maxOpen float32
	// fromClosed[k][s] is open[s][k]: the starter tags' scores after
	// closed tag k.
	fromClosed [nClosed][nClosed]float32
}

func newLattice(trans []float32) *lattice {
	var l lattice
	for s, c := range starterTags {
		for k, p := range closedTags {
			l.open[s][k] = trans[p*nTags+c]
		}
	}
	for x := 0; x < nTypes; x++ {
		for q := 0; q < 2; q++ {
			for r := 0; r < 2; r++ {
				l.cont[x][q][r] = trans[tagOf(pB+r, x)*nTags+tagOf(pI+q, x)]
			}
		}
	}
	for k := range nClosed {
		for j := range nClosed {
			l.fromClosed[k][j] = l.open[j][k]
			l.lead[k][j] = l.open[0][j] - l.open[0][k]
			for s := range nClosed {
				l.lead[k][j] = max(l.lead[k][j], l.open[s][j]-l.open[s][k])
				l.maxOpen = max(l.maxOpen, abs32(l.open[s][j]))
			}
		}
		l.lead[k][k] = float32(math.Inf(-1))
	}
	return &l
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// soleLead returns the closed tag k whose score leads every starter tag
// at a position with closed-tag scores pc, ok false if there is none:
// every other closed tag j is so far below it that pc[j] + open[s][j] <
// pc[k] + open[s][k] for every starter s, by a margin (2^-16 of the
// scores' size) far above the rounding of those float sums. Then
// bestOpen(pc, &open[s]) is (pc[k] + open[s][k], closedTags[k]) without
// comparing the other closed tags.
func (l *lattice) soleLead(pc *[nClosed]float32) (int, bool) {
	k := 0
	for j := 1; j < nClosed; j++ {
		if pc[j] > pc[k] {
			k = j
		}
	}
	top := pc[k]
	bar := top - (abs32(top)+l.maxOpen)*(1.0/(1<<16))
	// lead[k][k] is -Inf: k never fails its own test.
	d := &l.lead[k]
	if pc[0] >= bar-d[0] || pc[1] >= bar-d[1] || pc[2] >= bar-d[2] || pc[3] >= bar-d[3] || pc[4] >= bar-d[4] ||
		pc[5] >= bar-d[5] || pc[6] >= bar-d[6] || pc[7] >= bar-d[7] || pc[8] >= bar-d[8] {
		return 0, false
	}
	return k, true
}

// viterbi is the package viterbi for the fixed shape of the allowed
// transitions: the same additions and comparisons in the same order, so
// the same tags, without the indirections of a general transition list.
func (p *params) viterbi(emit, score []float32, back []int8, tags []int) {
	n := len(tags)
	start := p.trans[nTags*nTags:]
	for c := 0; c < nTags; c++ {
		if allowed(-1, c) {
			score[c] = emit[c] + start[c]
		} else {
			score[c] = negInf
		}
	}
	l := p.lat
	for i := 1; i < n; i++ {
		prev := (*[nTags]float32)(score[(i-1)*nTags:])
		cur := (*[nTags]float32)(score[i*nTags:])
		em := (*[nTags]float32)(emit[i*nTags:])
		bk := (*[nTags]int8)(back[i*nTags:])
		// The closed tags' scores, in closedTags' order.
		pc := [nClosed]float32{prev[0], prev[3], prev[4], prev[7], prev[8], prev[11], prev[12], prev[15], prev[16]}
		if k, ok := l.soleLead(&pc); ok {
			// Every starter tag in starterTags' order, from closed tag k.
			from, o, b := pc[k], &l.fromClosed[k], int8(closedTags[k])
			cur[0], cur[1], cur[4] = from+o[0]+em[0], from+o[1]+em[1], from+o[2]+em[4]
			cur[5], cur[8], cur[9] = from+o[3]+em[5], from+o[4]+em[8], from+o[5]+em[9]
			cur[12], cur[13], cur[16] = from+o[6]+em[12], from+o[7]+em[13], from+o[8]+em[16]
			bk[0], bk[1], bk[4], bk[5], bk[8], bk[9], bk[12], bk[13], bk[16] = b, b, b, b, b, b, b, b, b
		} else {
			for s, c := range starterTags {
				best, arg := bestOpen(&pc, &l.open[s])
				cur[c] = best + em[c]
				bk[c] = int8(arg)
			}
		}
		// I-x and L-x from B-x (b) and I-x (in), the first on a tie, 0
		// if neither is above negInf.
		for x := range nTypes {
			b, in := 1+4*x, 2+4*x
			fromB, fromI, cont := prev[b], prev[in], &l.cont[x]
			best, arg := negInf, 0
			if v := fromB + cont[0][0]; v > best {
				best, arg = v, b
			}
			if v := fromI + cont[0][1]; v > best {
				best, arg = v, in
			}
			cur[in] = best + em[in]
			bk[in] = int8(arg)
			best, arg = negInf, 0
			if v := fromB + cont[1][0]; v > best {
				best, arg = v, b
			}
			if v := fromI + cont[1][1]; v > best {
				best, arg = v, in
			}
			cur[in+1] = best + em[in+1]
			bk[in+1] = int8(arg)
		}
	}
	last := score[(n-1)*nTags : n*nTags]
	best, arg := negInf, 0
	for c := 0; c < nTags; c++ {
		if !allowedEnd(c) || last[c] <= negInf {
			continue
		}
		if v := last[c] + p.end[c]; v > best {
			best, arg = v, c
		}
	}
	tags[n-1] = arg
	for i := n - 1; i > 0; i-- {
		tags[i-1] = int(back[i*nTags+tags[i]])
	}
}

// bestOpen returns the best score of a starter tag given the scores of the
// closed tags pc and the transition scores row from each of them, and the
// closed tag it comes from (the first one on a tie, 0 if none is above
// negInf), like the loop of viterbi over allowedPrev.
func bestOpen(pc, row *[nClosed]float32) (float32, int) {
	best, arg := negInf, 0
	if v := pc[0] + row[0]; v > best {
		best, arg = v, 0
	}
	if v := pc[1] + row[1]; v > best {
		best, arg = v, 3
	}
	if v := pc[2] + row[2]; v > best {
		best, arg = v, 4
	}
	if v := pc[3] + row[3]; v > best {
		best, arg = v, 7
	}
	if v := pc[4] + row[4]; v > best {
		best, arg = v, 8
	}
	if v := pc[5] + row[5]; v > best {
		best, arg = v, 11
	}
	if v := pc[6] + row[6]; v > best {
		best, arg = v, 12
	}
	if v := pc[7] + row[7]; v > best {
		best, arg = v, 15
	}
	if v := pc[8] + row[8]; v > best {
		best, arg = v, 16
	}
	return best, arg
}

// allowedPrev lists, for each tag, the tags that may precede it.
var allowedPrev = func() (tab [nTags][]int8) {
	for c := 0; c < nTags; c++ {
		for p := 0; p < nTags; p++ {
			if allowed(p, c) {
				tab[c] = append(tab[c], int8(p))
			}
		}
	}
	return tab
}()

// spansFromBILOU turns a valid BILOU tag sequence into spans.
func spansFromBILOU(tags []int) []Span {
	var out []Span
	start := -1
	for i, t := range tags {
		if t == 0 {
			start = -1
			continue
		}
		switch tagPrefix(t) {
		case pU:
			out = append(out, Span{Start: i, End: i + 1, Type: types[tagType(t)]})
			start = -1
		case pB:
			start = i
		case pL:
			if start >= 0 {
				out = append(out, Span{Start: start, End: i + 1, Type: types[tagType(t)]})
			}
			start = -1
		}
	}
	return out
}

// bilouFromSpans is the inverse of spansFromBILOU for n tokens.
func bilouFromSpans(spans []Span, n int) []int {
	tags := make([]int, n)
	for _, s := range spans {
		ty := typeIndex(s.Type)
		if ty < 0 || s.Start < 0 || s.End > n || s.Start >= s.End {
			continue
		}
		if s.End-s.Start == 1 {
			tags[s.Start] = tagOf(pU, ty)
			continue
		}
		tags[s.Start] = tagOf(pB, ty)
		for k := s.Start + 1; k < s.End-1; k++ {
			tags[k] = tagOf(pI, ty)
		}
		tags[s.End-1] = tagOf(pL, ty)
	}
	return tags
}

func typeIndex(s string) int {
	for i, t := range types {
		if t == s {
			return i
		}
	}
	return -1
}
