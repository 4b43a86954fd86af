package resolve

import (
	"slices"
	"strings"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// creditWords open a photo credit ("Photo: Saul Loeb/AFP", "(AP
// Photo/Bob Galbraith)", "Photograph: Chip Somodevilla/Getty Images",
// "Photo credit should read Thomas Coex/AFP"), in lower case.
var creditWords = set(`photo photos photograph photographs photographer picture pictures pic image images credit`)

// creditLinks are the words between a credit word and the name, in lower
// case: "Photo by", "Photo credit should read".
var creditLinks = set(`: / by should read`)

// agencies are the picture agencies written after a photographer's name
// and a slash ("Scott Olson/Getty Images", "Chip Chipman/Bloomberg
// News"), in lower case.
var agencies = set(`getty afp ap reuters epa bloomberg pool corbis rex shutterstock alamy nurphoto anadolu sopa sipa
	xinhua zuma tns redux invision polaris kyodo yonhap efe ansa dpa gpo`)

// credits drops the names of photo credits (issue 14, session 15): the
// photographer is no one the article is about, and an analyst's facet
// showed "Saul Loeb" or "Chip Somodevilla" among the persons of a story.
// A name is a credit when a credit word and ':', '/', 'by' or 'should
// read' come right before it, and, unless the word and the name are
// joined by a slash ("AP Photo/Name", "AFP PHOTO / NAME"), the credit
// ends after it (a slash, a comma, a bracket or a line break: "Photo:
// Barack Obama waves" is a caption, not a credit); or when a slash and an
// agency follow a name not typed an organisation ("Scott Olson/Getty
// Images"; "(KMOX/AP)" credits a station's report). The agency written
// after a credited name goes with it ("Getty" of "Adam Berry/Getty
// Images" is no place). The article's other mentions of the name stay.
func (s *state) credits() {
	var ends []int // the last token of each credited name
	for _, m := range s.ms {
		if m.text != "" && !m.lineup && (s.creditBefore(m.t0, m.t1) || m.typ != gazetteer.Organization && s.agencyAfter(m.t1)) {
			m.text = ""
			ends = append(ends, m.t1-1)
		}
	}
	for _, m := range s.ms {
		if m.text != "" && m.t0 >= 2 && s.toks[m.t0-1].Text == "/" && slices.Contains(ends, m.t0-2) {
			m.text = ""
		}
	}
}

// creditBefore reports whether a credit opens right before the name at
// tokens [t0, t1).
func (s *state) creditBefore(t0, t1 int) bool {
	slash := false
	k := t0 - 1
	for ; k >= 0 && t0-k <= 4 && creditLinks[strings.ToLower(s.toks[k].Text)]; k-- {
		slash = slash || s.toks[k].Text == "/"
	}
	if k < 0 || k == t0-1 || !creditWords[strings.ToLower(s.toks[k].Text)] {
		return false
	}
	return slash || s.creditEnds(t1)
}

// creditEnds reports whether a credit may end before token t: at the end
// of the text or of a line, or at a slash, a comma or a bracket.
func (s *state) creditEnds(t int) bool {
	if t >= len(s.toks) || strings.Contains(s.d.Text[s.toks[t-1].End:s.toks[t].Start], "\n") {
		return true
	}
	switch s.toks[t].Text {
	case "/", ",", ")", ";", "|":
		return true
	}
	return false
}

// agencyAfter reports whether a slash and a picture agency come at token
// t ("/Getty", "/ AFP").
func (s *state) agencyAfter(t int) bool {
	return t+1 < len(s.toks) && s.toks[t].Text == "/" && agencies[strings.ToLower(s.toks[t+1].Text)]
}
