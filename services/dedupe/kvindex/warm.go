package kvindex

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// The articles last spilled to the store keep their sketches in memory,
// behind the recent tier: a lookup reads the sketches of its first
// MaxCandidates holders, ties newest first, so the holders of a common
// phrase's band key that it reads are the newest ones, wherever the
// others lie in the window. Without this, each was a DB.Get of a blob
// value that the block cache seldom held.

// warmPerSpill sizes the warm sketches: the articles of this many
// spills (StoreOptions.RecentArticles each), about 1.3 KB each.
const warmPerSpill = 4

// warmArticle is an article whose sketch is held after its spill.
type warmArticle struct {
	seq    uint64
	id     string
	sketch []byte // packSketch
}

// warmSketches holds the newest spilled articles' ids and sketches,
// oldest first, at most max of them. The localIndex's tier lock guards
// arts.
type warmSketches struct {
	arts         []warmArticle
	max          int
	hits, misses atomic.Int64 // candidates' sketches read here, and from the store
}

// add appends the articles spilled (oldest first, after every article
// held) and drops the oldest beyond max.
func (w *warmSketches) add(spilled []recentArticle) {
	for _, a := range spilled {
		w.arts = append(w.arts, warmArticle{seq: a.seq, id: a.id, sketch: a.sketch})
	}
	if over := len(w.arts) - w.max; over > 0 {
		clear(w.arts[:over])
		w.arts = w.arts[over:] // append moves the rest to a new array when it fills
	}
}

// get returns the article at seq, if held.
func (w *warmSketches) get(seq uint64) (warmArticle, bool) {
	i, ok := slices.BinarySearchFunc(w.arts, seq, func(a warmArticle, s uint64) int { return cmp.Compare(a.seq, s) })
	if !ok {
		return warmArticle{}, false
	}
	return w.arts[i], true
}

// read counts a lookup's candidates' sketches read here and from the
// store.
func (w *warmSketches) read(warm, cold int) {
	w.hits.Add(int64(warm))
	w.misses.Add(int64(cold))
}
