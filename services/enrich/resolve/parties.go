// Political parties of the knowledge base link by the article's
// countries: a party's name is often an ordinary phrase ("Meeting Point",
// a Hong Kong party, is also a TV show) and its acronym a string of
// capitals many parties share ("KDP").

package resolve

import (
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// mayBeParty reports whether m, which nothing else links, may name a
// party of the knowledge base: a name of several words that is a party's
// name or alias, or a word of three to six capitals that is a party's
// alias (NLD) or the initials of its name (KDP), unless the article
// defines it (as another name: "Iraqi News Agency (INA)") or speaks of
// no politics ("PSP" in a story of games consoles is Sony's).
func (s *state) mayBeParty(m *mention) bool {
	if m.titled || m.typ == gazetteer.Place {
		return false
	}
	if m.t1-m.t0 == 1 && (!partyAcronym(m.text) || m.acronym >= 0 || !s.politics()) {
		return false
	}
	return len(s.parties(m, nil)) > 0
}

// partyAcronym reports whether w is three to six capital letters: two
// name too many things ("DS" of Nintendo's console, "GB" of Great
// Britain's side).
func partyAcronym(w string) bool {
	if len(w) < 3 || len(w) > 6 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

// parties returns the knowledge base's parties m may name, those of the
// countries in ctx only when ctx is not nil.
func (s *state) parties(m *mention, ctx map[string]bool) []*gazetteer.Entry {
	var out []*gazetteer.Entry
	add := func(es []*gazetteer.Entry) {
		for _, e := range es {
			if gazetteer.Party(e) && (ctx == nil || ctx[e.Country]) {
				out = append(out, e)
			}
		}
	}
	add(s.r.g.Known(m.text))
	if m.t1-m.t0 == 1 {
		add(s.r.g.PartiesByInitials(m.text))
	}
	return out
}

// euParties is Party Facts' code for the European Parliament's groups
// (kb-build keeps a code without an ISO alpha-2 as it is), and euQID the
// European Union's id (aliases.tsv): the groups' country is the Union,
// in view when the article names it or the European Parliament.
const (
	euParties = "EUN"
	euQID     = "Q458"
)

// linkParties links each of ms to the one party of its name (or acronym)
// in the countries of the article: those of its countries, regions,
// capitals and dateline, of its cities whose name no other country
// shares, and of its nationality adjectives ("Iraqi"); the European
// Parliament's groups where it names the European Union. Two parties of one
// name in those countries, or none, leave it unlinked; a mention nothing
// else types is then dropped, as link drops it.
func (s *state) linkParties(ms []*mention) {
	if len(ms) == 0 {
		return
	}
	ctx := make(map[string]bool)
	for _, m := range s.ms {
		e := m.entry
		if m.text != "" && (e != nil && e.ID == euQID || m.text == "European Parliament") {
			ctx[euParties] = true
		}
		if m.text == "" || e == nil || e.Type != gazetteer.Place || e.Country == "" {
			continue
		}
		if m.dateline || e.Class >= gazetteer.Region || e.Curated ||
			countryCount(m.cands) == 1 && (e.Population >= 100000 || e.Class == gazetteer.AdminSeat) {
			ctx[e.Country] = true
		}
	}
	for _, t := range s.toks {
		if isCap(t.Text) {
			if e := s.r.g.Demonym(t.Text); e != nil && e.Class == gazetteer.Country {
				ctx[e.Country] = true
			}
		}
	}
	for _, m := range ms {
		var party *gazetteer.Entry
		n := 0
		for _, e := range s.parties(m, ctx) {
			if party == nil || party.ID != e.ID {
				n++
			}
			party = e
		}
		if n == 1 && (m.t1-m.t0 > 1 || m.typ != gazetteer.Person) {
			m.entry, m.typ = party, gazetteer.Organization
		}
		if m.typ == 0 {
			m.text = "" // nothing says what it is
		}
	}
}

// politicsWords are the words of a story about politics, in lower case.
var politicsWords = set(`party parties election elections parliament parliamentary opposition coalition faction factions
	mp mps minister ministers rebel rebels`)

// politics reports whether the article has a word of politicsWords.
func (s *state) politics() bool {
	for _, t := range s.toks {
		if len(t.Text) >= 2 && len(t.Text) <= 13 && politicsWords[strings.ToLower(t.Text)] {
			return true
		}
	}
	return false
}
