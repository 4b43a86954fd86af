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
	// Folds is the number of jackknife folds used to produce the
	// first-stage tags the second stage is trained on; 0 or 1 trains a
	// single-stage tagger.
	Folds int
	// Lexicon, if set, is the gazetteer the tagger uses as features. It is
	// stored in the weights file.
	Lexicon []LexiconEntry
	// Restarts averages the weights of this many perceptron runs with
	// different shuffling seeds for each of the two final stages (not for
	// the jackknife folds), which lowers the variance of the result.
	Restarts int
	// Logf, if set, receives progress lines.
	Logf func(format string, args ...any)
}

// keyedSent is a training sentence: feature keys per token and gold tags.
type keyedSent struct {
	keys []uint64
	off  []int32 // token i has keys[off[i]:off[i+1]]
	gold []int
}

// trainDoc is a training document with its token attributes.
type trainDoc struct {
	attrs [][]attr
	gold  [][]int
}

// Train fits the tagger to the documents: an averaged structured
// perceptron for the first stage and, with Folds > 1, a second stage
// trained on jackknifed first-stage tags (each fold tagged by a model
// trained on the other folds). Training is deterministic for given
// documents and options.
func Train(ctx context.Context, docs []Document, opt TrainOptions) (*Tagger, error) {
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	if opt.Epochs <= 0 {
		opt.Epochs = 10
	}
	if opt.MinCount <= 0 {
		opt.MinCount = 1
	}
	t := &Tagger{}
	if len(opt.Lexicon) > 0 {
		t.gaz = buildGaz(opt.Lexicon)
		opt.Logf("gazetteer: %d entries, %d phrases and prefixes", len(opt.Lexicon), t.gaz.len())
	}
	tdocs := make([]trainDoc, len(docs))
	for i, d := range docs {
		words := make([][]string, len(d.Sentences))
		gold := make([][]int, len(d.Sentences))
		for j, st := range d.Sentences {
			words[j] = st.Words
			gold[j] = bilouFromSpans(SpansFromTags(st.Tags), len(st.Words))
		}
		attrs := t.docAttrs(newScratch(), words)
		tdocs[i] = trainDoc{attrs: attrs, gold: gold}
	}
	keyed := func(idx []int, stage2 bool) []keyedSent {
		var out []keyedSent
		for _, i := range idx {
			for j, at := range tdocs[i].attrs {
				k := keyedSent{gold: tdocs[i].gold[j], off: []int32{0}}
				capsLine := isCapsLine(at)
				for p := range at {
					k.keys = sentenceKeys(k.keys, at, p, capsLine, t.clusters != nil)
					if stage2 {
						k.keys = stage2Keys(k.keys, at, p)
					}
					k.off = append(k.off, int32(len(k.keys)))
				}
				out = append(out, k)
			}
		}
		return out
	}
	all := make([]int, len(tdocs))
	for i := range all {
		all[i] = i
	}
	first, err := trainStage(ctx, keyed(all, false), opt)
	if err != nil {
		return nil, err
	}
	if opt.Folds <= 1 {
		if err := t.setStages([]stageRows{rowsOf(first)}); err != nil {
			return nil, err
		}
		return t, nil
	}
	// Jackknife: tag each fold with a first stage trained on the others.
	foldOpt := opt
	foldOpt.Restarts = 1
	firstTags := make([][][]int, len(tdocs))
	s := newScratch()
	for f := 0; f < opt.Folds; f++ {
		var in, out []int
		for i := range tdocs {
			if i%opt.Folds == f {
				out = append(out, i)
			} else {
				in = append(in, i)
			}
		}
		opt.Logf("fold %d/%d: training on %d documents", f+1, opt.Folds, len(in))
		w, err := trainStage(ctx, keyed(in, false), foldOpt)
		if err != nil {
			return nil, err
		}
		for _, i := range out {
			for _, at := range tdocs[i].attrs {
				firstTags[i] = append(firstTags[i], w.decodeSentence(s, at, t.clusters != nil, false))
			}
		}
	}
	for i := range tdocs {
		s.hist = fillHist(tdocs[i].attrs, firstTags[i], s.hist)
	}
	opt.Logf("second stage")
	second, err := trainStage(ctx, keyed(all, true), opt)
	if err != nil {
		return nil, err
	}
	if err := t.setStages([]stageRows{rowsOf(first), rowsOf(second)}); err != nil {
		return nil, err
	}
	return t, nil
}

