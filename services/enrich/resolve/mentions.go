// Steps 1 and 2 of the model: mentions from the tagger, the dateline,
// acronyms, patterns and the gazetteer, cleaned of titles and junk.

package resolve

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
	"github.com/newsflow/newsflow/services/enrich/ner"
)

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
	t0, ok1 := s.tokenStarting(st)
	t1, ok2 := s.tokenEnding(en)
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
					if t1-t0 > 1 && s.toks[t0].Text == "The" {
						t0++
					}
					if s.misc == nil {
						s.misc = make(map[string]int)
					}
					s.misc[s.span(t0, t1)]++
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
				start, end := t0, t1
				t0, t1 = s.unjoin(t0, t1)
				if typ == gazetteer.Person && t1+1 < end {
					// "Tierney (Jackson 79)": the substitute in brackets
					// is a person too.
					if m := (&mention{t0: t1 + 1, t1: end, typ: typ, src: srcTagger}); s.clean(m) {
						s.add(m)
					}
				}
				// What unjoin left out is no name to look up ("Order of
				// the Phoenix was Amazon" names no city; "Sberbank
				// (Savings Bank)" glosses the bank): held like MISC.
				for k := start; k < end; k++ {
					if (k < t0 || k >= t1) && s.owner[k] == -1 {
						s.owner[k] = -2
					}
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
				if typ == gazetteer.Organization {
					t0 = s.nationsAnd(s.ofTheHead(t0, base), base)
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

// joiningVerbs inside a span the tagger typed show that it ran two
// phrases together: "Mr Nevzlin is Yukos' largest shareholder", "Order of
// the Phoenix was Amazon's best-seller".
var joiningVerbs = set(`is was are were has had said says told`)

// unjoin narrows a tagger span that runs past its name: the span ends at
// an opening bracket it does not close ("a Sberbank (Savings Bank)
// account", "Jarosik (Gudjohnsen 70)"), and starts after the last
// joining verb in lower case ("Mr Nevzlin is Yukos" is Yukos). The part
// before the verb is left out: what the tagger typed is the name nearer
// its end.
func (s *state) unjoin(t0, t1 int) (int, int) {
	for k := t0 + 1; k < t1; k++ {
		switch w := s.toks[k].Text; {
		case w == "(" && !s.closes(k, t1):
			return t0, k
		case joiningVerbs[w] && k+1 < t1:
			t0 = k + 1
		}
	}
	return t0, t1
}

// closes reports whether a bracket opened at token k closes before t1.
func (s *state) closes(k, t1 int) bool {
	for ; k < t1; k++ {
		if s.toks[k].Text == ")" {
			return true
		}
	}
	return false
}

// ofTheHead repairs an organisation the tagger cut after "of the": one
// capitalised word inside a sentence that no span holds, opening its run
// of capitals, before "of the" and the span belongs to the name ("for Top
// of the Pops", "Friends of the Earth"; not "President of the
// Bundesbank", nor a sentence's first word: "Members of the Bank of
// England"). It returns the name's first token.
func (s *state) ofTheHead(t0, sentStart int) int {
	k := t0 - 3
	if k <= sentStart || s.toks[t0-1].Text != "the" || s.toks[t0-2].Text != "of" || !s.free(k, t0) {
		return t0
	}
	w := s.toks[k].Text
	if lw := strings.ToLower(w); !isWord(w) || !isCap(w) || s.toks[k].initial || titleWords[w] || functionWords[lw] || leadingJunk[lw] || personBefore[lw] || isCap(s.toks[k-1].Text) {
		return t0
	}
	return k
}

// nationsAnd repairs an organisation the tagger cut after "and" between
// two nationality words: "the British and Irish Lions" is one name, not
// "Irish Lions" (the tagger calls "British" MISC or nothing). It returns
// the name's first token.
func (s *state) nationsAnd(t0, sentStart int) int {
	k := t0 - 2
	if k < sentStart || s.toks[t0-1].Text != "and" || s.owner[k] >= 0 || s.owner[t0-1] >= 0 ||
		s.r.g.Demonym(s.toks[t0].Text) == nil || s.r.g.Demonym(s.toks[k].Text) == nil {
		return t0
	}
	return k
}

// clean strips titles, a leading article and possessives, sets m.text and
// reports whether a usable name is left.
func (s *state) clean(m *mention) bool {
	// "Ms Hewitt" typed ORG, "Tory Treasurer Lord Ashcroft", "Former
	// Liberal Democrat MP Jackie Ballard": a person title followed only by
	// capitalised words makes the rest a person.
	for k := m.t1 - 2; k >= m.t0; k-- {
		w := strings.TrimSuffix(s.toks[k].Text, ".")
		if !personTitles[w] || s.definesAcronym(k, m.t1) || m.typ == gazetteer.Organization && (w == "General" || w == "Gen") {
			// "General Motors" typed ORG is a company, not a general.
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
		if titleWords[w] && m.t1-m.t0 > 1 && (m.typ == gazetteer.Person || m.typ == 0) && !s.definesAcronym(m.t0, m.t1) {
			m.titled = true
			m.t0++
			continue
		}
		if (w == "The" || w == "the" || s.leadingJunkAt(m.t0)) && m.t1-m.t0 > 1 {
			m.t0++
			continue
		}
		if connectors[w] || m.t1-m.t0 > 1 && participleCompound(w) {
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
	if m.t1 < len(s.toks) && numberedWords[s.toks[m.t1-1].Text] && isNumber(s.toks[m.t1].Text) && s.owner[m.t1] < 0 {
		m.t1++ // "Channel 4": the tagger left the number out
	}
	text := s.span(m.t0, m.t1)
	text = strings.TrimSuffix(strings.TrimSuffix(text, "'s"), "’s")
	m.text = strings.Join(strings.Fields(text), " ")
	return s.usable(m)
}

// leadingJunkAt reports whether token k is a word that opens a span but
// not a name ("All Alfa Romeo", "Former President Obama"): written in
// lower case, or capitalised only because it opens a sentence, a quote
// or the headline. Capitalised inside a sentence it belongs to the name:
// "the All Blacks", "New Zealand's All Blacks".
func (s *state) leadingJunkAt(k int) bool {
	w := strings.TrimSuffix(s.toks[k].Text, ".")
	lw := strings.ToLower(w)
	if !leadingJunk[lw] {
		return false
	}
	return determiners[lw] || !isCap(w) || s.toks[k].initial || k > 0 && opensQuote[s.toks[k-1].Text]
}

// participleSuffixes end a compound adjective: "Rosneft-owned Yugansk",
// "Kremlin-backed Rosneft", "London-based Email Systems".
var participleSuffixes = []string{"-owned", "-backed", "-based", "-led", "-controlled", "-run", "-funded", "-born", "-listed", "-registered"}

// participleCompound reports whether w is a compound adjective that opens
// no name: the name follows it.
func participleCompound(w string) bool {
	i := strings.LastIndexByte(w, '-')
	if i <= 0 {
		return false
	}
	return slices.Contains(participleSuffixes, strings.ToLower(w[i:]))
}

// determiners open a work's title more often than a body's name ("My
// Left Foot", "A Room With A View"): stripped wherever they stand, as
// titles are not shown.
var determiners = set(`a an this that these those our their his her its my your and or but so`)

// opensQuote are the tokens after which a capital opens a quoted
// sentence: `said: "All US companies`.
var opensQuote = set(`" “ ' ‘ : (`)

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
		if s.demonymNoun(w) {
			return false
		}
	} else if s.placeAndCommonWord(m) {
		return false
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

// demonymSuffixes turn a nationality into an ordinary noun.
var demonymSuffixes = []string{"man", "men", "woman", "women", "ness"}

// demonymNoun reports whether w is a nationality with a noun's suffix,
// which names no entity: "an unruly Irishman", "Britishness",
// "Englishmen" (not "Scotsman", whose stem "Scots" is no nationality the
// knowledge base holds).
func (s *state) demonymNoun(w string) bool {
	for _, suf := range demonymSuffixes {
		if stem, ok := strings.CutSuffix(w, suf); ok && len(stem) > 2 && s.r.g.Demonym(stem) != nil {
			return true
		}
	}
	return false
}

// isNumber reports whether t is one or two digits.
func isNumber(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return len(t) == 1 || len(t) == 2
}

// placeAndCommonWord reports whether m is a country or a place followed
// by a common acronym, which the tagger takes for a name: "US TV" of "US
// TV network Fox News", "UK GDP". "BBC TV" is a name (the BBC is no
// place).
func (s *state) placeAndCommonWord(m *mention) bool {
	last := s.toks[m.t1-1].Text
	if !junkWords[last] || strings.ToUpper(last) != last {
		return false
	}
	for k := m.t0; k < m.t1-1; k++ {
		if !hasPlace(s.r.g.Lookup(s.toks[k].Text)) {
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
			if !s.leadingJunkAt(st) && !functionWords[lw] && !(s.toks[st].initial && commonLower[lw] && !orgWords[s.toks[st].Text] && !placeWords[s.toks[st].Text]) {
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
			default:
				// "Elementary School in Newtown": the run went on over a
				// connector; the name ends at its head word.
				j, typ = s.headBeforeConnector(st, j)
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
		t0, ok1 := s.tokenStarting(gm.Start)
		if !ok1 {
			// An elided article glued to the name: "l'OTAN", "d’Odessa".
			t0, ok1 = s.elided(gm.Start)
		}
		tl, ok2 := s.tokenEnding(gm.End)
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

// definesAcronym reports whether the name on tokens [t0, t1) is followed
// by its acronym in parentheses: "General Motors (GM)" is a name, not a
// title and a surname.
func (s *state) definesAcronym(t0, t1 int) bool {
	if t1+2 >= len(s.toks) || s.toks[t1].Text != "(" || s.toks[t1+2].Text != ")" {
		return false
	}
	acr := s.toks[t1+1].Text
	return isAcronym(acr) && matchesInitials(acr, s.toks[t0:t1])
}

// repeats makes a mention of every free occurrence of a name the tagger
// found elsewhere in the article, written alike and standing alone (no
// capitalised word, other than a sentence's first, joined before or
// after it): the tagger reads each sentence on its own and misses a name
// it found in another ("superstar rapper Jay-Z" beside "artists such as
// Jay-Z"), and the cues next to the missed occurrence then count for the
// name. An echo casts no type vote of its own.
func (s *state) repeats() {
	n := len(s.ms) // the tagger's and the other steps' mentions; echoes come after
	for k := 0; k < len(s.toks); k++ {
		if s.owner[k] != -1 || !isCap(s.toks[k].Text) {
			continue
		}
		if k > 0 && isCap(s.toks[k-1].Text) && isWord(s.toks[k-1].Text) && !s.toks[k-1].initial {
			continue // inside a longer name
		}
		for _, m := range s.ms[:n] {
			w := m.t1 - m.t0
			if m.text == "" || m.src != srcTagger || m.lineup || w > 4 || s.toks[m.t0].Text != s.toks[k].Text ||
				k+w > len(s.toks) || !s.free(k, k+w) || s.span(k, k+w) != s.span(m.t0, m.t1) {
				continue
			}
			if e := k + w; e < len(s.toks) && isCap(s.toks[e].Text) && isWord(s.toks[e].Text) {
				continue
			}
			echo := &mention{t0: k, t1: k + w, typ: m.typ, src: srcPattern, echo: true}
			if s.clean(echo) && echo.t0 == k && echo.t1 == k+w {
				s.add(echo)
				k += w - 1
				break
			}
		}
	}
}
