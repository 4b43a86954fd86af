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
	var bySurname map[string][]int
	for i, m := range s.ms {
		if m.text == "" || m.typ != gazetteer.Person || m.t1-m.t0 < 2 || !isCap(s.toks[m.t0].Text) {
			continue
		}
		if bySurname == nil {
			bySurname = make(map[string][]int)
		}
		k := gazetteer.Fold(s.toks[m.t1-1].Text)
		bySurname[k] = append(bySurname[k], i)
	}
	for _, is := range bySurname {
		var first [2]string
		n := 0
		for _, i := range is {
			f := strings.ToLower(s.toks[s.ms[i].t0].Text)
			if n > 0 && first[0] == f || n > 1 && first[1] == f {
				continue
			}
			if n == 2 {
				n = 3 // a third first name: the surname is no one person's
				break
			}
			first[n] = f
			n++
		}
		if n != 2 || !nicknames()[first[0]+"|"+first[1]] {
			continue
		}
		for _, i := range is[1:] {
			union(i, is[0])
		}
	}
}
