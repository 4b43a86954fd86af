package ner

import (
	"math"
	"math/bits"
	"slices"
)

// slot is one feature of a stage: its key and its quantised weight per
// tag, side by side so that a lookup touches one or two cache lines.
type slot struct {
	key uint64 // 0 marks an empty slot; a key of 0 is stored as 1
	w   [nTags]int16
}

// params are the scores of one stage besides its feature weights: the
// scale of the quantised weights (a weight is its int16 value times
// scale), the transition scores and the number of features.
type params struct {
	scale float32
	trans []float32 // (nTags+1) * nTags; row nTags is the start
	end   []float32 // nTags
	n     int
	lat   *lattice // trans for params.viterbi
}

// featRow is a feature's weights in both stages of a Tagger.
type featRow struct {
	w  [2 * nTags]int16 // stage 1, then stage 2
	in uint8            // bit s is set if the feature belongs to stage s
}

// weights are the parameters of one stage: an open-addressing hash table
// (linear probing, load at most 1/2) from feature key to weights, and the
// transition scores. A weight is its int16 value times scale.
type weights struct {
	slots []slot
	mask  uint64
	n     int
	scale float32
	trans []float32 // (nTags+1) * nTags; row nTags is the start
	end   []float32 // nTags
}

func fixKey(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

// newTable makes an empty table for n features.
func newTable(n int) *weights {
	size := 1 << bits.Len(uint(2*n))
	return &weights{slots: make([]slot, size), mask: uint64(size - 1)}
}

// insert stores the weights of key k, which must not be present.
func (t *weights) insert(k uint64, w *[nTags]int16) {
	k = fixKey(k)
	i := k & t.mask
	for t.slots[i].key != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = slot{key: k, w: *w}
	t.n++
}

// lookup returns the weights of key k, or nil.
func (t *weights) lookup(k uint64) *[nTags]int16 {
	k = fixKey(k)
	i := k & t.mask
	for {
		s := &t.slots[i]
		if s.key == k {
			return &s.w
		}
		if s.key == 0 {
			return nil
		}
		i = (i + 1) & t.mask
	}
}

// quantize builds a table from float weights (rows of nTags), dropping
// features whose weights all round to zero.
func quantize(rows map[uint64]int32, w []float32) *weights {
	maxAbs := float32(0)
	for _, x := range w {
		maxAbs = max(maxAbs, float32(math.Abs(float64(x))))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	keys := make([]uint64, 0, len(rows))
	qs := make([][nTags]int16, 0, len(rows))
	// Sorted keys make the table layout deterministic.
	sorted := make([]uint64, 0, len(rows))
	for k := range rows {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		r := int(rows[k])
		var q [nTags]int16
		nz := false
		for j := 0; j < nTags; j++ {
			v := int16(math.Round(float64(w[r*nTags+j] / scale)))
			q[j] = v
			nz = nz || v != 0
		}
		if nz {
			keys = append(keys, k)
			qs = append(qs, q)
		}
	}
	t := newTable(len(keys))
	t.scale = scale
	for i, k := range keys {
		t.insert(k, &qs[i])
	}
	return t
}

// each calls f for every feature in ascending key order.
func (t *weights) each(f func(k uint64, w *[nTags]int16)) {
	idx := make([]int, 0, t.n)
	for i := range t.slots {
		if t.slots[i].key != 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		ka, kb := t.slots[a].key, t.slots[b].key
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	for _, i := range idx {
		f(t.slots[i].key, &t.slots[i].w)
	}
}
