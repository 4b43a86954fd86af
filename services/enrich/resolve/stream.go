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
	names fifoMemory[*streamVotes]
}

// fifoMemory is a map of at most maxStreamNames keys: past that, adding a
// key forgets the oldest.
type fifoMemory[V any] struct {
	m     map[string]V
	order []string // keys in the order first seen, for forgetting
	next  int      // index in order of the oldest key once order is full
}

// add adds a key that is not in the memory, forgetting the oldest when
// the memory is full.
func (f *fifoMemory[V]) add(key string, v V) {
	if f.m == nil {
		f.m = make(map[string]V)
	}
	if len(f.order) < maxStreamNames {
		f.order = append(f.order, key)
	} else {
		delete(f.m, f.order[f.next])
		f.order[f.next] = key
		f.next = (f.next + 1) % maxStreamNames
	}
	f.m[key] = v
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

func newStreamTypes() *streamTypes { return &streamTypes{} }

// learn records the cues of one article: name (folded) -> cue.
func (st *streamTypes) learn(cues map[string]streamCue) {
	if len(cues) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for name, cue := range cues {
		v := st.names.m[name]
		if v == nil {
			v = &streamVotes{}
			st.names.add(name, v)
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

// recall returns the type earlier articles agree on for a name (folded):
// cueWork, cueBand, or cueNone when fewer than streamQuorum articles
// typed it or any article typed it a person.
func (st *streamTypes) recall(name string) streamCue {
	st.mu.Lock()
	defer st.mu.Unlock()
	v := st.names.m[name]
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

// streamNames remembers, across the articles one Resolver has seen, the
// full name that an article gave a name of one word: "Mr Blair" beside
// "Tony Blair", "the Commons" beside "the House of Commons",
// "Conservative leader" beside "the Conservative Party". A later article
// that writes only the short form takes the full name (and its id) when
// two articles or more have given that one full name and none another.
// A short form is remembered with the kind of title written before it,
// so "Mr Blair" (Tony Blair) and "Mrs Blair" (Cherie Blair) are two
// short forms: one that two people share ("Mr Brown" of Gordon Brown and
// of Nick Brown) is left alone, the others are not. A person's name
// written alone is not remembered: it may be someone known by one name
// ("Raul or Ronaldo" of Real Madrid, not the Cristiano Ronaldo of other
// articles).
//
// Per process and bounded like streamTypes: past maxStreamNames short
// forms the oldest is forgotten.
type streamNames struct {
	mu    sync.Mutex
	names fifoMemory[*fullName]
}

// fullName is what earlier articles gave a short form: the full name,
// its id and knowledge-base entry (nil for a local id), how many
// articles gave it, and whether another full name was given too.
type fullName struct {
	name      string
	id        string
	entry     *gazetteer.Entry
	articles  int
	ambiguous bool
}

// titleKind is a set of the kinds of title a short form was written
// with: none ("Blair"), a man's ("Mr Blair", "Lord Falconer"), a woman's
// ("Mrs Blair"), or another ("Minister Blair").
type titleKind uint8

const (
	untitled titleKind = 1 << iota
	maleTitle
	femaleTitle
	otherTitle
)

// titleKinds are the kinds one by one.
var titleKinds = [...]titleKind{untitled, maleTitle, femaleTitle, otherTitle}

// shortForm is one article's short form of an entity with a longer name.
type shortForm struct {
	key   string // streamNameKey of the short form
	name  string // the entity's full name
	id    string
	entry *gazetteer.Entry
}

func newStreamNames() *streamNames { return &streamNames{} }

// streamNameKey is the memory's key for a short form of type t written
// with a title of kind k.
func streamNameKey(short string, t gazetteer.Type, k titleKind) string {
	return string([]byte{'0' + byte(t), '0' + byte(k)}) + gazetteer.Fold(short)
}

// learn records the short forms of one article.
func (sn *streamNames) learn(forms []shortForm) {
	if len(forms) == 0 {
		return
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	for _, f := range forms {
		v := sn.names.m[f.key]
		if v == nil {
			v = &fullName{name: f.name, id: f.id, entry: f.entry}
			sn.names.add(f.key, v)
		}
		if v.id != f.id {
			v.ambiguous = true
		}
		v.articles++
	}
}

// recall returns the full name earlier articles agree on for a short form
// of type t written with the kinds of title titles, or nil. Each kind
// written must agree; a man's or a woman's title must have been seen
// ("Mrs Blair" takes nothing from "Mr Blair").
func (sn *streamNames) recall(short string, t gazetteer.Type, titles titleKind) *fullName {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	var found *fullName
	for _, k := range titleKinds {
		if titles&k == 0 || t == gazetteer.Person && k == untitled {
			continue
		}
		v := sn.names.m[streamNameKey(short, t, k)]
		if v == nil || v.ambiguous || v.articles < streamQuorum {
			if k == maleTitle || k == femaleTitle {
				return nil
			}
			continue
		}
		if found != nil && found.id != v.id {
			return nil
		}
		found = v
	}
	return found
}
