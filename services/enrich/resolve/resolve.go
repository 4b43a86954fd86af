// Package resolve turns the names found in one article into canonical
// entities: people, organisations and places with ids, coordinates and
// salience.
//
// The model, in order:
//
//  1. Mentions come from the tagger's spans (PER, ORG, LOC), the
//     gazetteer's Aho-Corasick matches, the dateline ("KYIV, March 3
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
// Ids: a Wikidata QID when known, "geonames:<id>" for GeoNames places,
// else "local:<person|org|place>:<slug of the canonical name>".
package resolve

import (
	"math"
	"regexp"
	"sort"
	"strings"
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
	g *gazetteer.Gazetteer
}

// New returns a Resolver over g.
func New(g *gazetteer.Gazetteer) *Resolver { return &Resolver{g: g} }

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
	acronym  int // for an acronym mention: index of its long form, else -1
	attach   int // for a surname: index of the full name's mention, else -1
}

type state struct {
	r     *Resolver
	d     *Doc
	toks  []token
	owner []int // token -> mention index, -1 free, -2 MISC
	ms    []*mention
	byEnd map[int]int     // byte end -> token index
	bySt  map[int]int     // byte start -> token index
	lower map[string]bool // words written in lower case somewhere
}

// Resolve finds the entities of d. sents are the document's sentences
// (ner.Sentences(d.Text)); tags are the tagger's spans per sentence, or
// nil for gazetteer-only resolution.
func (r *Resolver) Resolve(d *Doc, sents [][]ner.Token, tags [][]ner.Span) schema.Entities {
	n := 0
	for _, sent := range sents {
		n += len(sent)
	}
	s := &state{r: r, d: d, byEnd: make(map[int]int, n), bySt: make(map[int]int, n), lower: make(map[string]bool)}
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
			s.bySt[t.Start] = len(s.toks)
			s.byEnd[t.End] = len(s.toks)
			s.toks = append(s.toks, tk)
		}
	}
	s.owner = make([]int, len(s.toks))
	for i := range s.owner {
		s.owner[i] = -1
	}
	if len(s.toks) == 0 {
		return schema.Entities{}
	}
	s.dateline()
	if d.English && tags != nil {
		s.taggerMentions(sents, tags)
	}
	if d.English {
		s.acronyms()
		s.titledPersons()
		s.headWordNames()
	}
	s.gazetteerMentions()
	if d.English {
		s.lostLetterMentions()
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

// datelineRe matches an all-caps dateline ("KYIV, March 3 (Reuters) -",
// "LONDON —"); datelineAgencyRe a title-case one, which needs the agency
// ("Kyiv, March 3 (Reuters) -").
var datelineAgencyRe = regexp.MustCompile(`^\s*([A-Z][a-z'’.-]+(?: [A-Z][a-z'’.-]+){0,2})(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)?)?(?:,? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?)?,? *\((?:Reuters|AP|AFP|dpa|DPA|Xinhua|Bloomberg|UPI|ANI|PTI|IANS|Anadolu|Interfax|TASS|Ukrinform|CNN|BBC)\) *[-—–]`)

var datelineRe = regexp.MustCompile(`^\s*([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,3})(?:,? [A-Z][a-z]+\.?(?: [A-Z][a-z]+)?)?(?:,? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?)?,? *(?:\([A-Za-z/ ]{2,20}\))? *[-—–]`)

// dateline links the all-caps place that opens the body.
func (s *state) dateline() {
	m := datelineRe.FindStringSubmatchIndex(s.d.Text[s.d.BodyStart:])
	if m == nil {
		m = datelineAgencyRe.FindStringSubmatchIndex(s.d.Text[s.d.BodyStart:])
	}
	if m == nil {
		return
	}
	st, en := s.d.BodyStart+m[2], s.d.BodyStart+m[3]
	t0, ok1 := s.bySt[st]
	t1, ok2 := s.byEnd[en]
	if !ok1 || !ok2 {
		return
	}
	name := titleCase(s.d.Text[st:en])
	var cands []gazetteer.Candidate
	for _, c := range s.r.g.LookupFold(name) {
		if c.Entry.Type == gazetteer.Place {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return
	}
	s.add(&mention{t0: t0, t1: t1 + 1, text: cands[0].Entry.Name, typ: gazetteer.Place, src: srcDateline, cands: cands, dateline: true})
}

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(words, " ")
}

// taggerMentions turns the tagger's spans into mentions.
func (s *state) taggerMentions(sents [][]ner.Token, tags [][]ner.Span) {
	base := 0
	for si, sent := range sents {
		if si < len(tags) {
			for _, sp := range tags[si] {
				t0, t1 := base+sp.Start, base+sp.End
				if sp.Start < 0 || sp.End > len(sent) || t0 >= t1 {
					continue
				}
				if sp.Type == "MISC" {
					for k := t0; k < t1; k++ {
						if s.owner[k] == -1 {
							s.owner[k] = -2
						}
					}
					continue
				}
				var typ gazetteer.Type
				switch sp.Type {
				case "PER":
					typ = gazetteer.Person
				case "ORG":
					typ = gazetteer.Organization
				case "LOC":
					typ = gazetteer.Place
				default:
					continue
				}
				if !s.free(t0, t1) {
					continue
				}
				if typ == gazetteer.Person {
					// "Alexander and Catwoman": two people.
					for k := t0 + 1; k < t1-1; k++ {
						if w := s.toks[k].Text; w == "and" || w == "&" || w == "," {
							if m := (&mention{t0: t0, t1: k, typ: typ, src: srcTagger}); s.clean(m) {
								s.add(m)
							}
							t0 = k + 1
						}
					}
				}
				m := &mention{t0: t0, t1: t1, typ: typ, src: srcTagger}
				if s.clean(m) {
					s.add(m)
				}
			}
		}
		base += len(sent)
	}
}

// clean strips titles, a leading article and possessives, sets m.text and
// reports whether a usable name is left.
func (s *state) clean(m *mention) bool {
	// "Ms Hewitt" typed ORG, "Tory Treasurer Lord Ashcroft", "Former
	// Liberal Democrat MP Jackie Ballard": a person title followed only by
	// capitalised words makes the rest a person.
	for k := m.t1 - 2; k >= m.t0; k-- {
		w := strings.TrimSuffix(s.toks[k].Text, ".")
		if !personTitles[w] {
			continue
		}
		ok := !orgWords[s.toks[m.t1-1].Text] && !placeWords[s.toks[m.t1-1].Text]
		for j := k + 1; j < m.t1 && ok; j++ {
			t := s.toks[j].Text
			ok = isCap(t) && isWord(t) && !personTitles[strings.TrimSuffix(t, ".")] || t == "'s" || t == "’s"
		}
		if ok {
			m.t0 = k + 1
			m.typ = gazetteer.Person
			m.titled = true
		}
		break
	}
	for m.t0 < m.t1 {
		w := strings.TrimSuffix(s.toks[m.t0].Text, ".")
		if titleWords[w] && m.t1-m.t0 > 1 && (m.typ == gazetteer.Person || m.typ == 0) {
			m.titled = true
			m.t0++
			continue
		}
		if (w == "The" || w == "the" || leadingJunk[strings.ToLower(w)]) && m.t1-m.t0 > 1 {
			m.t0++
			continue
		}
		if connectors[w] {
			m.t0++
			continue
		}
		break
	}
	for m.t1 > m.t0 {
		w := s.toks[m.t1-1].Text
		if w == "'s" || w == "’s" || w == "'" || w == "’" || w == "-" || w == "." || w == "," || connectors[w] ||
			m.t1-m.t0 > 1 && (functionWords[strings.ToLower(w)] || captionWords[w] || trailingTitles[w]) {
			m.t1--
			continue
		}
		break
	}
	if m.t0 >= m.t1 {
		return false
	}
	text := s.span(m.t0, m.t1)
	text = strings.TrimSuffix(strings.TrimSuffix(text, "'s"), "’s")
	m.text = strings.Join(strings.Fields(text), " ")
	return s.usable(m)
}

// usable rejects junk: no capital letter, a lone junk word, a lone
// number, or a lone ordinary word at a sentence start.
func (s *state) usable(m *mention) bool {
	if m.text == "" || !isCap(m.text) {
		return false
	}
	letters := 0
	for _, r := range m.text {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < 2 {
		return false
	}
	if m.t1-m.t0 == 1 {
		w := strings.TrimSuffix(m.text, ".")
		if junkWords[w] || titleWords[w] || trailingTitles[w] {
			return false
		}
		if s.toks[m.t0].initial && commonLower[strings.ToLower(w)] && strings.ToUpper(w) != w {
			return false
		}
	} else {
		// "Monday March" or "The Meanwhile": every word junk.
		all := true
		for k := m.t0; k < m.t1; k++ {
			if !junkWords[strings.TrimSuffix(s.toks[k].Text, ".")] && !connectors[s.toks[k].Text] {
				all = false
				break
			}
		}
		if all {
			return false
		}
	}
	return true
}

// acronyms learns "Long Name (ACR)" and marks the acronym's other uses.
func (s *state) acronyms() {
	learned := make(map[string]bool)
	for i := 1; i+2 < len(s.toks); i++ {
		if s.toks[i].Text != "(" || s.toks[i+2].Text != ")" {
			continue
		}
		acr := s.toks[i+1].Text
		if learned[acr] || !isAcronym(acr) {
			continue
		}
		// The long form: the capitalised run ending just before "(".
		st := i - 1
		for st > 0 && (isCap(s.toks[st-1].Text) && isWord(s.toks[st-1].Text) || connectors[s.toks[st-1].Text] && st-2 >= 0 && isCap(s.toks[st-2].Text)) {
			st--
		}
		if !isCap(s.toks[st].Text) {
			continue
		}
		var t0 = -1
		for k := st; k < i-1; k++ { // shortest prefix cut that fits the acronym
			if matchesInitials(acr, s.toks[k:i]) {
				t0 = k
				break
			}
		}
		if t0 < 0 || i-t0 < 2 {
			continue
		}
		long := -1
		if o := s.owner[t0]; o >= 0 && s.ms[o].t0 == t0 && s.ms[o].t1 == i {
			long = o
		} else if s.within(t0, i) {
			typ := gazetteer.Organization
			if o := s.owner[i-1]; o >= 0 && s.ms[o].typ == gazetteer.Place {
				typ = gazetteer.Place // "Democratic Republic of the Congo (DRC)"
			}
			m := &mention{t0: t0, t1: i, typ: typ, src: srcPattern}
			if !s.clean(m) {
				continue
			}
			s.supersede(t0, i)
			long = s.add(m)
		} else {
			continue
		}
		if s.ms[long].typ == 0 {
			s.ms[long].typ = gazetteer.Organization
		}
		learned[acr] = true
		for k := range s.toks {
			if s.toks[k].Text == acr && (s.owner[k] == -1 || s.owner[k] == -2 || s.ms[s.owner[k]].t1-s.ms[s.owner[k]].t0 == 1 && s.ms[s.owner[k]].src == srcTagger) {
				if o := s.owner[k]; o >= 0 {
					s.ms[o].t0, s.ms[o].t1 = 0, 0 // superseded
					s.ms[o].text = ""
				}
				s.owner[k] = -1
				m := &mention{t0: k, t1: k + 1, text: acr, typ: s.ms[long].typ, src: srcPattern}
				idx := s.add(m)
				s.ms[idx].acronym = long
			}
		}
	}
}

func isAcronym(w string) bool {
	n := 0
	for _, r := range w {
		if r == '&' || r == '-' {
			continue
		}
		if !unicode.IsLetter(r) {
			return false
		}
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n >= 2 && n <= 10 && isCap(w)
}

// matchesInitials reports whether acr's capitals are, in order, initials
// of the words (connectors optional), starting with the first word.
func matchesInitials(acr string, words []token) bool {
	var letters []rune
	for _, r := range acr {
		if unicode.IsUpper(r) {
			letters = append(letters, r)
		}
	}
	if len(words) == 0 || len(letters) == 0 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(words[0].Text)
	if unicode.ToUpper(first) != letters[0] {
		return false
	}
	j := 0
	for _, w := range words {
		if j == len(letters) {
			break
		}
		// A word may give more than one letter ("Co-operation" -> C, O).
		for _, part := range strings.FieldsFunc(w.Text, func(r rune) bool { return r == '-' }) {
			if j == len(letters) {
				break
			}
			r, _ := utf8.DecodeRuneInString(part)
			if unicode.ToUpper(r) == letters[j] {
				j++
			} else if !connectors[w.Text] && isCap(part) {
				return false
			}
		}
	}
	return j == len(letters)
}

// titledPersons finds "Title Name Name" runs the tagger did not take.
func (s *state) titledPersons() {
	for i := 0; i < len(s.toks); i++ {
		w := strings.TrimSuffix(s.toks[i].Text, ".")
		if !personTitles[w] {
			continue
		}
		j := i + 1
		for j < len(s.toks) && titleWords[strings.TrimSuffix(s.toks[j].Text, ".")] {
			j++
		}
		// "Secretary of State Antony Blinken"
		if j+1 < len(s.toks) && s.toks[j].Text == "of" && titleWords[s.toks[j+1].Text] {
			j += 2
		}
		k := j
		for k < len(s.toks) && k-j < 3 && isCap(s.toks[k].Text) && isWord(s.toks[k].Text) {
			nw := strings.TrimSuffix(s.toks[k].Text, ".")
			if titleWords[nw] || orgWords[nw] || junkWords[nw] {
				break
			}
			k++
		}
		if k < len(s.toks) && orgWords[s.toks[k].Text] {
			i = k
			continue
		}
		if k == j || !s.free(j, k) {
			i = j - 1
			continue
		}
		m := &mention{t0: j, t1: k, typ: gazetteer.Person, src: srcPattern, titled: true}
		if s.clean(m) {
			// A title before a known organisation or place is not a person
			// ("President Putin" is; "Minister of Ukraine" is not).
			if cs := s.r.g.Lookup(m.text); len(cs) > 0 && cs[0].Entry.Type != gazetteer.Person {
				i = k - 1
				continue
			}
			s.add(m)
		}
		i = k - 1
	}
}

// within reports whether every mention on tokens [t0, t1) lies inside
// that range and came from the tagger or a pattern.
func (s *state) within(t0, t1 int) bool {
	for k := t0; k < t1; k++ {
		o := s.owner[k]
		if o < 0 {
			continue
		}
		m := s.ms[o]
		if m.t0 < t0 || m.t1 > t1 || m.src == srcDateline || m.acronym >= 0 {
			return false
		}
	}
	return true
}

// supersede drops the mentions on tokens [t0, t1).
func (s *state) supersede(t0, t1 int) {
	for k := t0; k < t1; k++ {
		if o := s.owner[k]; o >= 0 {
			s.ms[o].text = ""
		}
		s.owner[k] = -1
	}
}

// capRun returns the end of the run of capitalised words (with
// connectors inside) that starts at i.
func (s *state) capRun(i int) int {
	j := i
	for j < len(s.toks) {
		t := s.toks[j].Text
		if isCap(t) && isWord(t) || t == "&" && j > i {
			j++
			continue
		}
		if connectors[t] && j > i && j+1 < len(s.toks) && isCap(s.toks[j+1].Text) {
			j++
			continue
		}
		break
	}
	for j > i && (connectors[s.toks[j-1].Text] || s.toks[j-1].Text == "&") {
		j--
	}
	return j
}

// headWordNames takes capitalised runs the tagger missed whose head word
// names an organisation ("The Canadian Press", "Bank of England") or a
// facility ("Kennedy Space Center", "Museum of Flight").
func (s *state) headWordNames() {
	for i := 0; i < len(s.toks); i++ {
		if s.owner[i] != -1 || !isCap(s.toks[i].Text) || !isWord(s.toks[i].Text) {
			continue
		}
		j := s.capRun(i)
		st := i
		for st < j {
			lw := strings.ToLower(s.toks[st].Text)
			if !leadingJunk[lw] && !functionWords[lw] && !(s.toks[st].initial && commonLower[lw] && !orgWords[s.toks[st].Text] && !placeWords[s.toks[st].Text]) {
				break
			}
			st++
		}
		if j-st == 1 && st > i && s.toks[st-1].Text == "The" && !s.toks[st-1].initial && orgWords[s.toks[st].Text] {
			// "The Guardian" in running text.
			m := &mention{t0: st, t1: j, typ: gazetteer.Organization, src: srcPattern, text: s.toks[st].Text}
			if s.owner[st] == -1 || s.owner[st] == -2 {
				s.owner[st] = -1
				s.add(m)
			}
		}
		if j-st >= 2 && s.freeOrMisc(st, j) {
			first, last := s.toks[st].Text, s.toks[j-1].Text
			var typ gazetteer.Type
			switch {
			case orgWords[last] || orgWords[first] && connectors[s.toks[st+1].Text]:
				typ = gazetteer.Organization
			case placeWords[last] || placeWords[first] && connectors[s.toks[st+1].Text]:
				typ = gazetteer.Place
			}
			if typ != 0 {
				m := &mention{t0: st, t1: j, typ: typ, src: srcPattern}
				if s.clean(m) && m.t1-m.t0 >= 2 {
					for k := m.t0; k < m.t1; k++ {
						s.owner[k] = -1 // a MISC inside ("Canadian") gives way
					}
					s.add(m)
				}
			}
		}
		if j > i {
			i = j - 1
		}
	}
}

// gazetteerMentions adds the gazetteer's matches the earlier steps left
// free, and lets a curated name replace a tagger span it covers.
func (s *state) gazetteerMentions() {
	text := s.d.Text
	for _, gm := range s.r.g.Find(text) {
		t0, ok1 := s.bySt[gm.Start]
		if !ok1 {
			// An elided article glued to the name: "l'OTAN", "d’Odessa".
			t0, ok1 = s.elided(gm.Start)
		}
		tl, ok2 := s.byEnd[gm.End]
		if !ok1 || !ok2 || tl < t0 {
			continue
		}
		t1 := tl + 1
		best := gm.Candidates[0]
		if !s.free(t0, t1) {
			if !best.Entry.Curated || best.Alternate {
				continue
			}
			// A curated name that covers whole tagger mentions replaces them.
			if !s.within(t0, t1) {
				continue
			}
			s.supersede(t0, t1)
		} else if !s.accept(gm, t0, t1) {
			continue
		}
		m := &mention{t0: t0, t1: t1, text: text[gm.Start:gm.End], typ: best.Entry.Type, src: srcGazetteer, cands: gm.Candidates}
		s.add(m)
	}
}

// elided returns the token that holds an elided article and the name
// starting at byte i, as in "l'OTAN".
func (s *state) elided(i int) (int, bool) {
	k := sort.Search(len(s.toks), func(k int) bool { return s.toks[k].End > i })
	if k == len(s.toks) || s.toks[k].Start >= i {
		return 0, false
	}
	prefix := s.d.Text[s.toks[k].Start:i]
	if strings.HasSuffix(prefix, "'") || strings.HasSuffix(prefix, "’") {
		return k, utf8.RuneCountInString(prefix) <= 3
	}
	return 0, false
}

// accept decides whether a gazetteer match nobody else claimed stands on
// its own.
func (s *state) accept(gm gazetteer.Match, t0, t1 int) bool {
	best := gm.Candidates[0]
	if best.Entry.Curated && !best.Alternate {
		// A curated one-word name that the article also writes in lower
		// case is an ordinary word when it opens a sentence: "Turkey" in
		// a recipe that mentions "turkey", "Meta" beside "meta".
		surface := s.d.Text[gm.Start:gm.End]
		if t1-t0 == 1 && s.toks[t0].initial && s.lower[strings.ToLower(surface)] {
			return false
		}
		return true
	}
	e := best.Entry
	if best.Entry.Type != gazetteer.Place {
		return false
	}
	if best.Alternate {
		// Exonyms ("Warschau", "Varsovie") for big cities in other
		// languages; in English an alternate needs the tagger.
		return !s.d.English && e.Population >= 500000 && !foreignCommon[strings.ToLower(s.d.Text[gm.Start:gm.End])]
	}
	if e.Class < gazetteer.AdminSeat && e.Population < 50000 {
		return false
	}
	surface := s.d.Text[gm.Start:gm.End]
	if !s.d.English {
		// Other languages capitalise other words: only big places, and
		// not the few that are also common nouns (German "Essen", "Halle").
		return !foreignCommon[strings.ToLower(surface)] && (e.Population >= 100000 || e.Class >= gazetteer.Capital)
	}
	if commonLower[strings.ToLower(surface)] || junkWords[surface] || s.lower[strings.ToLower(surface)] {
		return false // "Man" when the article also writes "man"
	}
	// Inside a longer capitalised name ("New York Times", "Paris Hilton")?
	if t1 < len(s.toks) && isCap(s.toks[t1].Text) && isWord(s.toks[t1].Text) && !s.toks[t1].initial && !s.toks[t1].headline {
		return false
	}
	if t0 > 0 && isCap(s.toks[t0-1].Text) && isWord(s.toks[t0-1].Text) && !s.toks[t0-1].initial && !s.toks[t0-1].headline {
		return false
	}
	return true
}

// lostLetterMentions takes capitalised words with letters lost to '?'
// that nothing else claimed, with a capitalised word before them.
func (s *state) lostLetterMentions() {
	for i := range s.toks {
		t := s.toks[i].Text
		if s.owner[i] != -1 || !isCap(t) || !strings.Contains(strings.TrimRight(t, "?"), "?") {
			continue
		}
		t0 := i
		if i > 0 && s.owner[i-1] == -1 && isCap(s.toks[i-1].Text) && isWord(s.toks[i-1].Text) && !junkWords[s.toks[i-1].Text] {
			t0 = i - 1
		}
		m := &mention{t0: t0, t1: i + 1, src: srcPattern}
		if s.clean(m) {
			s.add(m)
		}
	}
}

// link finds candidates for every mention and fixes its type.
func (s *state) link() {
	names := make([]string, 0, len(s.ms))
	for _, m := range s.ms {
		if m.text != "" && !strings.Contains(m.text, "?") {
			names = append(names, m.text)
		}
	}
	for _, m := range s.ms {
		if m.text == "" {
			continue
		}
		if strings.Contains(m.text, "?") {
			s.repairLost(m, names)
		}
		if m.cands == nil {
			m.cands = s.r.g.Lookup(m.text)
			if m.cands == nil {
				m.cands = s.r.g.LookupFold(m.text)
				if len(m.text) <= 4 && strings.ToUpper(m.text) == m.text {
					// "DAB" is not the town of Dab: a short capitalised
					// token only folds onto a curated name.
					m.cands = curatedOnly(m.cands)
				}
			}
		}
		if m.t1-m.t0 > 1 && m.src != srcGazetteer {
			// The head word types a multi-word name: "Toronto Star",
			// "Museum of Flight", "Kennedy Space Center".
			last := s.toks[m.t1-1].Text
			first := s.toks[m.t0].Text
			switch {
			case orgWords[last] || orgWords[first] && connectors[s.toks[m.t0+1].Text]:
				m.typ = gazetteer.Organization
			case placeWords[last] || placeWords[first] && connectors[s.toks[m.t0+1].Text]:
				m.typ = gazetteer.Place
			}
		}
		m.entry = s.choose(m)
		if m.entry != nil && m.entry.Type == gazetteer.Place && m.entry.Class != gazetteer.Country {
			if e := s.besideCountry(m); e != nil {
				m.entry = e
			}
		}
		if m.entry != nil {
			m.typ = m.entry.Type
		}
		if m.typ == 0 {
			m.text = "" // nothing says what it is
		}
	}
}

// besideCountry picks the candidate in the country or region named right
// after the mention: "Tripoli, Lebanon", "Paris, Texas".
func (s *state) besideCountry(m *mention) *gazetteer.Entry {
	if m.t1+1 >= len(s.toks) || s.toks[m.t1].Text != "," {
		return nil
	}
	cc := s.qualifier(s.toks[m.t1+1].Text)
	if o := s.owner[m.t1+1]; cc == "" && o >= 0 && s.ms[o].text != "" {
		cc = s.qualifier(s.ms[o].text)
	}
	if cc == "" {
		return nil
	}
	for _, c := range m.cands {
		if c.Entry.Type == gazetteer.Place && c.Entry.Country == cc && c.Entry.Class < gazetteer.Region {
			return c.Entry
		}
	}
	return nil
}

// qualifier returns the country of the country or region called name.
func (s *state) qualifier(name string) string {
	for _, c := range s.r.g.Lookup(name) {
		if c.Entry.Type == gazetteer.Place && !c.Alternate && (c.Entry.Class == gazetteer.Country || c.Entry.Class == gazetteer.Region || c.Entry.Class == gazetteer.Capital) {
			return c.Entry.Country
		}
	}
	return ""
}

// repairLost resolves a name with '?' against the article's other names,
// then the gazetteer.
func (s *state) repairLost(m *mention, names []string) {
	for _, n := range names {
		if gazetteer.WildcardEqual(m.text, n) {
			m.text = n
			return
		}
		// A surname: match the last word of a full name.
		if f := strings.Fields(n); len(f) > 1 && gazetteer.WildcardEqual(m.text, f[len(f)-1]) {
			m.text = f[len(f)-1]
			return
		}
	}
	if cs := s.r.g.LookupWildcard(m.text); len(cs) > 0 {
		m.cands = cs
		m.text = cs[0].Entry.Name
		if m.typ == 0 {
			m.typ = cs[0].Entry.Type
		}
	}
}

// choose picks the candidate that fits the mention's type, or nil.
func (s *state) choose(m *mention) *gazetteer.Entry {
	if len(m.cands) == 0 {
		return nil
	}
	var byType [4]*gazetteer.Candidate
	for i := range m.cands {
		c := &m.cands[i]
		if byType[c.Entry.Type] == nil {
			byType[c.Entry.Type] = c
		}
	}
	switch m.typ {
	case 0:
		return m.cands[0].Entry
	case gazetteer.Person:
		if c := byType[gazetteer.Person]; c != nil {
			return c.Entry
		}
		// A place typed as a person: only a single-word, prominent place.
		if c := byType[gazetteer.Place]; c != nil && !c.Alternate && !m.titled && m.t1-m.t0 == 1 &&
			(c.Entry.Curated || c.Entry.Class >= gazetteer.Region || c.Entry.Population >= 1000000 || s.locative(m)) {
			return c.Entry
		}
		if c := byType[gazetteer.Organization]; c != nil && c.Entry.Curated && !m.titled {
			return c.Entry
		}
		return nil
	case gazetteer.Organization:
		if c := byType[gazetteer.Organization]; c != nil {
			return c.Entry
		}
		if c := byType[gazetteer.Place]; c != nil && (c.Entry.Class == gazetteer.Country || !c.Alternate && s.locative(m)) {
			return c.Entry
		}
		if c := byType[gazetteer.Person]; c != nil && c.Entry.Curated {
			return c.Entry
		}
		return nil
	case gazetteer.Place:
		if c := byType[gazetteer.Place]; c != nil {
			return c.Entry
		}
		if c := byType[gazetteer.Organization]; c != nil && c.Entry.Curated {
			return c.Entry
		}
		if c := byType[gazetteer.Person]; c != nil && c.Entry.Curated {
			return c.Entry
		}
	}
	return nil
}

var locativeWords = set(`in at from to near outside across into around throughout via`)

// locative reports whether the words before m place it: "in Birmingham",
// "Manchester and Birmingham".
func (s *state) locative(m *mention) bool {
	if m.t0 == 0 {
		return false
	}
	prev := s.toks[m.t0-1].Text
	if locativeWords[prev] {
		return true
	}
	if (prev == "and" || prev == "or" || prev == ",") && m.t0 >= 2 {
		if o := s.owner[m.t0-2]; o >= 0 && s.ms[o].text != "" && s.ms[o].typ == gazetteer.Place {
			return true
		}
	}
	return false
}

// surnames types one-word mentions that repeat a person's surname as
// that person, and adds uses of the surname nothing claimed.
func (s *state) surnames() {
	last := make(map[string]int)       // folded surname -> person mention
	firstNames := make(map[string]int) // folded first name -> person mention
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person {
			continue
		}
		name := m.text
		if m.entry != nil {
			name = m.entry.Name
		}
		f := strings.Fields(name)
		if len(f) < 2 {
			continue
		}
		keys := []string{gazetteer.Fold(f[len(f)-1])}
		if a, _, ok := strings.Cut(keys[0], "-"); ok && a != "" {
			keys = append(keys, a) // "Kilroy" for Robert Kilroy-Silk
		}
		for _, k := range keys {
			if j, ok := last[k]; ok && (j < 0 || s.key(s.ms[j]) != s.key(m)) {
				last[k] = -1 // two people share it: ambiguous
				continue
			}
			if _, ok := last[k]; !ok {
				last[k] = i
			}
		}
	}
	// A first name alone ("Sir Digby") joins the one person who has it,
	// unless it is also someone's surname.
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person || m.entry != nil && m.entry.Curated {
			continue
		}
		f := strings.Fields(m.text)
		if len(f) < 2 {
			continue
		}
		k := gazetteer.Fold(f[0])
		if _, ok := last[k]; ok {
			continue
		}
		if j, ok := firstNames[k]; ok && (j < 0 || s.key(s.ms[j]) != s.key(m)) {
			firstNames[k] = -1
			continue
		}
		firstNames[k] = i
	}
	surname := make(map[string]bool, len(last))
	for k, v := range last {
		surname[k] = v >= 0
	}
	for k, v := range firstNames {
		if _, ok := last[k]; !ok && v >= 0 {
			last[k] = v
		}
	}
	for _, m := range s.ms {
		if m.text == "" || m.t1-m.t0 != 1 || (m.entry != nil && m.entry.Type == gazetteer.Person) {
			continue
		}
		// A curated organisation keeps its name; a curated place yields to
		// a person of the article with that surname ("Jordan" after
		// "Michael Jordan").
		if m.entry != nil && m.entry.Curated && (m.entry.Type != gazetteer.Place || !surname[gazetteer.Fold(m.text)] || s.locative(m)) {
			continue
		}
		if j, ok := last[gazetteer.Fold(m.text)]; ok && j >= 0 {
			m.typ = gazetteer.Person
			m.entry = s.ms[j].entry
			m.attach = j
		}
	}
	for i := range s.toks {
		if s.owner[i] != -1 || !isCap(s.toks[i].Text) {
			continue
		}
		if j, ok := last[gazetteer.Fold(s.toks[i].Text)]; ok && j >= 0 {
			k := s.add(&mention{t0: i, t1: i + 1, text: s.toks[i].Text, typ: gazetteer.Person, src: srcPattern, entry: s.ms[j].entry})
			s.ms[k].attach = j
		}
	}
}

// key is the identity of a mention before clustering: its entry's id, or
// its type and transliteration key.
func (s *state) key(m *mention) string {
	if m.entry != nil {
		return m.entry.ID
	}
	return translitKey(m.text)
}

type cluster struct {
	typ      gazetteer.Type
	entry    *gazetteer.Entry
	cands    []gazetteer.Candidate
	names    map[string]int
	mentions int
	first    int // byte offset of the first mention
	headline bool
	lead     bool
	dateline bool
	votes    [4]int // mentions per type
	multi    bool   // some mention has more than one word
	ordinary bool   // every mention is a word the article also writes in lower case, or an -ly/-ing word opening a sentence
}

func (s *state) cluster() schema.Entities {
	// Union by key, acronym and surname.
	parent := make([]int, len(s.ms))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	byKey := make(map[string]int)
	// An unlinked mention written like a linked one joins it: "Blackpool"
	// tagged ORG beside "Blackpool" the town.
	linked := make(map[string]string)
	for _, m := range s.ms {
		if m.text != "" && m.entry != nil {
			linked[translitKey(m.text)] = m.entry.ID
		}
	}
	for i, m := range s.ms {
		if m.text == "" {
			continue
		}
		k := s.key(m)
		if id, ok := linked[k]; ok && m.entry == nil && m.attach < 0 {
			k = id
		}
		if j, ok := byKey[k]; ok {
			union(i, j)
		} else {
			byKey[k] = i
		}
		if m.acronym >= 0 && s.ms[m.acronym].text != "" {
			union(i, m.acronym)
		}
		if m.attach >= 0 && s.ms[m.attach].text != "" {
			union(i, m.attach)
		}
	}
	clusters := make(map[int]*cluster)
	var order []int
	for i, m := range s.ms {
		if m.text == "" {
			continue
		}
		root := find(i)
		c, ok := clusters[root]
		if !ok {
			c = &cluster{names: make(map[string]int), first: math.MaxInt, ordinary: true}
			clusters[root] = c
			order = append(order, root)
		}
		if m.entry != nil && (c.entry == nil || m.entry.Curated && !c.entry.Curated) {
			c.entry = m.entry
			c.typ = m.entry.Type
			c.cands = m.cands
		}
		c.votes[m.typ]++
		if m.titled {
			c.votes[gazetteer.Person] += 2
		}
		if m.acronym < 0 || m.entry != nil {
			c.names[m.text]++
		}
		c.mentions++
		if m.t1-m.t0 > 1 {
			c.multi = true
		}
		if !s.ordinaryWord(m) {
			c.ordinary = false
		}
		st := s.toks[m.t0].Start
		if st < c.first {
			c.first = st
		}
		if st < s.d.TitleEnd {
			c.headline = true
		} else if st >= s.d.BodyStart && st < s.d.LeadEnd {
			c.lead = true
		}
		if m.dateline {
			c.dateline = true
		}
	}
	for _, c := range clusters {
		if c.entry != nil {
			c.typ = c.entry.Type
			continue
		}
		for t := gazetteer.Person; t <= gazetteer.Place; t++ {
			if c.votes[t] > c.votes[c.typ] {
				c.typ = t
			}
		}
		// An unknown acronym ("DAB") is an organisation more often than a
		// place, whatever the tagger's split vote says.
		if c.typ == gazetteer.Place && !c.multi && allAcronyms(c.names) {
			c.typ = gazetteer.Organization
		}
	}
	s.placeContext(clusters)
	var out schema.Entities
	bodyLen := len(s.d.Text) - s.d.BodyStart
	for _, root := range order {
		c := clusters[root]
		if c.entry == nil && !c.multi && c.ordinary {
			continue // "Director", "Leaving", "UNLESS"
		}
		name, id := s.identity(c)
		if name == "" {
			continue
		}
		pos := 0.0
		if c.first >= s.d.BodyStart && bodyLen > 0 {
			pos = float64(c.first-s.d.BodyStart) / float64(bodyLen)
		}
		e := schema.Entity{Name: name, ID: id, Mentions: c.mentions,
			Salience: Salience(c.headline, c.lead, pos, c.mentions)}
		switch c.typ {
		case gazetteer.Person:
			out.Persons = append(out.Persons, e)
		case gazetteer.Organization:
			out.Organizations = append(out.Organizations, e)
		case gazetteer.Place:
			p := schema.Place{Entity: e}
			if c.entry != nil {
				p.Country = c.entry.Country
				if c.entry.HasPoint {
					p.Location = &schema.GeoPoint{Lat: c.entry.Lat, Lon: c.entry.Lon}
				}
			}
			out.Places = append(out.Places, p)
		}
	}
	sortEntities(out.Persons)
	sortEntities(out.Organizations)
	sort.SliceStable(out.Places, func(i, j int) bool { return less(out.Places[i].Entity, out.Places[j].Entity) })
	out.Persons = merge(out.Persons)
	out.Organizations = merge(out.Organizations)
	out.Places = mergePlaces(out.Places)
	return out
}

func curatedOnly(cs []gazetteer.Candidate) []gazetteer.Candidate {
	var out []gazetteer.Candidate
	for _, c := range cs {
		if c.Entry.Curated {
			out = append(out, c)
		}
	}
	return out
}

func allAcronyms(names map[string]int) bool {
	for n := range names {
		if !isAcronym(n) || strings.ToUpper(n) != n {
			return false
		}
	}
	return len(names) > 0
}

// ordinaryWord reports whether a one-word mention is an ordinary word:
// written in lower case elsewhere in the article, or an adverb or
// participle opening a sentence.
func (s *state) ordinaryWord(m *mention) bool {
	if m.t1-m.t0 != 1 {
		return false
	}
	w := s.toks[m.t0].Text
	if s.lower[strings.ToLower(w)] {
		return true
	}
	if s.toks[m.t0].initial && (strings.HasSuffix(w, "ly") || strings.HasSuffix(w, "ing") || strings.HasSuffix(w, "ed")) {
		return true
	}
	return false
}

// merge joins entities that ended with the same id (two clusters linked to
// one entry through different routes).
func merge(es []schema.Entity) []schema.Entity {
	seen := make(map[string]int)
	out := es[:0]
	for _, e := range es {
		if i, ok := seen[e.ID]; ok {
			out[i].Mentions += e.Mentions
			continue
		}
		seen[e.ID] = len(out)
		out = append(out, e)
	}
	return out
}

func mergePlaces(ps []schema.Place) []schema.Place {
	seen := make(map[string]int)
	out := ps[:0]
	for _, p := range ps {
		if i, ok := seen[p.ID]; ok {
			out[i].Mentions += p.Mentions
			continue
		}
		seen[p.ID] = len(out)
		out = append(out, p)
	}
	return out
}

// placeContext chooses among a place's candidates by the countries the
// article is about.
func (s *state) placeContext(clusters map[int]*cluster) {
	ctx := make(map[string]bool)
	for _, c := range clusters {
		if c.typ != gazetteer.Place || c.entry == nil {
			continue
		}
		// Countries, regions, the dateline, capitals, and cities whose name
		// is theirs alone set the context; a small namesake town does not.
		e := c.entry
		if e.Class == gazetteer.Country || e.Class == gazetteer.Region || c.dateline || e.Curated ||
			countryCount(c.cands) == 1 && (e.Population >= 100000 || e.Class >= gazetteer.AdminSeat) {
			if e.Country != "" {
				ctx[e.Country] = true
			}
		}
	}
	for _, c := range clusters {
		if c.typ != gazetteer.Place || c.entry == nil || c.entry.Class == gazetteer.Country || c.entry.Curated {
			continue
		}
		best := c.entry
		for _, cand := range c.cands {
			e := cand.Entry
			if e.Type != gazetteer.Place || cand.Alternate || !ctx[e.Country] || ctx[best.Country] {
				continue
			}
			// Context wins unless it would trade a capital for a town.
			if best.Class >= gazetteer.Capital && e.Class < gazetteer.AdminSeat && e.Population < 100000 {
				continue
			}
			best = e
		}
		c.entry = best
	}
	for _, c := range clusters {
		// A town abroad that nothing in the article points to is more
		// likely a namesake ("Westminster", "Somerset" in a British story
		// are not the American towns): keep the name, drop the pin. Under
		// 300,000 people with other countries in view, under 100,000
		// without.
		if e := c.entry; c.typ == gazetteer.Place && e != nil && !e.Curated && e.Class < gazetteer.Capital && !ctx[e.Country] &&
			(len(ctx) > 0 && e.Population < 300000 || e.Population < 100000) {
			c.entry = nil
		}
	}
}

func countryCount(cs []gazetteer.Candidate) int {
	seen := make(map[string]bool)
	for _, c := range cs {
		if c.Entry.Type == gazetteer.Place && !c.Alternate {
			seen[c.Entry.Country] = true
		}
	}
	return len(seen)
}

// identity returns a cluster's canonical name and id.
func (s *state) identity(c *cluster) (string, string) {
	if c.entry != nil {
		return c.entry.Name, c.entry.ID
	}
	// The longest name, then the most frequent, then one with diacritics.
	var name string
	n := 0
	for k, v := range c.names {
		if better(k, v, name, n) {
			name, n = k, v
		}
	}
	if name == "" {
		return "", ""
	}
	kind := map[gazetteer.Type]string{gazetteer.Person: "person", gazetteer.Organization: "org", gazetteer.Place: "place"}[c.typ]
	slug := Slug(name)
	if slug == "" {
		return "", ""
	}
	return name, "local:" + kind + ":" + slug
}

func better(a string, na int, b string, nb int) bool {
	wa, wb := len(strings.Fields(a)), len(strings.Fields(b))
	if wa != wb {
		return wa > wb
	}
	if na != nb {
		return na > nb
	}
	if da, db := hasNonASCII(a), hasNonASCII(b); da != db {
		return da
	}
	return a < b
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// Slug lowercases name, drops diacritics and joins its letters and digits
// with single hyphens: "Mevlüt Çavuşoğlu" -> "mevlut-cavusoglu".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range gazetteer.Fold(name) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

var translit = strings.NewReplacer("kh", "h", "ph", "f", "w", "v", "j", "y", "yy", "y", "iy", "y", "ij", "y")

// translitKey folds spelling variants of transliterated names together:
// Zelenskiy, Zelenskyy, Zelenski and Zelensky; Sergei and Sergey.
func translitKey(s string) string {
	f := gazetteer.Fold(s)
	var words []string
	for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		w = translit.Replace(w)
		var b strings.Builder
		var prev rune
		for _, r := range w {
			if r != prev {
				b.WriteRune(r)
			}
			prev = r
		}
		w = b.String()
		switch {
		case strings.HasSuffix(w, "ei"):
			w = w[:len(w)-2] + "ey"
		case strings.HasSuffix(w, "iy"):
			w = w[:len(w)-2] + "y"
		case strings.HasSuffix(w, "i") && len(w) > 3:
			w = w[:len(w)-1] + "y"
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// Salience scores how central an entity is to an article, from 0 to 1:
//
//	0.30 if it is in the headline
//	0.20 if it is in the lead (first paragraph of the body)
//	0.20 × (1 − pos), pos being the first mention's offset in the body over
//	     the body's length (0 for the headline)
//	0.30 × min(1, log2(1+mentions) / log2(9)), so 8 mentions saturate
//
// rounded to three decimals.
func Salience(headline, lead bool, pos float64, mentions int) float64 {
	v := 0.0
	if headline {
		v += 0.3
	}
	if lead {
		v += 0.2
	}
	pos = math.Max(0, math.Min(1, pos))
	v += 0.2 * (1 - pos)
	if mentions > 0 {
		v += 0.3 * math.Min(1, math.Log2(1+float64(mentions))/math.Log2(9))
	}
	return math.Round(math.Min(1, v)*1000) / 1000
}

func less(a, b schema.Entity) bool {
	if a.Salience != b.Salience {
		return a.Salience > b.Salience
	}
	return a.Name < b.Name
}

func sortEntities(es []schema.Entity) {
	sort.SliceStable(es, func(i, j int) bool { return less(es[i], es[j]) })
}
