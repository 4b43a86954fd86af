package resolve

import (
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// genericHeads end the name of a school, a newsroom, a street or a
// facility, and name nothing on their own: "High School", "News",
// "Avenue".
var genericHeads = set(`School Academy News Avenue Street Road Airport Department Hospital Station Stadium`)

// genericModifiers stand between a name and a generic head: "Medina High
// School", "Sandy Hook Elementary School", "John F. Kennedy International
// Airport".
var genericModifiers = set(`High Middle Elementary Junior Senior Primary Secondary Grammar Community
Regional International Municipal Police Fire General Memorial`)

// genericNames gives back the name a generic head belongs to (issue 14,
// session 13). The tagger often types the name before such a head
// alone, or a number cuts it off, and the head is left as a name of its
// own: "Medina High School" gave the place Medina and an organisation
// "High School" (22 articles of Wikinews, AllSides and GVC), "KOIN 6
// News" and "Channel 4 News" an organisation "News" (12), "58th Avenue"
// an organisation "Avenue" (9), "Sandy Hook Elementary School" the person
// Sandy Hook. A mention made only of genericModifiers and a genericHead
// takes
//   - a number or an ordinal before it, and the capitalised word before
//     that ("KOIN 6 News", "Northwest 12th Avenue"; an ordinal may stand
//     alone, "58th Avenue", a number may not, "4 News");
//   - the mention that ends where it starts ("Medina", "Sandy Hook"), or
//     else the run of capitalised words before it that no mention holds;
//
// and becomes an organisation, or a place when its head is a facility's
// word (placeWords: "Avenue", "Airport"). With nothing of the kind
// before it ("the Police Department", "News, Weather & Sports") it is no
// name and is dropped.
func (s *state) genericNames() {
	for i, m := range s.ms {
		if m.text == "" || !genericHeads[s.toks[m.t1-1].Text] || m.titled || m.lineup {
			continue
		}
		generic := true
		for k := m.t0; k < m.t1-1 && generic; k++ {
			generic = genericModifiers[s.toks[k].Text]
		}
		if !generic {
			continue
		}
		t0 := s.nameBefore(m.t0)
		if t0 == m.t0 {
			m.text = ""
			continue
		}
		for k := t0; k < m.t0; k++ {
			if o := s.owner[k]; o >= 0 && o != i {
				s.ms[o].text = ""
			}
			s.owner[k] = i
		}
		m.t0 = t0
		m.text = strings.Join(strings.Fields(s.span(m.t0, m.t1)), " ")
		m.typ, m.cands, m.entry = gazetteer.Organization, nil, nil
		if placeWords[s.toks[m.t1-1].Text] {
			m.typ = gazetteer.Place
		}
	}
	s.schoolLocalities()
}

// schoolHeads end a school's name, which is most often its locality's:
// "Sandy Hook Elementary School".
var schoolHeads = set(`School Academy`)

// schoolLocalities makes a place of a "person" of several words that a
// school's name of the article opens, wherever the article writes it
// alone: "a mother of a first-grade girl at Sandy Hook" beside "Sandy
// Hook Elementary School" or "Sandy Hook Elementary" (issue 14, session
// 13). Not where a title stands before it, nor where the article writes
// its last word alone as a name: a school named after a person ("Martin
// Luther King Jr. High School" beside "King") leaves the person.
func (s *state) schoolLocalities() {
	var localities map[string]bool
	for _, p := range s.ms {
		if p.text == "" || p.typ != gazetteer.Person || p.titled || p.t1-p.t0 < 2 {
			continue
		}
		for _, l := range s.ms {
			if l.text == "" || l.typ == gazetteer.Person || !strings.HasPrefix(l.text, p.text+" ") || !s.schoolTail(strings.Fields(l.text[len(p.text)+1:])) {
				continue
			}
			if localities == nil {
				localities = make(map[string]bool)
			}
			localities[p.text] = true
		}
	}
	if localities == nil {
		return
	}
	for _, m := range s.ms {
		if m.text == "" {
			continue
		}
		if m.titled && localities[m.text] {
			delete(localities, m.text)
		}
		if m.t1-m.t0 == 1 {
			for name := range localities {
				if strings.HasSuffix(name, " "+m.text) {
					delete(localities, name)
				}
			}
		}
	}
	for _, m := range s.ms {
		if m.text != "" && m.typ == gazetteer.Person && localities[m.text] {
			m.typ, m.cands, m.entry = gazetteer.Place, nil, nil
		}
	}
}

// schoolTail reports whether words end a school's name after its
// locality: "Elementary School", "High", "Academy".
func (s *state) schoolTail(words []string) bool {
	school := false
	for i, w := range words {
		switch {
		case schoolHeads[w] && i == len(words)-1:
			school = true
		case w == "Elementary" || w == "High" || w == "Middle" || w == "Primary":
			school = school || i == len(words)-1
		default:
			return false
		}
	}
	return school
}

// nameBefore returns the first token of the name that a generic head at
// token t belongs to, or t when none precedes it in its sentence.
func (s *state) nameBefore(t int) int {
	k := t
	if s.opens(k) {
		return t
	}
	if n := s.toks[k-1].Text; numberLike(n) {
		k--
		if s.opens(k) || !s.capitalName(k-1) {
			if isDigits(n) {
				return t // "4 News": no station's name
			}
			return k // "58th Avenue"
		}
	}
	if s.opens(k) || !s.capitalName(k-1) {
		return k
	}
	if o := s.owner[k-1]; o >= 0 {
		if p := s.ms[o]; p.text != "" && p.t1 == k {
			return p.t0
		}
		return k
	}
	for k > 0 && !s.opens(k) && s.owner[k-1] < 0 {
		w := s.toks[k-1].Text
		if !isWord(w) || !isCap(w) || functionWords[strings.ToLower(w)] || determiners[strings.ToLower(w)] {
			break
		}
		k--
	}
	return k
}

// opens reports whether token k opens a sentence of the body, or the
// body itself (the headline's words are all marked initial).
func (s *state) opens(k int) bool {
	return k == 0 || s.toks[k].initial && !s.toks[k].headline || s.toks[k-1].headline != s.toks[k].headline
}

// capitalName reports whether token k may end a name: a capitalised word
// that is no junk word ("The", "Monday", "Police").
func (s *state) capitalName(k int) bool {
	if k < 0 {
		return false
	}
	w := s.toks[k].Text
	return isWord(w) && isCap(w) && !junkWords[strings.TrimSuffix(w, ".")]
}

// numberLike reports whether w is a number or an ordinal: "6", "119",
// "58th", "2nd".
func numberLike(w string) bool {
	digits := 0
	for digits < len(w) && w[digits] >= '0' && w[digits] <= '9' {
		digits++
	}
	if digits == 0 {
		return false
	}
	switch w[digits:] {
	case "", "st", "nd", "rd", "th":
		return true
	}
	return false
}

// headBeforeConnector finds, in the capitalised run [st, j) whose last
// word is no head word, a generic head that a connector follows ("Elementary School" of "Elementary School in
// Newtown", a run capRun joins over "in"), and returns the run's new end
// and the name's type; j and 0 when there is none. The head must follow
// another word: "Museum of Flight", a head that opens the run, is a name
// with its connector.
func (s *state) headBeforeConnector(st, j int) (int, gazetteer.Type) {
	for e := j - 1; e > st+1; e-- {
		if !connectors[s.toks[e].Text] {
			continue
		}
		switch head := s.toks[e-1].Text; {
		case !genericHeads[head]:
		case placeWords[head]:
			return e, gazetteer.Place
		default:
			return e, gazetteer.Organization
		}
	}
	return j, 0
}

// droppedHeads may be left off the end of a body's name: "Houston Police"
// is the Houston Police Department, "Riverdale High" Riverdale High
// School.
var droppedHeads = set(`Department School`)

// shortGenericNames joins a name to the one longer name of the article
// that it is with a Department or a School left off (issue 14, session
// 13): "Houston Police" and "the Houston Police Department", "Harvard Law"
// and "Harvard Law School" were two organisations of one article (about
// 20 articles of GVC). The short mention takes the long one's name and
// type; with two longer names to choose from it stays as it is.
func (s *state) shortGenericNames() {
	for _, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Organization || m.t1-m.t0 < 2 {
			continue
		}
		var long *mention
		for _, l := range s.ms {
			if l.text == "" || l.text == m.text || l.t1-l.t0 != m.t1-m.t0+1 || !droppedHeads[s.toks[l.t1-1].Text] || !strings.HasPrefix(l.text, m.text+" ") {
				continue
			}
			if long != nil && long.text != l.text {
				long = nil
				break
			}
			long = l
		}
		if long != nil {
			m.text, m.typ, m.cands, m.entry = long.text, long.typ, nil, nil
		}
	}
}
