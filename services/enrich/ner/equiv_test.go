package ner

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// refTagger tags as the tagger did before its feature weights moved into
// one table for both stages: a separate per-stage table (the training
// representation, weights), one pass of feature keys and lookups per
// stage, Viterbi as a plain loop over allowed(prev, cur), and document
// casing and tag history in maps keyed by word hash. It is the reference
// the fast path must agree with tag for tag.
type refTagger struct {
	t             *Tagger // for docAttrs: clusters and gazetteer
	first, second *weights
}

func newRefTagger(tb testing.TB) *refTagger {
	tb.Helper()
	t, stages, err := readWeights(bytes.NewReader(embedded), 0)
	if err != nil {
		tb.Fatal(err)
	}
	ref := &refTagger{t: t}
	for i, st := range stages {
		w := newTable(len(st.keys))
		w.scale, w.trans, w.end = st.scale, st.trans, st.end
		for j, k := range st.keys {
			if w.lookup(k) != nil {
				tb.Fatalf("stage %d: duplicate key %x", i, k)
			}
			w.insert(k, &st.rows[j])
		}
		if i == 0 {
			ref.first = w
		} else {
			ref.second = w
		}
	}
	return ref
}

func (r *refTagger) tagDocument(doc [][]Token) [][]Span {
	words := make([][]string, len(doc))
	for i, sent := range doc {
		for _, tok := range sent {
			words[i] = append(words[i], tok.Text)
		}
	}
	attrs := refDocAttrs(r.t, words)
	useClusters := r.t.clusters != nil
	tags := make([][]int, len(doc))
	for i, at := range attrs {
		tags[i] = refDecode(r.first, at, useClusters, false)
	}
	if r.second != nil {
		refFillHist(attrs, tags, make(map[uint64][nTags]uint16))
		for i, at := range attrs {
			tags[i] = refDecode(r.second, at, useClusters, true)
		}
	}
	out := make([][]Span, len(doc))
	for i := range tags {
		out[i] = spansFromBILOU(tags[i])
	}
	return out
}

func refDecode(w *weights, at []attr, useClusters, stage2 bool) []int {
	n := len(at)
	if n == 0 {
		return nil
	}
	capsLine := isCapsLine(at)
	emit := make([]float32, n*nTags)
	var keys []uint64
	for i := range at {
		keys = sentenceKeys(keys[:0], at, i, capsLine, useClusters)
		if stage2 {
			keys = stage2Keys(keys, at, i)
		}
		var acc [nTags]int32
		for _, k := range keys {
			if row := w.lookup(k); row != nil {
				for j := range acc {
					acc[j] += int32(row[j])
				}
			}
		}
		for j := range acc {
			emit[i*nTags+j] = float32(acc[j]) * w.scale
		}
	}
	return refViterbi(emit, w.trans, w.end, n)
}

// refViterbi is the decoder in its plainest form.
func refViterbi(emit, trans, end []float32, n int) []int {
	score := make([]float32, n*nTags)
	back := make([]int, n*nTags)
	start := trans[nTags*nTags:]
	for c := 0; c < nTags; c++ {
		score[c] = negInf
		if allowed(-1, c) {
			score[c] = emit[c] + start[c]
		}
	}
	for i := 1; i < n; i++ {
		for c := 0; c < nTags; c++ {
			best, arg := negInf, 0
			for p := 0; p < nTags; p++ {
				if !allowed(p, c) {
					continue
				}
				if v := score[(i-1)*nTags+p] + trans[p*nTags+c]; v > best {
					best, arg = v, p
				}
			}
			score[i*nTags+c] = best + emit[i*nTags+c]
			back[i*nTags+c] = arg
		}
	}
	best, arg := negInf, 0
	for c := 0; c < nTags; c++ {
		last := score[(n-1)*nTags+c]
		if !allowedEnd(c) || last <= negInf {
			continue
		}
		if v := last + end[c]; v > best {
			best, arg = v, c
		}
	}
	tags := make([]int, n)
	tags[n-1] = arg
	for i := n - 1; i > 0; i-- {
		tags[i-1] = back[i*nTags+tags[i]]
	}
	return tags
}

