package resolve

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// titleCaseLines keeps of a mention in a title-case line only the words
// that have evidence of a name other than their capital (issue 14,
// session 14). A title-case line capitalises every word, so its capitals
// say nothing: "Biden Cancels Trip to Rally Dems on Eve of Infrastructure
// Vote" gave the organisations "Biden Cancels Trip" and "Rally Dems" and
// the place "Infrastructure Vote"; "Texas Says It Will Build the Wall" the
// person "Will Build"; "A U.S. Resident Runs Out of Options" the person
// "Runs Out". A title-case line is the headline when its words of four
// letters or more are nearly all capitalised (as the tagger's isTitleLine
// decides), or a line of the body that is so and also writes enough of its
// capitalised words in lower case elsewhere in the article (a subhead; not
// a byline such as "Darren Samuelsohn and Josh Gerstein").
//
// A word of a mention in such a line has evidence when the article
// capitalises it inside a sentence outside any title-case line, when it is
// an acronym or an initial, when it is a first name the tagger knows that
// the article never writes in lower case, or the word after such a first
// name (past initials) that the article never writes in lower case
// ("Marc Headley"; not "Will Build", "Jim Gray Plot" nor "St. Paul
// Shooting"), when it is a first
// name before a word with evidence, or when it is an organisation, place
// or building word after one ("Kabul Mosque"). Then
//   - a mention whose text another mention outside the title-case lines
//     gives, or that the gazetteer knows as a prominent name
//     (prominentName), is kept as it is;
//   - otherwise a mention with a word without evidence is cut to its
//     longest run of words with evidence that another mention outside the
//     title-case lines gives, or that is the surname of a person named in
//     full (Joe Biden for "Biden Cancels Trip"), and takes that mention's
//     type;
//   - a mention with a word without evidence that has no such run is
//     dropped: "Will Build", "Infrastructure Vote".
//
// Gazetteer names of several words, echoes of names the tagger found in
// the body, team sheets and spans given to LinkSpans are left alone.
func (s *state) titleCaseLines() {
	lines := s.titleCaseLineTokens()
	if lines == nil {
		return
	}
	evidence := s.capitalisedInSentences(lines)
	for i, m := range s.ms {
		if m.text == "" || m.given || m.lineup || m.echo || m.src == srcGazetteer && m.t1-m.t0 > 1 || !lines[m.t0] || !lines[m.t1-1] {
			continue
		}
		if _, ok := s.givenOutside(i, m.t0, m.t1, lines); ok || s.prominentName(m.text) {
			continue
		}
		named := make([]bool, m.t1-m.t0)
		all := true
		for k := m.t1 - 1; k >= m.t0; k-- {
			named[k-m.t0] = s.nameEvidence(k, m, named, evidence)
			all = all && (named[k-m.t0] || glue(s.toks[k].Text))
		}
		if all {
			continue
		}
		if t0, t1, typ, ok := s.namedRun(i, m, named, lines); ok {
			titled := m.titled && t0 == m.t0
			s.trim(m, t0, t1, typ)
			m.titled = titled
			continue
		}
		for k := m.t0; k < m.t1; k++ {
			s.owner[k] = -1
		}
		m.text = ""
	}
}

// glue are tokens that stand inside a name without being evidence of it:
// punctuation and the lower-case connectors ("of", "the").
func glue(w string) bool {
	return !isWord(w) || connectors[w]
}

// nameEvidence reports whether token k of m has evidence of a name other
// than its capital; named holds the answers for the tokens after k.
func (s *state) nameEvidence(k int, m *mention, named []bool, evidence map[string]bool) bool {
	w := s.toks[k].Text
	if !isWord(w) || connectors[w] {
		return false
	}
	if evidence[w] || initialOrAcronym(w) {
		return true
	}
	if k+1 < m.t1 && named[k+1-m.t0] && s.r.tagger != nil && s.r.tagger.FirstName(w) {
		return true // "Will Smith" where Smith has evidence
	}
	j := k - 1
	for j >= m.t0 && initialOrAcronym(s.toks[j].Text) && len(s.toks[j].Text) <= 2 {
		j-- // "Derek C.W. Pyle"
	}
	for j >= m.t0 && !isWord(s.toks[j].Text) {
		j--
	}
	if j < m.t0 {
		return false
	}
	if s.givenName(s.toks[j].Text) && !s.writtenLower(w) && !junkWords[w] && (j == 0 || !s.givenName(s.toks[j-1].Text) && !saints[s.toks[j-1].Text]) {
		return true // the surname after a first name: "Marc Headley"; not "Jim Gray Plot", "St. Paul Shooting"
	}
	if orgWords[w] || placeWords[w] || facilityWords[w] {
		return s.nameEvidence(j, m, named, evidence) // "Kabul Mosque"
	}
	return false
}

// givenName reports whether w is a first name the tagger knows that the
// article never writes in lower case ("Marc"; not "Will" beside "will").
func (s *state) givenName(w string) bool {
	return s.r.tagger != nil && !modals[w] && !junkWords[w] && s.r.tagger.FirstName(w) && !s.writtenLower(w)
}

// writtenLower reports whether the article writes w with a lower-case
// first letter ("trip" for "Trip"), without allocating.
func (s *state) writtenLower(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	if n == 0 || n > 4 || len(w) > 64 || !unicode.IsUpper(r) {
		return false
	}
	var buf [64]byte
	k := utf8.EncodeRune(buf[:], unicode.ToLower(r))
	k += copy(buf[k:], w[n:])
	return s.lower[string(buf[:k])]
}

