package resolve

import (
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// Products and technologies (issue 14, session 14). A product, a program,
// a virus or a technology is none of the three types enrich shows, so,
// like a film, it is not shown; the tagger types them person ("Mario
// Kart"), organisation ("Cabir", "Bluetooth") or place ("Encarta") with
// nothing in the name itself to tell. The cues are the words around the
// name, and one cue types the name for the whole article.

// technologyAfter follow a product's or a technology's name in lower case:
// "the Cabir virus", "Bluetooth technology", "its Encarta encyclopaedia",
// "Light Scribe labelling software" (one lower-case word may stand
// between), "the Symbian Series 60 phone operating system". Not words a
// company's name takes as often ("Nokia phones", "Sony games", "Intel
// chips"): a company the knowledge base knows is shown anyway, but an
// unknown one would be lost. Plurals are left out for the same reason:
// "Mozilla browsers" are the foundation's.
var technologyAfter = set(`virus worm trojan software technology encyclopaedia encyclopedia browser operating`)

// calledNouns come before "called", "named", "dubbed" or "codenamed" and
// a product's name: "a short-range messaging application called
// Pictochat", "The tool, called Picasa". Not "a company called", "a band
// called", "a man called".
var calledNouns = set(`application applications app apps tool tools program programs software game games console consoles
handheld gadget gadgets device devices virus viruses worm worms technology technologies browser handset handsets
phone phones chip chips format`)

// calledWords introduce a name after a noun.
var calledWords = set(`called named dubbed codenamed`)

// agentAfter follow a company's or a person's name, hardly a product's:
// "Apple said", "Apple sues", "Apple's".
var agentAfter = set(`said says told announced sued sues 's ’s`)

// technologyRoleAfter follow technologyAfter in a role or a company's
// description, where the name before is a body's: "RNID technology
// director", "St Bernard software firm".
var technologyRoleAfter = set(`director directors chief officer correspondent editor head manager firm firms company companies
maker makers giant group spokesman spokeswoman executive analyst analysts`)

// technologyNamed reports whether the words after m name a technology or
// a product: the next word, or the one after a lower-case word, is one of
// technologyAfter ("Cabir virus", "Light Scribe labelling software"). A
// name opening with a first name the tagger knows is left alone: "Martin
// Lewis technology correspondent" is a person.
func (s *state) technologyNamed(m *mention, after int, named bool) bool {
	if named || after >= len(s.toks) {
		return false
	}
	if s.spokesmanFor(m) {
		return false // "spokesman for St Bernard software"
	}
	k := after
	if w := s.toks[k].Text; !technologyAfter[w] && isWord(w) && !isCap(w) && !strings.HasSuffix(w, "s") {
		k++ // one lower-case modifier between: "Light Scribe labelling software"
	}
	if k >= len(s.toks) || !technologyAfter[s.toks[k].Text] {
		return false
	}
	return k+1 >= len(s.toks) || !technologyRoleAfter[strings.ToLower(s.toks[k+1].Text)]
}

// calledProduct reports whether a product or technology noun comes
// shortly before "called" (or "named", "dubbed", "codenamed") and m:
// "a short-range messaging application called Pictochat", "The tool,
// called Picasa". The noun is looked for among the four words before
// "called", within the sentence.
func (s *state) calledProduct(m *mention) bool {
	k := m.t0 - 1
	if k < 1 || !calledWords[s.toks[k].Text] {
		return false
	}
	for j := k - 1; j >= 0 && j >= k-4; j-- {
		w := s.toks[j].Text
		if w == "." || w == ";" || w == ":" || w == "\"" {
			return false
		}
		if calledNouns[strings.ToLower(w)] && !isCap(w) {
			return true
		}
	}
	return false
}

// productsByName hides the names the article's product cues type
// (productAfter, technologyNamed, calledProduct), after the cues of lists
// were spread (coordinated), so that a product does not take its maker
// along ("PlayStation 3, Xenon, and Nintendo's"), and unless a mention
// speaks or owns, or the words around a mention say it is a company
// ("Apple said", "Nintendo's", "an Apple spokesman": the maker of
// "Apple software" or of the "Nintendo handheld"; a cue in the name's own
// words, "Light" a brand the knowledge base knows, does not count).
//
// Then it extends a product to the names that hold it: a capitalised
// word before a product noun ("the DS console", "8 million DS consoles",
// "Internet Protocol TV technology", with technologyNamed's guards: not
// "RNID technology director", not "spokesman for St Bernard software")
// or after one ("its handheld console, the DS"),
// which the tagger need not have found, makes a name of several words
// that ends in it ("Nintendo DS", "Rayman DS") or runs on into it ("Mario
// Kart" before "DS") that product or a title for it, not shown. Not a
// name that ends in it and opens with a first name the tagger knows, nor
// one the knowledge base or the curated tables know.
func (s *state) productsByName(clusters map[int]*cluster, find func(int) int) {
	for _, c := range clusters {
		if !c.product || c.entry != nil || c.agent || c.orgContext {
			c.product = false
			continue
		}
		c.work = true
	}
	var products map[string]bool
	for k, t := range s.toks {
		if !isCap(t.Text) || !isWord(t.Text) {
			continue
		}
		next := ""
		if k+1 < len(s.toks) {
			next = s.toks[k+1].Text
		}
		tech := technologyAfter[next] && next != "operating" && (k+2 >= len(s.toks) || !technologyRoleAfter[strings.ToLower(s.toks[k+2].Text)])
		if productAfter[next] || tech || k > 0 && s.toks[k-1].Text == "the" && s.namedAfterNoun(k-1) {
			if products == nil {
				products = make(map[string]bool)
			}
			products[t.Text] = true
		}
	}
	if products == nil {
		return
	}
	for i, m := range s.ms {
		if m.text == "" || m.entry != nil || m.t1-m.t0 < 2 {
			continue
		}
		c := clusters[find(i)]
		if c == nil || c.work || c.titled || c.entry != nil {
			continue
		}
		ends := products[s.toks[m.t1-1].Text]
		runsOn := m.t1 < len(s.toks) && products[s.toks[m.t1].Text] && s.owner[m.t1] != i
		if !ends && !runsOn {
			continue
		}
		if s.spokesmanFor(m) {
			continue // "spokesman for St Bernard software"
		}
		if !runsOn && m.typ == gazetteer.Person && s.r.tagger.FirstName(s.toks[m.t0].Text) {
			continue // a person's name runs into no product's: "Mario Kart DS"
		}
		c.work = true
	}
}

// spokesmanFor reports whether m follows "for" or "at" after a company's
// role: "spokesman for St Bernard software", "analyst at X".
func (s *state) spokesmanFor(m *mention) bool {
	return m.t0 > 1 && (s.toks[m.t0-1].Text == "for" || s.toks[m.t0-1].Text == "at") && orgAtBefore[s.toks[m.t0-2].Text]
}
