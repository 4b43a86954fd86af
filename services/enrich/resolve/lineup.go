package resolve

import (
	"slices"
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// lineupLabels open a list of players by its role rather than by a
// team's name: "Replacements: Kalman, Regan", "Subs Not Used: Weaver,
// Onuoha", "Booked: Rooney, Scholes".
var lineupLabels = set(`Replacements Subs Substitutes Used Booked Goals Scorers Scorer Try Tries Cons Pens Dropped Sent`)

// lineupItem is one player of a team sheet: the name's tokens [t0, t1).
type lineupItem struct{ t0, t1 int }

// lineups finds team sheets, the lists of players after a team's name
// and a colon (or opening a paragraph) that sports reports print ("Leeds: Balshaw; Rees,
// Christophers, Bell, Doherty; McMullen, Dickens; ... Palmer (capt)",
// "Man Utd: Carroll, Gary Neville, ..., O'Shea (Ronaldo 33), Keane",
// "Subs Not Used: Howard, Bellion"), and makes every name of them a
// person: the tagger reads these runs of surnames as places, clubs or
// one long name ("Doherty; McMullen"). A list is a team sheet by its
// shape alone, not by its names: at least six names of at most four
// words, each followed by a comma or a semicolon, and a semicolon
// between positions, a captain or a substitution in brackets, or eleven
// names or more (a football side); once an article has one, the short
// lists after a role label (`Replacements`, `Subs`, `Booked`) are team
// sheets too. A name the gazetteer knows as a country or a knowledge
// base organisation is no player, and a list with more than one such
// name is no team sheet ("Pool A: France, Ireland, Scotland"). An
// article with a sheet is a sports story (strictSport).
func (s *state) lineups() {
	type sheet struct {
		items  []lineupItem
		strong bool // shaped like a side's sheet
		label  bool // after a role label
	}
	var sheets []sheet
	var buf [16]lineupItem // most lists are no sheet: kept off the heap until one is
	for i := 0; i < len(s.toks); i++ {
		// A sheet follows a colon ("Leeds: Balshaw; Rees") or opens a
		// sentence where the team's name is left out.
		start, label := i, false
		if s.toks[i].Text == ":" {
			start, label = i+1, i > 0 && lineupLabels[s.toks[i-1].Text]
		} else if !s.toks[i].initial || s.toks[i].headline {
			continue
		}
		if start >= len(s.toks) || !isCap(s.toks[start].Text) {
			continue
		}
		items, semi, bracket, end := s.lineupAt(start, buf[:0])
		if len(items) == 0 {
			continue
		}
		sh := sheet{label: label}
		sh.strong = len(items) >= 6 && (semi || bracket || len(items) >= 11)
		if sh.strong || sh.label {
			sh.items = slices.Clone(items)
			sheets = append(sheets, sh)
			i = end - 1
		}
	}
	strong := false
	for _, sh := range sheets {
		strong = strong || sh.strong
	}
	if !strong {
		return
	}
	s.strict = 1 // a side's sheet makes a sports story
	for _, sh := range sheets {
		known := 0
		for _, it := range sh.items {
			if s.notPlayer(it) {
				known++
			}
		}
		if known > 1 {
			continue
		}
		for _, it := range sh.items {
			if s.notPlayer(it) {
				continue
			}
			for k := it.t0; k < it.t1; k++ {
				if j := s.owner[k]; j >= 0 {
					// The tagger's span, which may run over a separator
					// ("Doherty; McMullen"), gives way to the names.
					o := s.ms[j]
					for x := o.t0; x < o.t1; x++ {
						if s.owner[x] == j {
							s.owner[x] = -1
						}
					}
					o.text = ""
				}
				s.owner[k] = -1
			}
			m := &mention{t0: it.t0, t1: it.t1, typ: gazetteer.Person, src: srcPattern, lineup: true}
			m.text = strings.Join(strings.Fields(s.span(it.t0, it.t1)), " ")
			if s.usable(m) {
				s.add(m)
			}
		}
	}
}

// lineupAt reads the list of names starting at token k: names of one to
// four capitalised words (a lower-case particle inside: "van Persie"),
// each with an optional bracket ("(capt)", a substitute "(Ronaldo 33)",
// itself a name of the list) and goal minutes ("Rooney 68"), separated
// by commas or semicolons. It returns the names (appended to items),
// whether a semicolon or a bracket was seen, and the token after the list.
func (s *state) lineupAt(k int, items []lineupItem) (_ []lineupItem, semi, bracket bool, end int) {
	name := func(k int) int { // the token after a name starting at k, or k
		n := k
		for n < len(s.toks) && n-k < 4 {
			t := s.toks[n].Text
			switch {
			case isCap(t) && isWord(t):
			case n > k && lineupParticles[t] && n+1 < len(s.toks) && isCap(s.toks[n+1].Text):
			default:
				return n
			}
			n++
		}
		return n
	}
	for k < len(s.toks) {
		n := name(k)
		if n == k || n-k > 4 {
			break
		}
		items = append(items, lineupItem{k, n})
		for n < len(s.toks) && (isNumber(s.toks[n].Text) || s.toks[n].Text == "og" || s.toks[n].Text == "pen") {
			n++
		}
		if n < len(s.toks) && s.toks[n].Text == "(" {
			c := n + 1
			for c < len(s.toks) && c-n <= 6 && s.toks[c].Text != ")" {
				c++
			}
			if c >= len(s.toks) || s.toks[c].Text != ")" {
				break
			}
			inner := strings.ToLower(s.toks[n+1].Text)
			switch {
			case inner == "capt" || inner == "capt." || inner == "c" || inner == "captain":
				bracket = true
			default:
				if e := name(n + 1); e > n+1 && e < c && isNumber(s.toks[e].Text) {
					items = append(items, lineupItem{n + 1, e})
					bracket = true
				}
			}
			n = c + 1
		}
		if n >= len(s.toks) || s.toks[n].Text != "," && s.toks[n].Text != ";" {
			end = n
			return items, semi, bracket, end
		}
		semi = semi || s.toks[n].Text == ";"
		k = n + 1
	}
	return items, semi, bracket, k
}

// lineupParticles stand inside a player's name: "van Persie", "de Boer".
var lineupParticles = set(`van von de der den da dos du le la di`)

// notPlayer reports whether a name of a list is a country or an
// organisation the knowledge base knows, which no team sheet lists.
func (s *state) notPlayer(it lineupItem) bool {
	text := s.span(it.t0, it.t1)
	for _, c := range s.r.g.Lookup(text) {
		if c.Entry.Type == gazetteer.Place && c.Entry.Class == gazetteer.Country ||
			c.Entry.Type == gazetteer.Organization && c.Entry.Curated {
			return true
		}
	}
	return false
}
