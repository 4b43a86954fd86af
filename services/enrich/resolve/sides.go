// A place's name that stands for a side in a sports story: "Newcastle
// prop Ed Kalman", "Ulster were beaten", "against Leinster".

package resolve

import (
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

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
	return (cue || town && s.fixtureLine(m)) && s.strictSport() || !sideNouns[lnext] && !nounAfter(next) && s.transferred(m, prev) && s.sportStory()
}

// fixtureLine reports whether m stands in a line of fixtures (issue 14,
// session 15): a line with "v" that holds nothing but names and the
// words and signs between sides ("Cardiff or Blackburn v Colchester",
// "Swindon/Notts Co v Middlesbrough"), as a cup draw or a list of
// fixtures prints it. A town there is its club; a country stays the
// country (its national side, as elsewhere).
func (s *state) fixtureLine(m *mention) bool {
	if !s.hasV() {
		return false
	}
	first, last := m.t0, m.t1-1
	for first > 0 && !strings.Contains(s.d.Text[s.toks[first-1].End:s.toks[first].Start], "\n") {
		first--
	}
	for last+1 < len(s.toks) && !strings.Contains(s.d.Text[s.toks[last].End:s.toks[last+1].Start], "\n") {
		last++
	}
	v := false
	for k := first; k <= last; k++ {
		switch w := s.toks[k].Text; {
		case w == "v" || w == "vs" || w == "v." || w == "vs.":
			v = true
		case fixtureJoins[w] || isCap(w) || w == "." && k > first && isCap(s.toks[k-1].Text):
		default:
			return false
		}
	}
	return v
}

// hasV reports whether the article writes "v" or "vs" anywhere (once
// for the article: most have no fixture).
func (s *state) hasV() bool {
	if s.fixtures == 0 {
		s.fixtures = -1
		for _, t := range s.toks {
			if t.Text == "v" || t.Text == "vs" || t.Text == "v." || t.Text == "vs." {
				s.fixtures = 1
				break
			}
		}
	}
	return s.fixtures > 0
}

// fixtureJoins stand between the sides of a fixtures line besides "v":
// "Cardiff or Blackburn", "Swindon/Notts Co", "France v Israel;".
var fixtureJoins = set(`or / ; & , of`)

// nounAfter reports whether next, the word after a name, is a lower-case
// word that is no function word: the name modifies it ("joins Edinburgh
// line-up": the runner joins a race's field, not a club).
func nounAfter(next string) bool {
	if next == "" || !isWord(next) || isCap(next) || prepositions[next] {
		return false
	}
	switch next {
	case "and", "or", "but", "after", "before", "until", "last", "this", "earlier", "later", "in", "on":
		return false
	}
	return true
}

// sideNouns after a place's name make it the place's: "joining the London
// side", "a move to the Madrid club" (the club is named elsewhere).
var sideNouns = set(`side sides team teams club clubs outfit squad derby`)

// sideBefore come before a side's name in a sports story: "against
// Leinster", "beat Munster", "faced Leinster", "Ulster v Leinster".
var sideBefore = set(`against beat beating faced face v vs`)

// fixtureWords come before "with" and a side: "Friday's game with Ulster".
var fixtureWords = set(`game match clash tie meeting`)

// transferBefore come before "to", "from" or "at" and a club in a sports
// story, shortly before it in the sentence: "a £2.2m move from Chelsea",
// "a move to Atletico Madrid from Birmingham City", "a loan spell at
// Ipswich" (nouns: "moving from Colchester to London" is an athlete's
// home); joinWords right before it, in a story with two words only
// sport uses: "joined Everton".
var (
	transferBefore = set(`move switch transfer loan spell`)
	joinWords      = set(`join joins joined joining rejoin rejoined`)
)

// transferred reports whether m follows a player's move to or from it
// (issue 14, session 14): "a move from Chelsea", "a move to Atletico
// Madrid from Birmingham City", "joined Everton". A town that a player
// moves to in a sports story (sportStory: three sport words, as a
// transfer story may have no "striker" or "league") is its club; the
// nations stay places (sideOfPlace excludes countries and curated
// regions). prev is the word before m (before its "the").
func (s *state) transferred(m *mention, prev string) bool {
	if joinWords[prev] {
		return s.strictSport()
	}
	if prev != "to" && prev != "from" && prev != "at" {
		return false
	}
	k := m.t0 - 2
	if k >= 0 && s.toks[k].Text == "the" {
		k--
	}
	for j := k; j >= 0 && j >= k-5; j-- {
		w := s.toks[j].Text
		if w == "." || w == "," || w == ";" || w == ":" {
			return false
		}
		if transferBefore[w] {
			return true
		}
	}
	return false
}

// clubSuffixes end a club's name, and a town's rarely: "Birmingham City",
// "Man City", "Bolton Wanderers", "Derby County".
var clubSuffixes = set(`City United Rovers Athletic Wanderers Albion Town Rangers Hotspur Argyle Orient County Villa Alexandra Academicals`)

// clubNamed reports whether m is a name of several words that the
// gazetteer does not know, ending in a club's word, in a sports story
// (issue 14, session 14): the tagger types "Birmingham City" and "Man
// City" places, but a city the gazetteer lacks is no place; "Mexico
// City" and "Kansas City" are known and stay places. The story has two
// words only sport uses (strictSport), or three sport words (sportStory)
// and the name opens with a place's name: not the "White City
// redevelopment" of a business story that says "win" and "final".
func (s *state) clubNamed(m *mention) bool {
	if m.entry != nil || m.t1-m.t0 < 2 || m.typ != gazetteer.Place || !clubSuffixes[s.toks[m.t1-1].Text] {
		return false
	}
	return s.strictSport() || s.sportStory() && hasPlace(s.r.g.Lookup(s.toks[m.t0].Text))
}
