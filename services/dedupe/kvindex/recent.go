package kvindex

// The newest articles of the local index are held in memory, in front of
// the store: a lookup follows their band keys in maps instead of seeking
// the store's memtable and tables, and the follower writes them to the
// store in one batch per spill instead of one per message. Most copies
// are of recent articles, and most band keys of a new article are held
// by no recent article, so the store is only asked for older holders.
//
// The recent tier holds between StoreOptions.RecentArticles and twice as
// many articles (the oldest half is spilled when it is full): about 3 KB
// each, the packed sketch included. It is not durable: the store records
// the last message it holds, and a replica that restarts follows the log
// from there, so it applies at most twice RecentArticles messages again.

// recentArticle is an article of the recent tier.
type recentArticle struct {
	seq uint64 // band log sequence
	storedArticle
	// older holds, per band, the number of the next older recent article
	// holding the same band key (0: none in the tier).
	older []uint32
}

// recentTier holds the newest articles: per band, a band key's low 32
// bits -> its newest holder, whose older links chain the other holders.
// Articles are numbered in log order from 1; arts[i] is article first+i.
type recentTier struct {
	heads []map[uint32]uint32
	byID  map[string]uint32
	arts  []recentArticle
	first uint32
}

func newRecentTier() recentTier {
	return recentTier{byID: map[string]uint32{}, first: 1}
}

func (r *recentTier) get(n uint32) *recentArticle {
	if n < r.first || n-r.first >= uint32(len(r.arts)) {
		return nil
	}
	return &r.arts[n-r.first]
}

// add appends the article of the message at seq.
func (r *recentTier) add(seq uint64, a storedArticle) {
	for len(r.heads) < len(a.keys) {
		r.heads = append(r.heads, map[uint32]uint32{})
	}
	n := r.first + uint32(len(r.arts))
	ra := recentArticle{seq: seq, storedArticle: a, older: make([]uint32, len(a.keys))}
	for i, k := range a.keys {
		ra.older[i] = r.heads[i][k]
		r.heads[i][k] = n
	}
	r.arts = append(r.arts, ra)
	r.byID[a.id] = n
}

// holders calls fn with the recent articles holding key in band, newest
// first, until fn returns false.
func (r *recentTier) holders(band int, key uint32, fn func(*recentArticle) bool) {
	if band >= len(r.heads) {
		return
	}
	for n := r.heads[band][key]; n != 0; {
		a := r.get(n)
		if a == nil || !fn(a) {
			return
		}
		n = a.older[band]
	}
}

// dropFront drops the oldest n articles.
func (r *recentTier) dropFront(n int) {
	for i := range n {
		a := &r.arts[i]
		num := r.first + uint32(i)
		for band, k := range a.keys {
			// The head is the newest holder of the key: if it leaves,
			// every older one in its chain has left too.
			if r.heads[band][k] == num {
				delete(r.heads[band], k)
			}
		}
		if r.byID[a.id] == num {
			delete(r.byID, a.id)
		}
		*a = recentArticle{}
	}
	if n == 0 {
		return
	}
	r.arts = r.arts[n:]
	r.first += uint32(n)
	if cap(r.arts) > 1024 && len(r.arts) < cap(r.arts)/4 {
		r.arts = append(make([]recentArticle, 0, 2*len(r.arts)), r.arts...)
	}
}
