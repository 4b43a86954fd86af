package resolve

import (
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// usPrefixes qualify the name of a US federal body: "U.S. Food and Drug
// Administration", "US Senate", "United States Department of Homeland
// Security".
var usPrefixes = []string{"U.S. ", "US ", "United States "}

// federalHeads are words of a federal body's name, one of which the name
// after the prefix must hold.
var federalHeads = set(`Administration Agency Department Service Bureau Commission Command Police Patrol
Guard Corps Centers Representatives Survey Institute Protection`)

// federalNames are federal bodies and buildings of one word that the
// articles name without the prefix more often than with it.
var federalNames = set(`Congress Senate Capitol`)

// usBodies drops "U.S." and its variants before the name of a US federal
// body, so that one body has one name (issue 14, session 14): "U.S. Food
// and Drug Administration" (9 articles of Wikinews, AllSides and GVC) and
// "US Food and Drug Administration" (8) beside "Food and Drug
// Administration" (38) were three entities; "US Congress" (7) beside
// "Congress" (134), "US Senate" beside "Senate".
// An organisation's or a place's name is cut where what follows the
// prefix is one of federalNames, or is a name of two words or more that
// holds a federalHeads word ("U.S. Capitol Police"; since session 15 the
// Capitol Police no longer takes the article's "Capitol" as its short
// form, guarded); not when the gazetteer knows the whole name.
// Courts, offices and committees keep the prefix: "U.S. District Court"
// is one of many district courts, "U.S. Attorney's Office" one of many
// attorneys' offices.
func (s *state) usBodies() {
	for _, m := range s.ms {
		if m.text == "" || m.typ == gazetteer.Person || m.given || m.entry != nil {
			continue
		}
		var rest string
		for _, p := range usPrefixes {
			if r, ok := strings.CutPrefix(m.text, p); ok {
				rest = r
				break
			}
		}
		if rest == "" || !s.federalBody(rest) || len(s.r.g.Lookup(m.text)) > 0 || len(s.r.g.Known(m.text)) > 0 {
			continue
		}
		t0 := m.t0
		for t0 < m.t1 && s.toks[t0].Start < s.toks[m.t0].Start+len(m.text)-len(rest) {
			t0++
		}
		if t0 == m.t1 || s.span(t0, m.t1) != rest {
			continue
		}
		s.trim(m, t0, m.t1, m.typ)
	}
}

// federalBody reports whether name, after a "U.S." prefix, is the name
// of a federal body.
func (s *state) federalBody(name string) bool {
	if federalNames[name] {
		return true
	}
	words := strings.Fields(name)
	if len(words) < 2 {
		return false
	}
	for _, w := range words {
		if federalHeads[w] {
			return true
		}
	}
	return false
}
