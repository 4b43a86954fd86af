package resolve

import (
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// surnameParticles open a surname of several words: "van Persie", "de
// Villepin", "van der Sar", "Di Canio".
var surnameParticles = set(`van von der den de di da del della des du le la ten ter`)

// particleSurname gives the person mention a mention of particles and one
// last word ends (issue 14, session 14): "Van Persie" opening a sentence
// or a headline is Robin van Persie, "Van der Sar" Edwin van der Sar.
// last maps a folded surname (a full name's last word) to the one person
// mention that has it. It returns -1 when m is no such surname or no
// single person of the article ends in it.
func (s *state) particleSurname(m *mention, last map[string]int) int {
	if !s.particlesOnly(m) {
		return -1
	}
	n := m.t1 - m.t0
	j, ok := last[gazetteer.Fold(s.toks[m.t1-1].Text)]
	if !ok || j < 0 {
		return -1
	}
	full := strings.Fields(s.ms[j].text)
	if len(full) <= n {
		return -1
	}
	for k := 0; k < n; k++ {
		if gazetteer.Fold(full[len(full)-n+k]) != gazetteer.Fold(s.toks[m.t0+k].Text) {
			return -1
		}
	}
	return j
}

// particlesOnly reports whether m is two or three words, all but the last
// surname particles ("Van Persie", "Van der Sar"), and no title precedes
// it: a surname, which names no person of its own (surnames leaves it
// out of the article's full names, or "Van Persie" and "Robin van
// Persie" would share the surname "Persie" and neither join).
func (s *state) particlesOnly(m *mention) bool {
	n := m.t1 - m.t0
	if n < 2 || n > 3 || m.titled {
		return false
	}
	for k := m.t0; k < m.t1-1; k++ {
		if !surnameParticles[strings.ToLower(s.toks[k].Text)] {
			return false
		}
	}
	return true
}
