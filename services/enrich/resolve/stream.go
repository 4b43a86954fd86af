package resolve

import (
	"sync"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// streamTypes remembers, across the articles one Resolver has seen, the
// names that an article's own cues typed as a work (a film, show, book or
// song) or a band, and those a person cue typed as a person. A name two
// articles or more have typed one way, and none as a person, keeps that
// type in a later article that gives it no cue of its own: "Scottish rock
// band Franz Ferdinand" and "Franz Ferdinand's self-titled album" make a
// band of "featuring Franz Ferdinand, Belle and Sebastian and Travis".
//
// The memory is per process (each replica learns from the articles it
// sees) and bounded: past maxStreamNames names the oldest is forgotten.
type streamTypes struct {
	mu    sync.Mutex
	names map[string]*streamVotes
	order []string // names in the order first seen, for forgetting
	next  int      // index in order of the oldest name once order is full
}

// streamVotes counts the articles whose own cues typed a name.
type streamVotes struct {
	work, band, person int
}

// maxStreamNames bounds the memory: about 100 bytes a name.
const maxStreamNames = 50_000

// streamQuorum is how many articles must type a name before it keeps
// that type where an article gives no cue: one cue can be wrong ("the Ray
// Charles biopic" spreads a title cue to the singer).
const streamQuorum = 2

// streamCue is what an article's own cues said of a name.
type streamCue uint8

const (
	cueNone streamCue = iota
	cueWork
	cueBand
	cuePerson
)

func newStreamTypes() *streamTypes {
	return &streamTypes{names: make(map[string]*streamVotes)}
}

// learn records the cues of one article: name (folded) -> cue.
func (st *streamTypes) learn(cues map[string]streamCue) {
	if len(cues) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for name, cue := range cues {
		v := st.names[name]
		if v == nil {
			v = &streamVotes{}
			st.remember(name, v)
		}
		switch cue {
		case cueWork:
			v.work++
		case cueBand:
			v.band++
		case cuePerson:
			v.person++
		}
	}
}

// remember adds a name, forgetting the oldest when the memory is full.
func (st *streamTypes) remember(name string, v *streamVotes) {
	if len(st.order) < maxStreamNames {
		st.order = append(st.order, name)
	} else {
		delete(st.names, st.order[st.next])
		st.order[st.next] = name
		st.next = (st.next + 1) % maxStreamNames
	}
	st.names[name] = v
}

// recall returns the type earlier articles agree on for a name (folded):
// cueWork, cueBand, or cueNone when fewer than streamQuorum articles
// typed it or any article typed it a person.
func (st *streamTypes) recall(name string) streamCue {
	st.mu.Lock()
	defer st.mu.Unlock()
	v := st.names[name]
	switch {
	case v == nil || v.person > 0:
		return cueNone
	case v.work >= streamQuorum && v.work >= v.band:
		return cueWork
	case v.band >= streamQuorum:
		return cueBand
	}
	return cueNone
}

// streamKey is the memory's key for an entity's name.
func streamKey(name string) string { return gazetteer.Fold(name) }
