// Step 3 of the model: linking each mention to gazetteer candidates and
// repairing its type.

package resolve

import (
	"slices"
	"strconv"
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// link finds candidates for every mention and fixes its type.
func (s *state) link() {
	names := make([]string, 0, len(s.ms))
	for _, m := range s.ms {
		if m.text != "" && !strings.Contains(m.text, "?") {
			names = append(names, m.text)
		}
	}
	var parties []*mention // names that may be parties: linked once the article's countries are known
	for _, m := range s.ms {
		if m.text == "" || m.lineup {
			continue // a player's surname is no place nor company to look up
		}
		if strings.Contains(m.text, "?") {
			if s.repairLost(m, names); m.text == "" {
				continue
			}
		}
		if m.cands == nil {
			m.cands = s.r.g.Lookup(m.text)
			if m.cands == nil && strings.Count(m.text, " ") > 0 {
				m.cands = s.r.g.LookupLoose(m.text)
			}
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
		if m.entry == nil && m.typ != gazetteer.Place {
			m.entry = s.known(m)
			if m.entry == nil && s.mayBeParty(m) {
				parties = append(parties, m)
				continue
			}
		}
		if m.entry == nil && m.given {
			// A given span that is a nationality ("Iraqi", "Israelis")
			// names its country; enrich itself does not take these words.
			if e := s.r.g.Demonym(strings.TrimSuffix(m.text, "s")); e != nil {
				m.entry = e
			} else if e := s.r.g.Demonym(m.text); e != nil {
				m.entry = e
			}
		}
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
	s.linkParties(parties)
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
		return
	}
	// A name with lost letters that nothing resolves is not shown: the
	// reader would see "Mevl?t".
	m.text = ""
}

// known links a person or organisation the gazetteer does not have to the
// knowledge base, and checks the tagger's type with it: a multi-word name
// the tagger calls a person but the knowledge base knows only as an
// organisation ("Deutsche Bank") is an organisation. A name links only
// when it names one entity of the type; an entity named so by its own
// name beats those that have the name as an alias (NSI's "Vodafone
// Ukraine" has the alias "Vodafone"). A name of one word links only as
// knownWord allows.
func (s *state) known(m *mention) *gazetteer.Entry {
	if m.text == "" || m.titled {
		return nil
	}
	if m.t1-m.t0 == 1 {
		return s.knownWord(m)
	}
	var all, label knownCount
	f := ""
	for _, e := range s.r.g.Known(m.text) {
		if gazetteer.Party(e) {
			continue // linkParties, by the article's countries
		}
		all.add(e)
		if f == "" {
			f = gazetteer.Fold(m.text)
		}
		if gazetteer.Fold(e.Name) == f {
			label.add(e)
		}
	}
	switch m.typ {
	case gazetteer.Person:
		if label.nPer == 1 {
			return label.per
		}
		if all.nPer == 1 {
			return all.per
		}
		if all.nPer == 0 && label.nOrg == 1 {
			return label.org
		}
		if all.nPer == 0 && all.nOrg == 1 {
			return all.org
		}
	case gazetteer.Organization:
		if label.nOrg == 1 {
			return label.org
		}
		if all.nOrg == 1 {
			return all.org
		}
	case 0:
		if e := label.one(); e != nil {
			return e
		}
		if e := all.one(); e != nil {
			return e
		}
	}
	return s.subBrand(m)
}

// knownCount counts the distinct organisations and people of the
// knowledge base a name may mean, keeping the last of each.
type knownCount struct {
	org, per   *gazetteer.Entry
	nOrg, nPer int
}

func (k *knownCount) add(e *gazetteer.Entry) {
	switch e.Type {
	case gazetteer.Organization:
		if k.org == nil || k.org.ID != e.ID {
			k.nOrg++
		}
		k.org = e
	case gazetteer.Person:
		if k.per == nil || k.per.ID != e.ID {
			k.nPer++
		}
		k.per = e
	}
}

// one returns the entity when the name means exactly one.
func (k *knownCount) one() *gazetteer.Entry {
	switch {
	case k.nOrg == 1 && k.nPer == 0:
		return k.org
	case k.nPer == 1 && k.nOrg == 0:
		return k.per
	}
	return nil
}

// knownWord links a name of one word that the article types as an
// organisation to the one organisation of the knowledge base whose own
// name it is, letter for letter ("Rosneft", "Vodafone", "Siemens"), when
// that organisation is an item of Wikidata's first years (earlyItem: NSI
// also names a Japanese pharmacy "Kraft" and a Vietnamese bank
// "Eximbank") and nothing makes the word mean something else: no award
// noun follows it ("Mobo nominations", "an Oscar ceremony"), it is no common English
// word (commonWord: "Real" of Real Madrid is not the supermarket Real,
// nor "Oasis" the band a brand), no acronym (`PSP` the console, `FA`),
// no first name, no name the gazetteer knows (a place: "Roma",
// "Halifax"), the story is no sports story (a carmaker's name is its
// team), and every mention of the word stands apart from a longer name
// ("Blacks" of the All Blacks, "Mobo Awards", "Vodafone Ukraine").
func (s *state) knownWord(m *mention) *gazetteer.Entry {
	w := m.text
	if m.typ != gazetteer.Organization || len(m.cands) > 0 || strings.ToUpper(w) == w || commonWord(w) ||
		s.r.tagger.FirstName(w) {
		return nil
	}
	var org *gazetteer.Entry
	for _, e := range s.r.g.Known(w) {
		if e.Name != w || gazetteer.Party(e) {
			continue
		}
		if e.Type != gazetteer.Organization || org != nil && org.ID != e.ID {
			return nil
		}
		org = e
	}
	if org == nil || !earlyItem(org.ID) || s.sportStory() {
		return nil
	}
	for _, o := range s.ms {
		if o.text == "" {
			continue
		}
		if o.text == w && (!s.standsAlone(o) || o.t1 < len(s.toks) && awardNouns[strings.ToLower(s.toks[o.t1].Text)]) {
			return nil
		}
		if o.t1-o.t0 > 1 && slices.Contains(strings.Fields(o.text), w) {
			return nil
		}
	}
	return org
}

// earlyItem reports whether a QID is below Q10000000: an item Wikidata
// made by 2013, when it took in the Wikipedias' articles, so one that has
// an article in some Wikipedia (Vodafone Q122141, Rosneft Q1141123,
// Travelodge Q7836087), where the later items NSI adds name many local
// brands (Energis Q109230450 is a German energy supplier, not the British
// telecoms company of news).
func earlyItem(id string) bool {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "Q"))
	return err == nil && strings.HasPrefix(id, "Q") && n < 10_000_000
}

