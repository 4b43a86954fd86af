package resolve

import (
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// headlineFragments trims a word that a title-case headline capitalised
// onto a name the article gives elsewhere (issue 14, session 12):
// "Tougher Obama" of "Analysis: Tougher Obama rebounds in second debate"
// and "Obama Heads" of "Victorious Obama Heads Back To White House" are
// Barack Obama, whom the body names in full. Such a capital is no
// evidence of a name: the first or the last word of a mention in the
// headline is trimmed when
//   - the word trimmed is no first name the tagger knows, no title and
//     no organisation, place or building word ("Michigan Legislature"),
//     and the article
//     never capitalises it at a position that does not capitalise every
//     word, nor writes the whole mention there;
//   - the word trimmed has three letters or more and is no acronym (not
//     an initial: "G Ross" of a team sheet);
//   - what remains is a name the article gives elsewhere: the text of
//     another mention that is a place ("Gaza" for "Ravaged Gaza"), or an
//     organisation where the mention is no person, or the surname of
//     another person named in full with another first word (Barack Obama
//     for "Tougher Obama").
//
// Only the headline: in the body, a relative opening a sentence ("Journi
// Johnson" beside "Turhan Johnson") looks the same. A person whose first
// name nothing knows, named in the headline before the body names them by
// surname ("Kwasi Kwarteng" ... "Kwarteng"), keeps the full name: nobody
// else has that surname in full.
func (s *state) headlineFragments() {
	for i, m := range s.ms {
		if m.text == "" || m.t1-m.t0 < 2 || m.titled || m.given || m.lineup || !s.toks[m.t1-1].headline {
			continue
		}
		if s.writtenInside(m.t0, m.t1) {
			continue
		}
		if s.fragmentWord(m.t0) {
			if typ, ok := s.givenElsewhere(i, m.t0+1, m.t1); ok {
				s.trim(m, m.t0+1, m.t1, typ)
				continue
			}
		}
		if s.fragmentWord(m.t1 - 1) {
			if typ, ok := s.givenElsewhere(i, m.t0, m.t1-1); ok {
				s.trim(m, m.t0, m.t1-1, typ)
			}
		}
	}
}

// fragmentWord reports whether token k may be a capitalised ordinary
// word: no first name the tagger knows, and never capitalised at a
// position that does not capitalise every word.
func (s *state) fragmentWord(k int) bool {
	w := s.toks[k].Text
	if !isWord(w) || orgWords[w] || placeWords[w] || facilityWords[w] || utf8.RuneCountInString(w) < 3 || strings.ToUpper(w) == w || s.r.tagger != nil && s.r.tagger.FirstName(w) || personTitles[strings.TrimSuffix(w, ".")] {
		return false
	}
	for j := range s.toks {
		if j != k && !s.toks[j].initial && s.toks[j].Text == w {
			return false
		}
	}
	return true
}

// writtenInside reports whether the article writes the words of tokens
// [t0, t1) at a position that does not capitalise every word.
func (s *state) writtenInside(t0, t1 int) bool {
	n := t1 - t0
	for j := 0; j+n <= len(s.toks); j++ {
		if j == t0 || s.toks[j].initial {
			continue
		}
		same := true
		for k := 0; k < n && same; k++ {
			same = s.toks[j+k].Text == s.toks[t0+k].Text
		}
		if same {
			return true
		}
	}
	return false
}

// givenElsewhere reports whether the words of tokens [t0, t1) are a name
// another mention than ms[i] gives, and its type.
func (s *state) givenElsewhere(i, t0, t1 int) (gazetteer.Type, bool) {
	rest := s.span(t0, t1)
	for j, o := range s.ms {
		if j == i || o.text == "" {
			continue
		}
		if o.text == rest && (o.typ == gazetteer.Place || o.typ == gazetteer.Organization && s.ms[i].typ != gazetteer.Person) {
			return o.typ, true
		}
		if o.typ != gazetteer.Person || t1-t0 != 1 {
			continue
		}
		f := strings.Fields(o.text)
		if len(f) >= 2 && f[len(f)-1] == rest && f[0] != s.toks[s.ms[i].t0].Text {
			return gazetteer.Person, true
		}
	}
	return 0, false
}

// trim narrows m to tokens [t0, t1) with type typ and frees the rest.
func (s *state) trim(m *mention, t0, t1 int, typ gazetteer.Type) {
	for k := m.t0; k < m.t1; k++ {
		if k < t0 || k >= t1 {
			s.owner[k] = -1
		}
	}
	m.t0, m.t1, m.typ, m.cands, m.entry = t0, t1, typ, nil, nil
	m.text = s.span(t0, t1)
}

// stormWords name a storm before its name: "Hurricane Sandy", "Tropical
// Storm Grace", "Typhoon Haiyan".
var stormWords = set(`Hurricane Storm Typhoon Cyclone`)

// namedStorms drops named storms, which are events, not persons, places
// or organisations (issue 14, session 12): a mention opening with a storm
// word and a name ("Hurricane Sandy", "Tropical Storm Grace", not the
// "National Hurricane Center"), and the storm's name alone where the
// article names the storm ("Sandy" after "Hurricane Sandy"; not the town
// of Sandy elsewhere).
func (s *state) namedStorms() {
	var storms map[string]bool
	for k := 0; k+1 < len(s.toks); k++ {
		next := s.toks[k+1].Text
		if stormWords[s.toks[k].Text] && isCap(next) && isWord(next) && !stormWords[next] && !orgWords[next] && !placeWords[next] && !facilityWords[next] {
			if storms == nil {
				storms = make(map[string]bool)
			}
			storms[s.toks[k+1].Text] = true
		}
	}
	if storms == nil {
		return
	}
	for _, m := range s.ms {
		if m.text == "" {
			continue
		}
		if m.t1-m.t0 == 1 && storms[m.text] {
			m.text = ""
			continue
		}
		k := m.t0
		if s.toks[k].Text == "Tropical" {
			k++
		}
		if k+1 < m.t1 && stormWords[s.toks[k].Text] && storms[s.toks[k+1].Text] {
			m.text = ""
		}
	}
}

// apStates are the AP style's abbreviations of the US states, which US
// datelines and party labels write after a city or a party letter
// ("MIAMI, Fla.", "Sen. Joe Manchin, D-W.Va.", "(R-Ky.)").
var apStates = map[string]string{
	"Ala": "Alabama", "Ariz": "Arizona", "Ark": "Arkansas", "Calif": "California", "Colo": "Colorado",
	"Conn": "Connecticut", "Del": "Delaware", "Fla": "Florida", "Ga": "Georgia", "Ill": "Illinois",
	"Ind": "Indiana", "Kan": "Kansas", "Kans": "Kansas", "Ky": "Kentucky", "La": "Louisiana", "Md": "Maryland",
	"Mass": "Massachusetts", "Mich": "Michigan", "Minn": "Minnesota", "Miss": "Mississippi",
	"Mo": "Missouri", "Mont": "Montana", "Neb": "Nebraska", "Nev": "Nevada", "N.H": "New Hampshire",
	"N.J": "New Jersey", "N.M": "New Mexico", "N.Y": "New York State", "N.C": "North Carolina",
	"N.D": "North Dakota", "Okla": "Oklahoma", "Ore": "Oregon", "Pa": "Pennsylvania",
	"R.I": "Rhode Island", "S.C": "South Carolina", "S.D": "South Dakota", "Tenn": "Tennessee",
	"Vt": "Vermont", "Va": "Virginia", "Wash": "Washington State", "W.Va": "West Virginia", "Wis": "Wisconsin",
	"Wyo": "Wyoming",
}

// stateAbbreviations gives a US state's abbreviation its state (issue 14,
// session 12): a mention of one or two tokens that apStates lists, after
// a comma, a party letter and hyphen or an opening bracket, and followed
// by a full stop, a comma, a bracket or nothing ("Tampa, Fla.", "D-W.Va.",
// "R-Ind.", "(R-Ky.)", "(N.C.)"; not "Mo Farah" nor "a Mass in Rome").
// "Fla" and "Florida" were two places, the first with no id. New York and
// Washington take the names that are not their cities'.
func (s *state) stateAbbreviations() {
	for _, m := range s.ms {
		if m.text == "" || m.t1-m.t0 > 2 || m.t0 == 0 {
			continue
		}
		w, party := strings.TrimSuffix(m.text, "."), false
		if len(w) > 2 && w[1] == '-' && strings.ContainsRune("DRI", rune(w[0])) {
			w, party = w[2:], true // "R-Ind" in one token
		}
		name, ok := apStates[w]
		if !ok {
			continue
		}
		before := m.t0 - 1
		if w == "Va" && before >= 1 {
			// "W.Va." in two or three tokens: "W." "Va", "W" "." "Va",
			// or "D-W" "." "Va".
			switch p, pp := s.toks[before].Text, s.toks[before-1].Text; {
			case p == "W.":
				name, before = "West Virginia", before-1
			case p == "." && pp == "W":
				name, before = "West Virginia", before-2
			case p == "." && len(pp) == 3 && strings.HasSuffix(pp, "-W"):
				name, party = "West Virginia", true
			}
			if before < 0 {
				continue
			}
		}
		switch s.toks[before].Text {
		case ",", "-", "–", "(":
		default:
			if !party {
				continue
			}
		}
		if m.t1 < len(s.toks) {
			switch s.toks[m.t1].Text {
			case ".", ",", ")", ";", "—", "–":
			default:
				if !strings.HasSuffix(s.toks[m.t0].Text, ".") {
					continue
				}
			}
		}
		m.text, m.typ, m.cands, m.entry = name, gazetteer.Place, nil, nil
	}
}

// stateCues after a name make it the state's, not its city's: "New York
// state", "New York Gov. Kathy Hochul", "the New York attorney general".
var stateCues = set(`state Gov Gov. Governor governor Legislature legislature Assembly`)

// statesOverCities gives a state whose city has its name the mentions
// that name the state (issue 14, session 13): "New York" linked New York
// City even in "New York state", "upstate New York", "New York Gov.
// Andrew Cuomo" and "the governor of New York". A place mention X, where
// the gazetteer knows a region "X State" (New York, Washington), becomes
// that region (also typed an organisation) when a stateCue follows it, "attorney general" follows it,
// "upstate" precedes it, or "of" after "governor" or "state" precedes it.
// In an article that then never writes "X City", X elsewhere, a place or
// an organisation (a title-case headline's "New York May Use National
// Guard"), is the state too.
func (s *state) statesOverCities() {
	var states map[string]string // X -> "X State"
	for _, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Place && m.typ != gazetteer.Organization || m.t1 >= len(s.toks) {
			continue
		}
		next, prev, prev2 := s.toks[m.t1].Text, "", ""
		if m.t0 > 0 {
			prev = s.toks[m.t0-1].Text
		}
		if m.t0 > 1 {
			prev2 = strings.ToLower(s.toks[m.t0-2].Text)
		}
		cue := stateCues[next] || prev == "upstate" || prev == "Upstate" ||
			prev == "of" && (prev2 == "governor" || prev2 == "state") ||
			m.t1+1 < len(s.toks) && strings.EqualFold(next, "attorney") && strings.EqualFold(s.toks[m.t1+1].Text, "general")
		if !cue {
			continue
		}
		name := m.text + " State"
		for _, c := range s.r.g.Lookup(name) {
			if c.Entry.Type == gazetteer.Place && c.Entry.Class == gazetteer.Region {
				if states == nil {
					states = make(map[string]string)
				}
				states[m.text] = name
				m.text, m.typ, m.cands, m.entry = name, gazetteer.Place, nil, nil
				break
			}
		}
	}
	if states == nil {
		return
	}
	for x := range states {
		if strings.Contains(s.d.Text, x+" City") {
			delete(states, x) // "New York City" is written: X alone may be the city
		}
	}
	for _, m := range s.ms {
		if name, ok := states[m.text]; ok && (m.typ == gazetteer.Place || m.typ == gazetteer.Organization) {
			m.text, m.typ, m.cands, m.entry = name, gazetteer.Place, nil, nil
		}
	}
}

// countyWords end the name of a US county or parish.
var countyWords = set(`County Parish`)

// countyNames makes a place of a person or an organisation of several
// words ending in `County` or `Parish` ("Harris County", "Miami-Dade
// County"; issue 14, session 12 for persons): outside a sports story,
// where "Derby County" is a club. Since session 13 organisations too: the
// tagger typed "Cook County" of "the Cook County medical examiner's
// office" and "in Marion County" an organisation in 202 rows of Wikinews,
// AllSides and GVC (31 were places); the county's bodies have names of
// their own ("Cook County Board").
func (s *state) countyNames() {
	for _, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person && m.typ != gazetteer.Organization || m.titled || m.t1-m.t0 < 2 || !countyWords[s.toks[m.t1-1].Text] {
			continue
		}
		if s.sportStory() {
			return
		}
		m.typ, m.cands, m.entry = gazetteer.Place, nil, nil
	}
}