// modals are first names that are also verbs a headline capitalises
// before another ("It Will Build", "Who May Run").
var modals = set(`Will May Can Shall Must Might`)

// saints precede a saint's name in a place's name: "St. Paul".
var saints = set(`St St. Saint San Santa Sao São`)

// initialOrAcronym reports whether w is an initial ("W.", "C.W.") or an
// acronym ("GOP"): its letters all capitals, and at least two or only one.
func initialOrAcronym(w string) bool {
	letters, upper := 0, 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters > 0 && upper == letters
}

// namedRun finds the longest run of tokens of m with evidence that
// another mention outside the title-case lines gives, or that is the
// surname of a person named in full, and the type it takes.
func (s *state) namedRun(i int, m *mention, named []bool, lines []bool) (t0, t1 int, typ gazetteer.Type, ok bool) {
	best := 0
	for a := m.t0; a < m.t1; a++ {
		if !named[a-m.t0] {
			continue
		}
		for b := a + 1; b <= m.t1; b++ {
			if w := s.toks[b-1].Text; !named[b-1-m.t0] && !glue(w) {
				break
			}
			if !named[b-1-m.t0] || b-a <= best {
				continue // a run ends on a word with evidence
			}
			if ty, found := s.givenOutside(i, a, b, lines); found {
				t0, t1, typ, ok, best = a, b, ty, true, b-a
			}
		}
	}
	return t0, t1, typ, ok
}

// givenOutside reports whether the words of tokens [t0, t1) are the text
// of another mention than ms[i] outside the title-case lines, or, one
// word, the surname of a person such a mention names in full; and the
// type it gives.
func (s *state) givenOutside(i, t0, t1 int, lines []bool) (gazetteer.Type, bool) {
	text := s.span(t0, t1)
	surname := gazetteer.Type(0)
	for j, o := range s.ms {
		if j == i || o.text == "" || lines[o.t0] {
			continue
		}
		if o.text == text {
			return o.typ, true
		}
		if t1-t0 == 1 && o.typ == gazetteer.Person && o.t1-o.t0 >= 2 && s.toks[o.t1-1].Text == text {
			surname = gazetteer.Person
		}
	}
	return surname, surname != 0
}

// prominentName reports whether the gazetteer knows text as a name in
// its own right, not only as an alternate: a country, a region or a
// capital, a place of 100,000 people or more, a curated name, or an
// organisation or person of the knowledge base ("Singapore" of
// "Controlled Substances In Singapore", which the body may not repeat),
// case ignored; a name of several words may be an alternate ("Palestinian
// Territories").
func (s *state) prominentName(text string) bool {
	several := strings.Contains(text, " ")
	for _, c := range s.r.g.LookupFold(text) {
		e := c.Entry
		if (!c.Alternate || several) && (e.Curated || e.Type != gazetteer.Place || e.Class >= gazetteer.Region || e.Population >= 100000) {
			return true
		}
	}
	return len(s.r.g.Known(text)) > 0
}

// titleCaseLineTokens marks the tokens of the title-case lines: the
// headline and the lines of the body that titleCaseLines describes; nil
// when there are none.
func (s *state) titleCaseLineTokens() []bool {
	var lines []bool
	for a := 0; a < len(s.toks); {
		b := a + 1
		for b < len(s.toks) && s.toks[b].headline == s.toks[a].headline && !strings.Contains(s.d.Text[s.toks[b-1].End:s.toks[b].Start], "\n") {
			b++
		}
		if s.titleCaseLine(a, b) {
			if lines == nil {
				lines = make([]bool, len(s.toks))
			}
			for k := a; k < b; k++ {
				lines[k] = true
			}
		}
		a = b
	}
	return lines
}

// titleCaseLine reports whether tokens [a, b), one line, are a title-case
// line: at least three words of four letters or more, nine in ten of them
// capitalised at their first letter ("17-Year" is), some lower case; and, in the body, at least two of the
// capitalised ones, and three in ten, written in lower case elsewhere.
func (s *state) titleCaseLine(a, b int) bool {
	long, capital, lowerElsewhere, lower := 0, 0, 0, false
	for k := a; k < b; k++ {
		w := s.toks[k].Text
		n, initial := 0, rune(0)
		for _, r := range w {
			if unicode.IsLetter(r) {
				if n == 0 {
					initial = r // "Year" of "17-Year"
				}
				n++
				lower = lower || unicode.IsLower(r)
			}
		}
		if n < 4 {
			continue
		}
		long++
		if unicode.IsUpper(initial) {
			capital++
			if s.writtenLower(w) {
				lowerElsewhere++
			}
		}
	}
	if !lower || long < 3 || capital*10 < long*9 {
		return false
	}
	return s.toks[a].headline || lowerElsewhere >= 2 && lowerElsewhere*10 >= capital*3
}

// capitalisedInSentences are the words the article capitalises inside a
// sentence outside the title-case lines.
func (s *state) capitalisedInSentences(lines []bool) map[string]bool {
	words := make(map[string]bool)
	for k, t := range s.toks {
		if !lines[k] && !t.initial && isCap(t.Text) && isWord(t.Text) {
			words[t.Text] = true
		}
	}
	return words
}