// subBrand links an organisation's outlet or department to the
// organisation when it is the same body: "BBC News" and "BBC Radio 4" are
// the BBC.
func (s *state) subBrand(m *mention) *gazetteer.Entry {
	if m.typ != gazetteer.Organization || m.t1-m.t0 < 2 {
		return nil
	}
	t1 := m.t1
	for t1 > m.t0+1 && (subBrandWords[s.toks[t1-1].Text] || isDigits(s.toks[t1-1].Text)) {
		t1--
	}
	if t1 == m.t1 {
		return nil
	}
	for _, c := range s.r.g.Lookup(s.span(m.t0, t1)) {
		if c.Entry.Type == gazetteer.Organization && c.Entry.Curated {
			return c.Entry
		}
	}
	return nil
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
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
		if c := byType[gazetteer.Place]; c != nil && !(c.Alternate && s.d.English && s.namesFacility(m)) {
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

// facilityWords end the name of a building, a body or a state besides
// orgWords: "White House", "Michigan Legislature", "New York State".
var facilityWords = set(`House Legislature Capitol State`)

// namesFacility reports whether m is a name of several words ending in a
// building or organisation word. A GeoNames alternate of that shape in
// English text names the building, not the city it translates ("White
// House" is an alternate of Casablanca, Dar el Beida); a feature's
// alternate still links ("Salt Lake" of Salt Lake City).
func (s *state) namesFacility(m *mention) bool {
	if m.t1-m.t0 < 2 {
		return false
	}
	last := s.toks[m.t1-1].Text
	return facilityWords[last] || orgWords[last]
}
