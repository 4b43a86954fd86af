package ner

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// TrainOptions control Train.
type TrainOptions struct {
	// Epochs is the number of passes over the training sentences.
	Epochs int
	// Seed fixes the shuffling of sentences, so training is deterministic.
	Seed uint64
	// MinCount drops features seen fewer times in the training data.
	MinCount int
	// Logf, if set, receives progress lines.
	Logf func(format string, args ...any)
}

// trainSent is a sentence prepared for training: feature rows per token
// and gold tags.
type trainSent struct {
	feats []int32 // rows of all tokens, concatenated
	off   []int32 // token i has feats[off[i]:off[i+1]]
	gold  []int
}

// Train fits an averaged structured perceptron to the documents. Training
// is deterministic for given documents and options.
func Train(ctx context.Context, docs []Document, opt TrainOptions) (*Tagger, error) {
	logf := opt.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opt.Epochs <= 0 {
		opt.Epochs = 10
	}
	if opt.MinCount <= 0 {
		opt.MinCount = 1
	}
	t := &Tagger{}
	// Pass 1: keys per token, and key counts.
	type keyed struct {
		keys []uint64
		off  []int32
		gold []int
	}
	var sents []keyed
	counts := make(map[uint64]int32)
	s := &scratch{casing: make(map[uint64][3]uint16)}
	for _, d := range docs {
		words := make([][]string, len(d.Sentences))
		for i, st := range d.Sentences {
			words[i] = st.Words
		}
		attrs := t.docAttrs(s, words)
		for i, st := range d.Sentences {
			k := keyed{gold: bilouFromSpans(SpansFromTags(st.Tags), len(st.Words))}
			capsLine := isCapsLine(attrs[i])
			k.off = append(k.off, 0)
			for j := range attrs[i] {
				k.keys = sentenceKeys(k.keys, attrs[i], j, capsLine, t.clusters != nil)
				k.off = append(k.off, int32(len(k.keys)))
			}
			for _, key := range k.keys {
				counts[key]++
			}
			sents = append(sents, k)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	// Intern features seen at least MinCount times, in first-seen order so
	// row numbers are deterministic.
	t.rows = make(map[uint64]int32)
	train := make([]trainSent, len(sents))
	for i, k := range sents {
		ts := trainSent{gold: k.gold, off: make([]int32, len(k.off))}
		for j := 0; j+1 < len(k.off); j++ {
			ts.off[j] = int32(len(ts.feats))
			for _, key := range k.keys[k.off[j]:k.off[j+1]] {
				if counts[key] < int32(opt.MinCount) {
					continue
				}
				r, ok := t.rows[key]
				if !ok {
					r = int32(len(t.rows))
					t.rows[key] = r
				}
				ts.feats = append(ts.feats, r)
			}
		}
		ts.off[len(k.off)-1] = int32(len(ts.feats))
		train[i] = ts
	}
	logf("%d sentences, %d features kept of %d", len(train), len(t.rows), len(counts))
	sents, counts = nil, nil

	nw := len(t.rows) * nTags
	w := make([]float32, nw)
	u := make([]float64, nw) // sum of c*update, for averaging
	trans := make([]float32, (nTags+1)*nTags)
	transU := make([]float64, len(trans))
	end := make([]float32, nTags)
	endU := make([]float64, nTags)
	c := 1.0

	order := make([]int, len(train))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6e6572))
	var emit, score []float32
	var back []int8
	var pred []int
	for ep := 0; ep < opt.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		errs, toks := 0, 0
		for _, si := range order {
			ts := &train[si]
			n := len(ts.gold)
			if n == 0 {
				continue
			}
			emit = grow(emit, n*nTags)
			score = grow(score, n*nTags)
			back = grow(back, n*nTags)
			pred = grow(pred, n)
			clear(emit)
			for i := 0; i < n; i++ {
				e := emit[i*nTags : (i+1)*nTags]
				for _, r := range ts.feats[ts.off[i]:ts.off[i+1]] {
					row := w[int(r)*nTags : int(r)*nTags+nTags]
					for j := range e {
						e[j] += row[j]
					}
				}
			}
			viterbi(emit, trans, end, score, back, pred)
			toks += n
			for i := 0; i < n; i++ {
				g, p := ts.gold[i], pred[i]
				if g != p {
					errs++
					for _, r := range ts.feats[ts.off[i]:ts.off[i+1]] {
						w[int(r)*nTags+g]++
						u[int(r)*nTags+g] += c
						w[int(r)*nTags+p]--
						u[int(r)*nTags+p] -= c
					}
				}
				gp, pp := nTags, nTags
				if i > 0 {
					gp, pp = ts.gold[i-1], pred[i-1]
				}
				if gp != pp || g != p {
					trans[gp*nTags+g]++
					transU[gp*nTags+g] += c
					trans[pp*nTags+p]--
					transU[pp*nTags+p] -= c
				}
			}
			if g, p := ts.gold[n-1], pred[n-1]; g != p {
				end[g]++
				endU[g] += c
				end[p]--
				endU[p] -= c
			}
			c++
		}
		logf("epoch %d: token error rate %.4f", ep+1, float64(errs)/float64(max(toks, 1)))
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	avg := func(w []float32, u []float64) []float32 {
		out := make([]float32, len(w))
		for i := range w {
			out[i] = float32(float64(w[i]) - u[i]/c)
		}
		return out
	}
	t.w = avg(w, u)
	t.trans = avg(trans, transU)
	t.end = avg(end, endU)
	return t, nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// String describes the model size.
func (t *Tagger) String() string {
	return fmt.Sprintf("ner.Tagger{features: %d, clusters: %d, gazetteer: %d}", len(t.rows), len(t.clusters), len(t.gaz))
}
