package cluster

import "slices"

// postingIndex maps a term to the active stories it posts, in the order
// they were posted. Most terms post one story (a rare word, a name only
// one event has), so such a term holds its story alone: 16 bytes a map
// entry, where a list took 32 and an array of its own. A term moves to
// the lists when a second story posts it, and back when one is left.
type postingIndex struct {
	one  map[uint64]*story
	many map[uint64][]*story
}

func newPostingIndex() postingIndex {
	return postingIndex{one: map[uint64]*story{}, many: map[uint64][]*story{}}
}

// postingSlot is one term's entry: its story alone, or its list of two
// or more, or neither (the zero value).
type postingSlot struct {
	one  *story
	many []*story
}

func (p postingIndex) get(t uint64) postingSlot {
	if st, ok := p.one[t]; ok {
		return postingSlot{one: st}
	}
	return postingSlot{many: p.many[t]}
}

// set puts an entry back as get returned it (the journal's rollback).
func (p postingIndex) set(t uint64, e postingSlot) {
	delete(p.one, t)
	delete(p.many, t)
	switch {
	case e.one != nil:
		p.one[t] = e.one
	case len(e.many) > 0:
		p.many[t] = e.many
	}
}

// stories calls f with each story term t posts.
func (p postingIndex) stories(t uint64, f func(*story)) {
	if st, ok := p.one[t]; ok {
		f(st)
		return
	}
	for _, st := range p.many[t] {
		f(st)
	}
}

// add posts st under t, after the stories already there, and returns
// how many t posts now.
func (p postingIndex) add(t uint64, st *story) int {
	if first, ok := p.one[t]; ok {
		delete(p.one, t)
		p.many[t] = []*story{first, st}
		return 2
	}
	if list, ok := p.many[t]; ok {
		p.many[t] = append(list, st)
		return len(list) + 1
	}
	p.one[t] = st
	return 1
}

// remove takes st from the stories t posts.
func (p postingIndex) remove(t uint64, st *story) {
	if p.one[t] == st {
		delete(p.one, t)
		return
	}
	list := p.many[t]
	if i := slices.Index(list, st); i >= 0 {
		list = slices.Delete(list, i, i+1) // in place: the journal keeps a copy
	}
	switch len(list) {
	case 0:
		delete(p.many, t)
	case 1:
		delete(p.many, t)
		p.one[t] = list[0]
	default:
		p.many[t] = list
	}
}

// drop forgets term t.
func (p postingIndex) drop(t uint64) {
	delete(p.one, t)
	delete(p.many, t)
}

func (p postingIndex) len() int { return len(p.one) + len(p.many) }
