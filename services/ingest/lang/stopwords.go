package lang

import (
	"strings"
	"unicode"
)

// The fast path: in news prose, function words decide the commonest Latin-
// script languages at a glance. Each word maps to the set of languages
// that use it; a language wins when it has enough hits and clearly more
// than the runner-up. Anything less clear goes to the trigram detector.

var stopLangs = []string{"en", "es", "fr", "de", "it", "pt", "nl", "sv", "pl", "tr", "id", "ro"}

var stopLists = [...]string{
	"the of and to in is was that for it with as on he she by at from his her have has are were be been this which not but they their an will would said who",
	"el la los las de del y en que es por con para una un se su al lo como más pero sus le ya fue ha este esta también entre sobre dijo",
	"le la les des de du et en un une est que qui pour dans par sur au aux pas ne il elle ont a été avec ce cette son sa ses plus",
	"der die das und in den von zu mit ist des sich nicht auf ein eine dem für im auch es an als wurde bei nach sie er wird hat aus werden über",
	"il la le di e che per un una in del della è non con si da al alla sono dei delle ha anche come più nel nella gli lo ma stato",
	"o a os as de do da dos das e em que um uma para com não por no na se ao mais foi como pelo pela é são seu sua também",
	"de het een en van in is op dat die te met voor niet zijn er aan ook als bij door om werd naar wordt maar hij ze heeft worden",
	"och i att det som en på är av för med till den har de inte om ett var men han hon från vid kan sig efter så också",
	"i w na z się nie do to że jest o a od za po jak ale przez dla co jego już oraz był które który tym",
	"ve bir bu da de için ile olarak çok daha gibi olan en ne o ama sonra kadar ancak her değil tarafından",
	"yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke adalah oleh karena ada sebagai bisa telah mereka",
	"și în de la cu a pe că din nu este o un care mai pentru au fost se ce sunt această lui",
}

var stopwords = func() map[string]uint16 {
	m := map[string]uint16{}
	for i, list := range stopLists {
		for _, w := range strings.Fields(list) {
			m[w] |= 1 << i
		}
	}
	return m
}()

// byStopwords returns the language whose function words dominate sample,
// or "" when the evidence is thin or split.
func byStopwords(sample string) string {
	var hits [len(stopLists)]int
	words := 0
	var buf [24]byte
	for _, field := range strings.FieldsFunc(sample, func(r rune) bool { return !unicode.IsLetter(r) }) {
		words++
		if len(field) > len(buf) {
			continue
		}
		w := field
		if !isLowerASCII(field) {
			w = strings.ToLower(field)
		} else {
			w = string(append(buf[:0], field...))
		}
		set := stopwords[w]
		for i := 0; set != 0; i, set = i+1, set>>1 {
			if set&1 != 0 {
				hits[i]++
			}
		}
	}
	best, second := -1, 0
	for i, h := range hits {
		if best < 0 || h > hits[best] {
			if best >= 0 {
				second = hits[best]
			}
			best = i
		} else if h > second {
			second = h
		}
	}
	if best < 0 || hits[best] < 6 || hits[best]*4 < words || hits[best]*2 < second*3 {
		return ""
	}
	return stopLangs[best]
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}
