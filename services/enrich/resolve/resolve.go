// Package resolve turns the names found in one article into canonical
// entities: people, organisations and places with ids, coordinates and
// salience.
//
// The model, in order:
//
//  1. Mentions come from the tagger's spans (PER, ORG, LOC), the
//     gazetteer's trie matches, the dateline ("KYIV, March 3
//     (Reuters) -"), acronym definitions ("Long Name (ACR)") and a few
//     patterns the tagger may miss (a title before capitalised words).
//     Titles, a leading "the" and possessives are stripped. The tagger
//     wins over a gazetteer match it overlaps, unless the match is a
//     curated name covering the whole span.
//  2. Junk is dropped: weekdays, months, discourse words and ordinary
//     words on their own; a gazetteer place that is also a common word
//     or sits inside a longer capitalised name is not taken without the
//     tagger's support.
//  3. Each mention is linked: exact gazetteer name, then case- and
//     diacritic-folded name, then, for names with letters lost to '?',
//     the article's other names and the gazetteer with '?' matching one
//     non-ASCII letter. A tagger PER that is a well-known place becomes a
//     place; an ORG that is a country becomes a place.
//  4. Mentions cluster by linked id, by learned acronym, by surname (a
//     one-word mention joins the person whose full name ends with it) and
//     by a transliteration key (Zelenskiy, Zelensky and Zelenski agree).
//  5. A place with several candidates (Paris, FR or TX) is chosen by the
//     countries of the article (named countries, the dateline, other
//     unambiguous places), then class (country, capital, regional seat,
//     city), then population.
//  6. Salience, see Salience.
//
// The steps live in their own files: mentions.go (1 and 2), link.go (3),
// cluster.go (4, with canonical names and ids), places.go (5) and
// salience.go (6); resolve.go holds the types and Resolve, which runs them.
//
// Ids: a Wikidata QID when known, "geonames:<id>" for GeoNames places,
// else "local:<person|org|place>:<slug of the canonical name>".
package resolve

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
	"github.com/newsflow/newsflow/services/enrich/ner"
)

// Doc is an article prepared for resolution: headline and body joined in
// one text, with the regions that salience weighs.
type Doc struct {
	// Text is the headline, a blank line and the body.
	Text string
	// TitleEnd ends the headline: Text[:TitleEnd].
	TitleEnd int
	// BodyStart is where the body begins.
	BodyStart int
	// LeadEnd ends the first paragraph of the body.
	LeadEnd int
	// English enables the tagger and the English patterns; other
	// languages get gazetteer matching only.
	English bool
}

// NewDoc joins title and body, cutting the body to maxBytes (at a rune
// boundary) when maxBytes > 0.
func NewDoc(title, body string, maxBytes int, english bool) *Doc {
	title = strings.TrimSpace(strings.ReplaceAll(title, "\n", " "))
	if len(title) > 1024 {
		title = cut(title, 1024)
	}
	if maxBytes > 0 && len(body) > maxBytes {
		body = cut(body, maxBytes)
	}
	d := &Doc{English: english}
	d.Text = title + "\n\n" + body
	d.TitleEnd = len(title)
	d.BodyStart = len(title) + 2
	lead := strings.TrimLeft(body, " \t\r\n")
	skip := len(body) - len(lead)
	if i := strings.Index(lead, "\n\n"); i >= 0 {
		d.LeadEnd = d.BodyStart + skip + i
	} else {
		d.LeadEnd = len(d.Text)
	}
	return d
}