// equivTexts are our own documents: the benchmark article, the enrich
// fixtures, and documents made from their words shuffled, with some lines
// in capitals or title case, so that many feature combinations, document
// casing and second-stage histories occur.
func equivTexts(tb testing.TB) []string {
	tb.Helper()
	raw, err := os.ReadFile("testdata/article.txt")
	if err != nil {
		tb.Fatal(err)
	}
	texts := []string{string(raw)}
	files, err := filepath.Glob("../testdata/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("enrich fixtures: %v, %d files", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var fx struct{ Title, Body string }
		if err := json.Unmarshal(b, &fx); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		texts = append(texts, fx.Title+"\n\n"+fx.Body)
	}
	var words []string
	for _, t := range texts {
		words = append(words, strings.Fields(t)...)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for d := 0; d < 150; d++ {
		var b strings.Builder
		for l := 0; l < 2+rng.IntN(8); l++ {
			line := make([]string, 3+rng.IntN(30))
			for k := range line {
				line[k] = words[rng.IntN(len(words))]
			}
			switch rng.IntN(6) {
			case 0:
				for k := range line {
					line[k] = strings.ToUpper(line[k])
				}
			case 1:
				for k := range line {
					r := []rune(line[k])
					r[0] = unicode.ToUpper(r[0])
					line[k] = string(r)
				}
			}
			b.WriteString(strings.Join(line, " "))
			b.WriteString(".\n")
		}
		texts = append(texts, b.String())
	}
	return texts
}

// TestTagDocumentMatchesReference checks that the shared two-stage table,
// the single lookup per feature and the specialised Viterbi give exactly
// the tags of the reference decoder, sentence by sentence, for whole
// documents and for sentences tagged alone.
func TestTagDocumentMatchesReference(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ref := newRefTagger(t)
	spans, sents := 0, 0
	for i, text := range equivTexts(t) {
		doc := Sentences(text)
		got, want := tg.TagDocument(doc), ref.tagDocument(doc)
		for j := range doc {
			sents++
			spans += len(want[j])
			if g, w := fmt.Sprint(got[j]), fmt.Sprint(want[j]); g != w {
				t.Errorf("text %d sentence %d %q:\ngot  %s\nwant %s", i, j, texts(doc[j]), g, w)
			}
			if g, w := fmt.Sprint(tg.Tag(doc[j])), fmt.Sprint(ref.tagDocument(doc[j : j+1])[0]); g != w {
				t.Errorf("text %d sentence %d alone:\ngot  %s\nwant %s", i, j, g, w)
			}
		}
	}
	// The comparison means something only if the texts have entities.
	if sents < 500 || spans < 500 {
		t.Errorf("%d sentences with %d spans compared; want at least 500 of each", sents, spans)
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(bytes.NewReader(embedded), int(binary.LittleEndian.Uint32(embedded[len(embedded)-4:]))); err != nil {
			b.Fatal(err)
		}
	}
}

// TestViterbiShape checks the tag lists the specialised Viterbi relies on
// against allowed.
func TestViterbiShape(t *testing.T) {
	isClosed := map[int]bool{}
	for _, p := range closedTags {
		isClosed[p] = true
	}
	isStarter := map[int]bool{}
	for _, c := range starterTags {
		isStarter[c] = true
	}
	for c := 0; c < nTags; c++ {
		for p := 0; p < nTags; p++ {
			var want bool
			switch {
			case isStarter[c]:
				want = isClosed[p]
			default: // I-x or L-x
				want = tagType(p) == tagType(c) && p > 0 && (tagPrefix(p) == pB || tagPrefix(p) == pI)
			}
			if got := allowed(p, c); got != want {
				t.Errorf("allowed(%d, %d) = %v, the specialised Viterbi assumes %v", p, c, got, want)
			}
		}
	}
	for c := 0; c < nTags; c++ {
		if isStarter[c] == (c > 0 && (tagPrefix(c) == pI || tagPrefix(c) == pL)) {
			t.Errorf("tag %d: starter %v", c, isStarter[c])
		}
	}
}

// The document-level passes as they were with Go maps keyed by word hash,
// before words got ids.

// refFillHist is fillHist with a map.
func refFillHist(doc [][]attr, tags [][]int, hist map[uint64][nTags]uint16) {
	clear(hist)
	for i, at := range doc {
		for j := range at {
			at[j].s1 = uint8(tags[i][j])
			if at[j].flags&fNoLetter != 0 {
				continue
			}
			h := hist[at[j].lower]
			h[tags[i][j]]++
			hist[at[j].lower] = h
		}
	}
	for i, at := range doc {
		for j := range at {
			a := &at[j]
			a.histMask, a.histMaj = 0, histNone
			if a.flags&fNoLetter != 0 {
				continue
			}
			h := hist[a.lower]
			h[tags[i][j]]--
			a.setHist(&h)
		}
	}
}

// refDocAttrs is Tagger.docAttrs with a map for document casing.
func refDocAttrs(t *Tagger, doc [][]string) [][]attr {
	casing := make(map[uint64][3]uint16)
	n := 0
	for _, sent := range doc {
		n += len(sent)
	}
	out := t.sentenceAttrs(make([][]attr, len(doc)), make([]attr, n), doc)
	clear(casing)
	title := titleHeadlines && len(doc) > 1 && isTitleLine(doc[0])
	refFillDocCase(out, casing, title)
	if title && refLowerElsewhere(out[0], casing) {
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
	}
	clear(casing)
	refFillDocCase(out, casing, false)
	return out
}

// refLowerElsewhere is lowerElsewhere with a map.
func refLowerElsewhere(at []attr, casing map[uint64][3]uint16) bool {
	long, lower := 0, 0
	for j := range at {
		a := &at[j]
		if a.nrunes < 4 || a.flags&fInitUpper == 0 {
			continue
		}
		long++
		if casing[a.lower][0] > 0 {
			lower++
		}
	}
	return lower >= 2 && lower*10 >= long*3
}

// refFillDocCase is fillDocCase with a map.
func refFillDocCase(doc [][]attr, casing map[uint64][3]uint16, skipFirst bool) {
	for i, at := range doc {
		if isCapsLine(at) || i == 0 && skipFirst {
			continue
		}
		for j := 1; j < len(at); j++ {
			a := &at[j]
			if a.flags&fNoLetter != 0 {
				continue
			}
			c := casing[a.lower]
			switch {
			case a.flags&fAllUpper != 0 && a.nrunes > 1:
				c[2]++
			case a.flags&fInitUpper != 0:
				c[1]++
			case a.flags&fHasLower != 0:
				c[0]++
			}
			casing[a.lower] = c
		}
	}
	for _, at := range doc {
		for j := range at {
			c, ok := casing[at[j].lower]
			var cls uint8 = caseUnseen
			if ok {
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
			}
			at[j].docCase = cls
		}
	}
}

// The specialised Viterbi, with its short cut where one closed tag leads
// every starter tag (soleLead), finds the scores, back pointers and tags
// of the textbook one over the allowed transitions, on random emissions
// of both stages' size, spread from near ties (sums of a few weights) to
// one tag far ahead.
func TestViterbiLikeTextbook(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	short := 0
	for _, p := range tg.stages {
		for round := range 3000 {
			n := 1 + r.IntN(40)
			spread := []float32{0.01, 1, 30}[round%3]
			emit := make([]float32, n*nTags)
			for i := range emit {
				// A few distinct values make exact ties likely.
				emit[i] = float32(r.IntN(7)-3) * spread * p.scale * 100
			}
			score, back, tags := make([]float32, n*nTags), make([]int8, n*nTags), make([]int, n)
			wscore, wback, wtags := make([]float32, n*nTags), make([]int8, n*nTags), make([]int, n)
			p.viterbi(emit, score, back, tags)
			viterbi(emit, p.trans, p.end, wscore, wback, wtags)
			if !slices.Equal(tags, wtags) || !slices.Equal(score, wscore) || !slices.Equal(back[nTags:], wback[nTags:]) {
				t.Fatalf("round %d: tags %v, want %v", round, tags, wtags)
			}
			for i := 1; i < n; i++ {
				var pc [nClosed]float32
				for k, c := range closedTags {
					pc[k] = score[(i-1)*nTags+c]
				}
				if _, ok := p.lat.soleLead(&pc); ok {
					short++
				}
			}
		}
	}
	if short == 0 {
		t.Error("no position took the short cut")
	}
}

// denseFirst orders rows as a stable sort by decreasing count of non-zero
// weights does.
func TestDenseFirstLikeStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	rows := make([]featRow, 5000)
	for i := range rows {
		for j := range rows[i].w {
			if r.IntN(3) == 0 {
				rows[i].w[j] = int16(r.IntN(5) - 2)
			}
		}
	}
	rows[0].w = [2 * nTags]int16{}
	for j := range rows[1].w {
		rows[1].w[j] = 1
	}
	nonZero := func(i int32) int {
		n := 0
		for _, v := range rows[i].w {
			if v != 0 {
				n++
			}
		}
		return n
	}
	want := make([]int32, len(rows))
	for i := range want {
		want[i] = int32(i)
	}
	slices.SortStableFunc(want, func(a, b int32) int { return nonZero(b) - nonZero(a) })
	if got := denseFirst(rows); !slices.Equal(got, want) {
		t.Errorf("denseFirst differs from the stable sort: first rows %v, want %v", got[:10], want[:10])
	}
}
