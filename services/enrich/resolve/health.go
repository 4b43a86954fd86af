package resolve

import "strings"

// diseaseWords name a disease or its virus, lower-cased: no entity an
// analyst looks for, however the text writes them ("COVID", "Covid-19").
var diseaseWords = set(`covid covid-19 covid19 coronavirus sars-cov-2 ebola zika mers h1n1 h5n1 monkeypox mpox`)

// variantLetters are the Greek letters that name the virus's variants
// ("the Delta variant", "Omicron").
var variantLetters = set(`Alpha Beta Gamma Delta Epsilon Eta Iota Kappa Lambda Mu Omicron`)

// variantFollowers make the letter before them a variant: "Delta
// variant", "Delta strain".
var variantFollowers = set(`variant variants strain`)

// diseaseNames drops the names of diseases and of the virus's variants
// (issue 14, session 13), which the tagger types as organisations or
// places: "COVID" was an organisation in 35 articles of Wikinews,
// AllSides and GVC, and "Delta" of "the Delta variant" a place in 30.
//   - A mention that is a disease word alone is dropped; one that ends
//     with one loses it ("Pfizer COVID-19" is Pfizer).
//   - A Greek letter alone is dropped in an article that names a disease
//     or writes the letter before "variant" or "strain", unless a longer
//     name of the article begins with it ("Delta Air Lines", whose short
//     form "Delta" stays).
func (s *state) diseaseNames() {
	disease := false
	var variants map[string]bool
	for k, t := range s.toks {
		if isDisease(t.Text) {
			disease = true
		}
		if variantLetters[t.Text] && k+1 < len(s.toks) && variantFollowers[s.toks[k+1].Text] {
			if variants == nil {
				variants = make(map[string]bool)
			}
			variants[t.Text] = true
		}
	}
	if !disease && variants == nil {
		return
	}
	for _, m := range s.ms {
		if m.text == "" || m.lineup {
			continue
		}
		last := isDisease(s.toks[m.t1-1].Text)
		switch {
		case last && m.t1-m.t0 == 1:
			m.text = ""
		case last:
			m.t1--
			s.owner[m.t1] = -2
			m.text = strings.Join(strings.Fields(s.span(m.t0, m.t1)), " ")
			m.cands, m.entry = nil, nil
			if !s.usable(m) {
				m.text = ""
			}
		case m.t1-m.t0 == 1 && variantLetters[m.text] && (disease || variants[m.text]) && !s.beginsLongerName(m):
			m.text = ""
		}
	}
}

// beginsLongerName reports whether a mention of several words begins
// with m's word: "Delta Air Lines" for "Delta".
func (s *state) beginsLongerName(m *mention) bool {
	w := s.toks[m.t0].Text
	for _, l := range s.ms {
		if l.text != "" && l.t1-l.t0 > 1 && s.toks[l.t0].Text == w {
			return true
		}
	}
	return false
}

// isDisease reports whether w is one of diseaseWords in any case. It
// folds ASCII into a buffer on the stack: every token of every article
// is asked.
func isDisease(w string) bool {
	var buf [12]byte
	if len(w) < 3 || len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return diseaseWords[string(buf[:len(w)])]
}
