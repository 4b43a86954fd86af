package resolve

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"

	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// nicknamesCSV is names.csv of carltonnorthern/nicknames at 21d7505
// (Apache-2.0, data/nicknames-LICENSE.txt): rows "name,has_nickname,
// nickname" in lower case ("jeffrey,has_nickname,jeff").
//
//go:embed data/nicknames.csv
var nicknamesCSV string

// nicknames holds each pair of nicknamesCSV as "name|nickname" and
// "nickname|name"; read on first use.
var nicknames = sync.OnceValue(func() map[string]bool {
	pairs := make(map[string]bool, 6000)
	sc := bufio.NewScanner(strings.NewReader(nicknamesCSV))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) != 3 || f[1] != "has_nickname" {
			continue // the header
		}
		pairs[f[0]+"|"+f[2]] = true
		pairs[f[2]+"|"+f[0]] = true
	}
	return pairs
})

// hypocorisms joins the persons of an article written with one surname
// and two first names, one a nickname of the other (issue 14, session
// 14): "Jeff Zients" and "Jeffrey Zients", "Steve Bannon" and "Stephen
// Bannon", "Dave Brockie" and "David Brockie". Nothing may contradict:
// the surname's persons have exactly these two first names ("Jeff", "Jeffrey"
// and "Mark" with one surname join nothing). The knowledge base holds no
// two persons that one surname and such a pair of first names would join.
func (s *state) hypocorisms(union func(a, b int)) {
	for i, m := range s.ms {
		if !s.namedInFull(m) {
			continue
		}
		surname := s.toks[m.t1-1].Text
		first := [2]string{s.toks[m.t0].Text}
		n, earlier := 1, false
		for j, o := range s.ms {
			if j == i || !s.namedInFull(o) || s.toks[o.t1-1].Text != surname {
				continue
			}
			if j < i {
				earlier = true // the surname's first person did the work
				break
			}
			f := s.toks[o.t0].Text
			if f == first[0] || n == 2 && f == first[1] {
				continue
			}
			if n == 2 {
				n = 3 // a third first name: the surname is no one person's
				break
			}
			first[1] = f
			n++
		}
		if earlier || n != 2 || !nicknames()[strings.ToLower(first[0])+"|"+strings.ToLower(first[1])] {
			continue
		}
		for j, o := range s.ms {
			if j != i && s.namedInFull(o) && s.toks[o.t1-1].Text == surname {
				union(j, i)
			}
		}
	}
}

// namedInFull reports whether m is a person of a capitalised first name
// and a surname at least.
func (s *state) namedInFull(m *mention) bool {
	return m.text != "" && m.typ == gazetteer.Person && m.t1-m.t0 >= 2 && isCap(s.toks[m.t0].Text)
}