// trainSent is a sentence prepared for training: feature rows per token
// and gold tags.
type trainSent struct {
	feats []int32 // rows of all tokens, concatenated
	off   []int32 // token i has feats[off[i]:off[i+1]]
	gold  []int
}

// trainStage fits the weights of one stage with the averaged structured
// perceptron.
func trainStage(ctx context.Context, sents []keyedSent, opt TrainOptions) (*weights, error) {
	counts := make(map[uint64]int32)
	for _, k := range sents {
		for _, key := range k.keys {
			counts[key]++
		}
	}
	// Intern features seen at least MinCount times, in first-seen order so
	// row numbers are deterministic.
	rows := make(map[uint64]int32)
	train := make([]trainSent, len(sents))
	for i, k := range sents {
		ts := trainSent{gold: k.gold, off: make([]int32, len(k.off))}
		for j := 0; j+1 < len(k.off); j++ {
			ts.off[j] = int32(len(ts.feats))
			for _, key := range k.keys[k.off[j]:k.off[j+1]] {
				if counts[key] < int32(opt.MinCount) {
					continue
				}
				r, ok := rows[key]
				if !ok {
					r = int32(len(rows))
					rows[key] = r
				}
				ts.feats = append(ts.feats, r)
			}
		}
		ts.off[len(k.off)-1] = int32(len(ts.feats))
		train[i] = ts
	}
	opt.Logf("%d sentences, %d features kept of %d", len(train), len(rows), len(counts))
	counts = nil

	restarts := max(opt.Restarts, 1)
	var w, trans, end []float32
	for r := 0; r < restarts; r++ {
		rw, rt, re, err := perceptron(ctx, train, len(rows), opt.Seed+uint64(r)*1000003, opt)
		if err != nil {
			return nil, err
		}
		if r == 0 {
			w, trans, end = rw, rt, re
			continue
		}
		for _, p := range [][2][]float32{{w, rw}, {trans, rt}, {end, re}} {
			for i := range p[0] {
				p[0][i] += p[1][i]
			}
		}
	}
	for _, v := range [][]float32{w, trans, end} {
		for i := range v {
			v[i] /= float32(restarts)
		}
	}
	st := quantize(rows, w)
	opt.Logf("%d features with non-zero weights", st.n)
	st.trans, st.end = trans, end
	return st, nil
}

// perceptron runs the averaged structured perceptron over the prepared
// sentences, shuffled with seed, and returns the averaged emission weights
// (nrows*nTags), transition and end scores.
func perceptron(ctx context.Context, train []trainSent, nrows int, seed uint64, opt TrainOptions) (avgW, avgTrans, avgEnd []float32, err error) {
	nw := nrows * nTags
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
	rng := rand.New(rand.NewPCG(seed, 0x6e6572))
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
		opt.Logf("epoch %d: token error rate %.4f", ep+1, float64(errs)/float64(max(toks, 1)))
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
	}
	avg := func(w []float32, u []float64) []float32 {
		out := make([]float32, len(w))
		for i := range w {
			out[i] = float32(float64(w[i]) - u[i]/c)
		}
		return out
	}
	return avg(w, u), avg(trans, transU), avg(end, endU), nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// String describes the model size.
func (t *Tagger) String() string {
	n := 0
	for _, p := range t.stages {
		n += p.n
	}
	return fmt.Sprintf("ner.Tagger{stages: %d, features: %d, clusters: %d, gazetteer: %d}",
		len(t.stages), n, t.clusters.len(), t.gaz.len())
}
