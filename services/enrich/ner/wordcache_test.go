package ner

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
	"unsafe"
)

// plainFirst is decodeFirst's emission work without the word cache, as
// the tagger did it before the cache: every key of sentenceKeys looked up
// (all of a token's first, touching each row found, then their weights
// added). It fills emit and part like decodeFirst.
func (t *Tagger) plainFirst(s *scratch, at []attr, emit []float32, part []int32) {
	capsLine := isCapsLine(at)
	scale := t.stages[0].scale
	for i := range at {
		s.keys = sentenceKeys(s.keys[:0], at, i, capsLine, t.clusters != nil)
		s.slots = s.slots[:0]
		touch := int16(0)
		for _, k := range s.keys {
			if j := t.feats.find(k); j != nil {
				s.slots = append(s.slots, *j)
				r := &t.rows[*j]
				touch ^= r.w[0] ^ r.w[2*nTags-1]
			}
		}
		s.touch ^= touch
		var acc1, acc2 [nTags]int32
		for _, j := range s.slots {
			addBoth(&acc1, &acc2, &t.rows[j].w)
		}
		for j := range nTags {
			emit[i*nTags+j] = float32(acc1[j]) * scale
		}
		*(*[nTags]int32)(part[i*nTags:]) = acc2
	}
}

// firstSentenceAttrs returns the attributes of the sentences of texts, as
// TagDocument computes them.
func firstSentenceAttrs(tb testing.TB, tg *Tagger, texts []string) [][]attr {
	tb.Helper()
	var out [][]attr
	for _, text := range texts {
		doc := Sentences(text)
		words := make([][]string, len(doc))
		for i, sent := range doc {
			for _, tok := range sent {
				words[i] = append(words[i], tok.Text)
			}
		}
		// A scratch of its own per document: docAttrs reuses its memory.
		out = append(out, tg.docAttrs(newScratch(), words)...)
	}
	return out
}

// TestKeysSplitLikeSentenceKeys checks that a token's own keys, the near
// keys of its neighbours, its context keys and its indexed keys are,
// together, exactly the keys of sentenceKeys, with and without clusters.
func TestKeysSplitLikeSentenceKeys(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tokens := 0
	for _, at := range firstSentenceAttrs(t, tg, equivTexts(t)) {
		capsLine := isCapsLine(at)
		for i := range at {
			for _, useClusters := range []bool{false, true} {
				want := sentenceKeys(nil, at, i, capsLine, useClusters)
				got := ownKeys(nil, &at[i], useClusters)
				for d, g := range map[int]int{-2: nearM2, -1: nearM1, 1: nearP1, 2: nearP2} {
					// Token i reads from its neighbour d places away
					// the near sums of that place.
					if j := i + d; j >= 0 && j < len(at) {
						got = nearKeys(got, &at[j], g, useClusters)
					}
				}
				got = contextKeys(got, at, i, capsLine)
				got = indexedKeys(got, at, i, capsLine)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("token %d of %d (clusters %v): split keys %x, sentenceKeys %x", i, len(at), useClusters, got, want)
				}
			}
			tokens++
		}
	}
	if tokens < 5000 {
		t.Errorf("%d tokens compared; want at least 5,000", tokens)
	}
}

// TestWordCacheSumsExact checks that decodeFirst's emission scores and
// second-stage sums equal those of every key looked up and added, with a
// cache so small that word forms keep replacing each other, and with the
// default size over the same sentences twice (the second time mostly
// hits).
func TestWordCacheSumsExact(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	sents := firstSentenceAttrs(t, tg, equivTexts(t))
	for _, size := range []int{4, wordCacheSize} {
		s := newScratch()
		s.forms = newWordCache(size)
		ref := newScratch()
		for round := range 2 {
			for k, at := range sents {
				n := len(at)
				part := make([]int32, n*nTags)
				tags := make([]int, n)
				tg.decodeFirst(s, at, part, tags)
				wantEmit, wantPart := make([]float32, n*nTags), make([]int32, n*nTags)
				tg.plainFirst(ref, at, wantEmit, wantPart)
				if !slices.Equal(s.emit[:n*nTags], wantEmit) || !slices.Equal(part, wantPart) {
					t.Fatalf("cache size %d, round %d, sentence %d: sums differ from the plain lookups", size, round, k)
				}
			}
		}
		c := s.forms
		t.Logf("cache size %d: %d hits, %d misses", size, c.hits, c.misses)
		if c.misses == 0 || (size == wordCacheSize && c.hits < c.misses) {
			t.Errorf("cache size %d: %d hits, %d misses: the test did not exercise both paths", size, c.hits, c.misses)
		}
	}
}

func TestWordEntrySize(t *testing.T) {
	// The README and wordCacheSize's comment state the cache's bound.
	if got := unsafe.Sizeof(wordEntry{}); got != 784 {
		t.Errorf("wordEntry is %d bytes; update the stated bound", got)
	}
}

// BenchmarkFirstStageCorpus compares, in one process and alternating, the
// first stage's emission work with the word cache (decodeFirst without its
// Viterbi share is not separable, so decodeFirst whole) against every key
// looked up (plainFirst plus the same Viterbi), over the BBC corpus given
// by NEWSFLOW_BBC (a folder of .txt files; skipped without it). Each
// iteration is one pass of each over the corpus; the ratio is reported.
func BenchmarkFirstStageCorpus(b *testing.B) {
	dir := os.Getenv("NEWSFLOW_BBC")
	if dir == "" {
		b.Skip("NEWSFLOW_BBC not set")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
	if err != nil || len(files) == 0 {
		b.Fatalf("%s: %v, %d files", dir, err, len(files))
	}
	tg, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, string(raw))
	}
	sents := firstSentenceAttrs(b, tg, texts)
	s := newScratch()
	var cached, plain time.Duration
	b.ResetTimer()
	for range b.N {
		c0 := cpuTime()
		for _, at := range sents {
			n := len(at)
			s.part = grow(s.part, n*nTags)
			tags := make([]int, n)
			tg.decodeFirst(s, at, s.part, tags)
		}
		c1 := cpuTime()
		for _, at := range sents {
			n := len(at)
			s.part = grow(s.part, n*nTags)
			s.emit = grow(s.emit, n*nTags)
			tags := make([]int, n)
			tg.plainFirst(s, at, s.emit, s.part)
			s.score = grow(s.score, n*nTags)
			s.back = grow(s.back, n*nTags)
			tg.stages[0].viterbi(s.emit, s.score, s.back, tags)
		}
		c2 := cpuTime()
		cached += c1 - c0
		plain += c2 - c1
	}
	b.ReportMetric(plain.Seconds()/cached.Seconds(), "plain/cached")
	b.ReportMetric(float64(s.forms.hits)/float64(s.forms.hits+s.forms.misses), "hit-rate")
}
