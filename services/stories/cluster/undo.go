package cluster

import (
	"errors"
	"slices"
)

// A tentative batch. A replica that appends several decisions as one log
// message decides them in order, each seeing the ones before it, so it
// applies each decision before it decides the next, before it knows
// whether the append will succeed. Begin opens a journal; from then on
// every change Apply makes (to a story, a posting list, a document
// frequency, the article map, arrivals, merges, expiry) first records
// the old value, once per batch. Commit drops the journal; Rollback
// writes the old values back, which leaves the state exactly as it was
// at Begin. Nothing is undone by arithmetic: centroid sums and pruning
// lose information, so old values are copies.
//
// A story is copied whole the first time the batch changes it (its
// entities and postings cloned, since they change in place; its outlets
// and languages only grow by append, and centroid vectors are shared,
// because add, merge, prune and close build new vectors and never write
// into one in place), and written back into the same *story, so the
// posting lists that point to it stay valid.

// ErrBatch means Begin, Commit or Rollback was called out of turn.
var ErrBatch = errors.New("tentative batch out of turn")

type journal struct {
	seq, docs, evicted uint64
	index, dfSlots     int
	clock              int64
	arrivals           []arrival
	arrivalsCopied     bool

	stories   map[*story]story
	ids       map[string]slot[*story]
	postings  map[uint64]postingSlot
	saturated map[uint64]bool
	df        map[uint64]uint32 // 0: the term was not counted
	articles  map[string]slot[string]
	merged    map[string]slot[string]
	dirty     map[string]bool
}

// slot is a map entry's old value and whether it was there.
type slot[V any] struct {
	v  V
	ok bool
}

// Begin opens a tentative batch: until Commit or Rollback, Apply records
// what it changes.
func (s *State) Begin() error {
	if s.undo != nil {
		return ErrBatch
	}
	s.undo = &journal{
		seq: s.seq, index: s.index, docs: s.docs, evicted: s.evicted, clock: s.clock, dfSlots: s.df.slots(),
		arrivals:  s.arrivals,
		stories:   map[*story]story{},
		ids:       map[string]slot[*story]{},
		postings:  map[uint64]postingSlot{},
		saturated: map[uint64]bool{},
		df:        map[uint64]uint32{},
		articles:  map[string]slot[string]{},
		merged:    map[string]slot[string]{},
		dirty:     map[string]bool{},
	}
	return nil
}

// Commit keeps the batch's changes.
func (s *State) Commit() error {
	if s.undo == nil {
		return ErrBatch
	}
	s.undo = nil
	return nil
}

// Rollback undoes every change since Begin.
func (s *State) Rollback() error {
	j := s.undo
	if j == nil {
		return ErrBatch
	}
	s.undo = nil
	s.seq, s.index, s.docs, s.evicted, s.clock = j.seq, j.index, j.docs, j.evicted, j.clock
	s.arrivals = j.arrivals
	for st, old := range j.stories {
		*st = old
	}
	restore(s.stories, j.ids)
	for t, old := range j.postings {
		s.postings.set(t, old)
	}
	for t, was := range j.saturated {
		if was {
			s.saturated[t] = true
		} else {
			delete(s.saturated, t)
		}
	}
	for t, old := range j.df {
		s.df.set(t, old)
	}
	if s.df.slots() != j.dfSlots {
		s.df.resize(j.dfSlots)
	}
	restore(s.articles, j.articles)
	restore(s.merged, j.merged)
	for id, was := range j.dirty {
		if was {
			s.dirty[id] = struct{}{}
		} else {
			delete(s.dirty, id)
		}
	}
	return nil
}

func restore[K comparable, V any](m map[K]V, old map[K]slot[V]) {
	for k, o := range old {
		if o.ok {
			m[k] = o.v
		} else {
			delete(m, k)
		}
	}
}

// remember records m[k]'s old value the first time a batch changes it.
func remember[K comparable, V any](old map[K]slot[V], m map[K]V, k K) {
	if _, done := old[k]; !done {
		v, ok := m[k]
		old[k] = slot[V]{v, ok}
	}
}

// touch is called before st changes.
func (s *State) touch(st *story) {
	if s.undo == nil {
		return
	}
	if _, done := s.undo.stories[st]; done {
		return
	}
	old := *st
	old.ents, old.postings = slices.Clone(st.ents), slices.Clone(st.postings)
	s.undo.stories[st] = old
}

// touchID is called before s.stories[id] changes.
func (s *State) touchID(id string) {
	if s.undo != nil {
		remember(s.undo.ids, s.stories, id)
	}
}

// touchPosting is called before the postings of t change; a list is
// copied, because unpost deletes from it in place.
func (s *State) touchPosting(t uint64) {
	if s.undo == nil {
		return
	}
	if _, done := s.undo.postings[t]; !done {
		old := s.postings.get(t)
		old.many = slices.Clone(old.many)
		s.undo.postings[t] = old
	}
}

func (s *State) touchSaturated(t uint64) {
	if s.undo == nil {
		return
	}
	if _, done := s.undo.saturated[t]; !done {
		s.undo.saturated[t] = s.saturated[t]
	}
}

func (s *State) touchDF(t uint64) {
	if s.undo == nil {
		return
	}
	if _, done := s.undo.df[t]; !done {
		s.undo.df[t] = s.df.get(t)
	}
}

func (s *State) touchArticle(id string) {
	if s.undo != nil {
		remember(s.undo.articles, s.articles, id)
	}
}

func (s *State) touchMerged(id string) {
	if s.undo != nil {
		remember(s.undo.merged, s.merged, id)
	}
}

func (s *State) touchDirty(id string) {
	if s.undo == nil {
		return
	}
	if _, done := s.undo.dirty[id]; !done {
		_, was := s.dirty[id]
		s.undo.dirty[id] = was
	}
}

// touchArrivals is called before arrivals are deleted from the front
// (in place); appends need nothing, the old slice header keeps its
// length.
func (s *State) touchArrivals() {
	if s.undo != nil && !s.undo.arrivalsCopied {
		s.undo.arrivals = slices.Clone(s.undo.arrivals)
		s.undo.arrivalsCopied = true
	}
}
