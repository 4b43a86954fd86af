package resolve

import "strings"

// pageFurniture are the words of web pages around an article that cleanup
// leaves in its text and the tagger takes for names: buttons, captions'
// controls, copyright lines, advertisement labels. Lower case, one phrase
// a line.
var pageFurniture = func() [][]string {
	var ps [][]string
	for _, line := range strings.Split(`advertisement continue reading
advertisement continue
advertisement
photo advertisement continue
buy photo
view full caption
caption close
all rights reserved
rights reserved
story highlights
manage newsletters
photo gallery
getty images
copyright`, "\n") {
		ps = append(ps, strings.Fields(line))
	}
	return ps
}()

// furniture strips page furniture from the ends of mentions (issue 14,
// session 13): "Advertisement Boyzone" of "Advertisement Boyzone singer
// Stephen Gately" is Boyzone, "Copyright Associated Press" the Associated
// Press, "Buy Photo Police" no name; "Caption Close", "All Rights
// Reserved" and "Story Highlights" alone are dropped. The longest phrase
// that opens or closes the mention goes.
func (s *state) furniture() {
	for _, m := range s.ms {
		if m.text == "" || m.lineup {
			continue
		}
		t0, t1 := m.t0, m.t1
		for n := s.furnitureAt(t0, t1, true); n > 0; n = s.furnitureAt(t0, t1, true) {
			t0 += n
		}
		for n := s.furnitureAt(t0, t1, false); n > 0; n = s.furnitureAt(t0, t1, false) {
			t1 -= n
		}
		if t0 == m.t0 && t1 == m.t1 {
			continue
		}
		if t0 >= t1 {
			m.text = ""
			continue
		}
		for k := t0; k < t1; k++ {
			// "Buy Photo Police vehicles": the name ends before a word in
			// lower case that the tagger ran on to.
			if w := s.toks[k].Text; isWord(w) && !isCap(w) && !connectors[w] {
				t1 = k
				break
			}
		}
		for k := m.t0; k < m.t1; k++ {
			if k < t0 || k >= t1 {
				s.owner[k] = -2
			}
		}
		m.t0, m.t1 = t0, t1
		m.cands, m.entry = nil, nil
		if t0 >= t1 || !s.clean(m) {
			m.text = "" // "The Collier County Sheriff's Office" loses its "The"
		}
	}
}

// furnitureAt returns the length of the longest page-furniture phrase
// that opens (start) or closes the tokens [t0, t1), or 0.
func (s *state) furnitureAt(t0, t1 int, start bool) int {
	best := 0
	for _, p := range pageFurniture {
		if len(p) > t1-t0 || len(p) <= best {
			continue
		}
		k := t0
		if !start {
			k = t1 - len(p)
		}
		match := true
		for j, w := range p {
			if !strings.EqualFold(s.toks[k+j].Text, w) {
				match = false
				break
			}
		}
		if match {
			best = len(p)
		}
	}
	return best
}