func cut(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Resolver links mentions against a gazetteer. It is safe for concurrent
// use.
type Resolver struct {
	g      *gazetteer.Gazetteer
	tagger *ner.Tagger
	stream *streamTypes // names typed by the cues of earlier articles
	names  *streamNames // full names earlier articles gave short forms
	// states holds the *state of finished documents, whose tokens, owners
	// and lower-case words the next document reuses (about 36 KB an
	// article allocated anew otherwise).
	states sync.Pool
}

// New returns a Resolver over g. The tagger, which may be nil, tells
// which words are first names (its lexicon): "Albert" is a supermarket
// in the knowledge base, but "Albert Hill" is not one of its outlets.
func New(g *gazetteer.Gazetteer, tagger *ner.Tagger) *Resolver {
	return &Resolver{g: g, tagger: tagger, stream: newStreamTypes(), names: newStreamNames()}
}

type source uint8

const (
	srcTagger source = iota + 1
	srcGazetteer
	srcPattern
	srcDateline
)

// token is one word of the document with its context.
type token struct {
	ner.Token
	initial  bool // first word of a sentence, or in the headline
	headline bool
}

type mention struct {
	t0, t1   int // token range [t0, t1)
	text     string
	typ      gazetteer.Type
	src      source
	titled   bool // a title preceded it: a person
	cands    []gazetteer.Candidate
	entry    *gazetteer.Entry
	dateline bool
	acronym  int  // for an acronym mention: index of its long form, else -1
	attach   int  // for a surname: index of the full name's mention, else -1
	given    bool // a span given to LinkSpans
	cut      bool // joined to a longer name it abbreviates or cuts: its cues are not the longer name's
	// bySurname: typed person because the article writes its last word
	// alone as a person (personsBySurname)
	bySurname bool
	lineup    bool // a player of a team sheet (lineups): a person, looked up nowhere
	// echo: a free occurrence of a name the tagger found elsewhere in the
	// article (repeats); it lends its cues and counts as a mention, but
	// casts no type vote
	echo bool
}

type state struct {
	r        *Resolver
	d        *Doc
	toks     []token
	owner    []int // token -> mention index, -1 free, -2 MISC
	ms       []*mention
	lower    map[string]bool // words written in lower case somewhere
	sport    int             // sportStory: 0 not computed, 1 yes, -1 no
	strict   int             // strictSport, as sport
	fixtures int             // hasV, as sport
	misc     map[string]int  // names the tagger called MISC (a work, a product, an event), without a leading "The"
	// track asks cluster to record each mention's entity id and type in
	// ids and types.
	track bool
	ids   []string
	types []gazetteer.Type
}

// Resolve finds the entities of d. sents are the document's sentences
// (ner.Sentences(d.Text)); tags are the tagger's spans per sentence, or
// nil for gazetteer-only resolution.
func (r *Resolver) Resolve(d *Doc, sents [][]ner.Token, tags [][]ner.Span) schema.Entities {
	s := r.newState(d, sents)
	if s == nil {
		return schema.Entities{}
	}
	defer r.release(s)
	return s.run(sents, tags)
}

// Mention is one span of Doc.Text that resolved to an entity.
type Mention struct {
	// Start and End are byte offsets into Doc.Text, End exclusive.
	Start, End int
	// ID is the entity's id, as in the entities Resolve returns.
	ID   string
	Type gazetteer.Type
}

// ResolveMentions is Resolve that also returns every mention of a kept
// entity with its span, for evaluations that score spans.
func (r *Resolver) ResolveMentions(d *Doc, sents [][]ner.Token, tags [][]ner.Span) (schema.Entities, []Mention) {
	s := r.newState(d, sents)
	if s == nil {
		return schema.Entities{}, nil
	}
	defer r.release(s)
	s.track = true
	ents := s.run(sents, tags)
	var out []Mention
	for i, m := range s.ms {
		if s.ids[i] != "" {
			out = append(out, Mention{Start: s.toks[m.t0].Start, End: s.toks[m.t1-1].End, ID: s.ids[i], Type: s.types[i]})
		}
	}
	return ents, out
}

// LinkSpans links given spans of d.Text (byte offsets, End exclusive), as
// an evaluation on gold mentions does: each span becomes a mention first,
// typed as the tagger typed a span it overlaps (untyped when the tagger
// saw none, and then the gazetteer types it), and the article is resolved
// around them. It returns each span's entity id, "" where the span is not
// on token boundaries or resolves to nothing.
func (r *Resolver) LinkSpans(d *Doc, sents [][]ner.Token, tags [][]ner.Span, spans [][2]int) []string {
	ids := make([]string, len(spans))
	s := r.newState(d, sents)
	if s == nil {
		return ids
	}
	defer r.release(s)
	s.track = true
	typed := make([]gazetteer.Type, len(s.toks)) // the tagger's type per token
	base := 0
	for si, sent := range sents {
		if si < len(tags) {
			for _, sp := range tags[si] {
				for k := base + sp.Start; k < base+sp.End && k < len(typed); k++ {
					typed[k] = map[string]gazetteer.Type{"PER": gazetteer.Person, "ORG": gazetteer.Organization, "LOC": gazetteer.Place}[sp.Type]
				}
			}
		}
		base += len(sent)
	}
	at := make([]int, len(spans))
	toks := make([][2]int, len(spans)) // each given span's tokens
	for i, sp := range spans {
		at[i] = -1
		t0, ok0 := s.tokenStarting(sp[0])
		t1, ok1 := s.tokenEnding(sp[1])
		if !ok0 || !ok1 || t1 < t0 || !s.free(t0, t1+1) {
			continue
		}
		toks[i] = [2]int{t0, t1 + 1}
		m := &mention{t0: t0, t1: t1 + 1, src: srcTagger, given: true}
		for k := t0; k <= t1; k++ {
			if typed[k] != 0 {
				m.typ = typed[k]
				break
			}
		}
		if s.clean(m) {
			at[i] = s.add(m)
		} else if text := s.span(t0, t1+1); s.r.g.Demonym(strings.TrimSuffix(text, "s")) != nil || s.r.g.Demonym(text) != nil {
			// Enrich drops nationality words; a given one names its
			// country (link reads it).
			m.text, m.typ = text, gazetteer.Place
			at[i] = s.add(m)
		}
	}
	s.run(sents, tags)
	// A curated gazetteer name, or an acronym's definition ("Kurdistan
	// Democratic Party (KDP)" makes every KDP its acronym), may have
	// replaced the span's mention with its own on the same tokens: read
	// the id by the span's tokens.
	bySpan := make(map[[2]int]string)
	for k, m := range s.ms {
		if s.ids[k] != "" {
			bySpan[[2]int{m.t0, m.t1}] = s.ids[k]
		}
	}
	for i, k := range at {
		if k < 0 {
			continue
		}
		ids[i] = s.ids[k]
		if id, ok := bySpan[toks[i]]; ok && ids[i] == "" {
			ids[i] = id
		}
	}
	return ids
}

// newState tokenises the document for resolution; nil when it has no
// tokens. The state may be one a finished document gave back (release);
// the caller gives it back once nothing reads it.
func (r *Resolver) newState(d *Doc, sents [][]ner.Token) *state {
	n := 0
	for _, sent := range sents {
		n += len(sent)
	}
	s, _ := r.states.Get().(*state)
	if s == nil {
		s = &state{lower: make(map[string]bool)}
	}
	s.r, s.d = r, d
	s.toks = slices.Grow(s.toks, n)
	for _, sent := range sents {
		first := true
		for _, t := range sent {
			tk := token{Token: t, headline: t.Start < d.TitleEnd}
			if first && isWord(t.Text) {
				tk.initial = true
				first = false
			}
			if tk.headline {
				tk.initial = true
			}
			if r, _ := utf8.DecodeRuneInString(t.Text); unicode.IsLower(r) {
				s.lower[t.Text] = true
			}
			s.toks = append(s.toks, tk)
		}
	}
	s.owner = slices.Grow(s.owner, len(s.toks))[:len(s.toks)]
	for i := range s.owner {
		s.owner[i] = -1
	}
	if len(s.toks) == 0 {
		r.release(s)
		return nil
	}
	return s
}

// release gives s back for the next document. It keeps the backing
// arrays and the map's buckets, and drops what they point to: the
// document's words and mentions.
func (r *Resolver) release(s *state) {
	clear(s.toks)
	clear(s.ms)
	clear(s.lower)
	*s = state{toks: s.toks[:0], owner: s.owner[:0], ms: s.ms[:0], lower: s.lower}
	r.states.Put(s)
}

// tokenStarting returns the index of the token that starts at byte off,
// if one does. Sentences hold their tokens in text order, without
// overlaps, so the tokens are sorted by start and by end alike.
func (s *state) tokenStarting(off int) (int, bool) {
	return slices.BinarySearchFunc(s.toks, off, func(t token, off int) int { return cmp.Compare(t.Start, off) })
}

// tokenEnding returns the index of the token that ends at byte off, if
// one does.
func (s *state) tokenEnding(off int) (int, bool) {
	return slices.BinarySearchFunc(s.toks, off, func(t token, off int) int { return cmp.Compare(t.End, off) })
}

// run takes the steps of the model.
func (s *state) run(sents [][]ner.Token, tags [][]ner.Span) schema.Entities {
	d := s.d
	s.dateline()
	if d.English && tags != nil {
		s.taggerMentions(sents, tags)
	}
	if d.English {
		s.lineups()
		s.acronyms()
		s.titledPersons()
		s.headWordNames()
	}
	s.gazetteerMentions()
	if d.English {
		s.repeats()
		s.lostLetterMentions()
	}
	if d.English {
		s.headlineFragments()
		s.titleCaseLines()
		s.usBodies()
		s.teamNames()
		s.namedStorms()
		s.stateAbbreviations()
		s.statesOverCities()
		s.countyNames()
		s.genericNames()
		s.shortGenericNames()
		s.diseaseNames()
		s.furniture()
		s.credits()
	}
	s.link()
	s.surnames()
	return s.cluster()
}

func isWord(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isCap(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsUpper(r)
}

func (s *state) free(t0, t1 int) bool {
	for i := t0; i < t1; i++ {
		if s.owner[i] != -1 {
			return false
		}
	}
	return true
}

// freeOrMisc is free, but tokens the tagger called MISC also count as free.
func (s *state) freeOrMisc(t0, t1 int) bool {
	for i := t0; i < t1; i++ {
		if s.owner[i] >= 0 {
			return false
		}
	}
	return true
}

func (s *state) add(m *mention) int {
	m.acronym, m.attach = -1, -1
	i := len(s.ms)
	s.ms = append(s.ms, m)
	for k := m.t0; k < m.t1; k++ {
		s.owner[k] = i
	}
	return i
}

func (s *state) span(t0, t1 int) string {
	return s.d.Text[s.toks[t0].Start:s.toks[t1-1].End]
}
