// A place's name that stands for a side in a sports story: "Newcastle
// prop Ed Kalman", "Ulster were beaten", "against Leinster".

package resolve

import "github.com/newsflow/newsflow/services/enrich/gazetteer"

// sideOfPlace reports whether m, a place, names its side in a sports
// story (strictSport): a town, or a province of the knowledge base
// (Munster, Ulster; not a country nor a curated region, since "England
// captain" and "Wales were" are the nation's side, which stays the
// place), followed by a player's or coach's role ("Newcastle prop",
// "Leicester's coach") or a plural verb ("Ulster were"), or after
// "against", "beat", "faced" or "v" ("against Leinster") or "match with"
// ("game with Ulster"). prev and prev2 are the words before m (before
// its "the"), next and next2 the two after it; lnext is next in lower
// case.
func (s *state) sideOfPlace(m *mention, prev, prev2, lnext, next, next2 string) bool {
	e := m.entry
	if e == nil || e.Type != gazetteer.Place || e.Class == gazetteer.Country || e.Class == gazetteer.Region && e.Curated {
		return false
	}
	town := e.Class != gazetteer.Region
	cue := clubRoleAfter[lnext] || possessive[next] && clubRoleAfter[next2]
	if !town {
		cue = cue || pluralVerbs[next] || sideBefore[prev] || prev == "with" && fixtureWords[prev2]
	}
	return cue && s.strictSport()
}

// sideBefore come before a side's name in a sports story: "against
// Leinster", "beat Munster", "faced Leinster", "Ulster v Leinster".
var sideBefore = set(`against beat beating faced face v vs`)

// fixtureWords come before "with" and a side: "Friday's game with Ulster".
var fixtureWords = set(`game match clash tie meeting`)
