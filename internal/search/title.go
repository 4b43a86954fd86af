package search

import (
	"strings"
	"unicode"
)

// DerivedTitleRunes is the longest derived title, before its ellipsis.
const DerivedTitleRunes = 80

// DisplayTitle returns the title to show for an article: title itself
// when it has one (derived false), else its lede shortened (derived
// true): the first sentence of the first paragraph, cut at a word
// boundary to at most DerivedTitleRunes with "…". An empty body gives "".
func DisplayTitle(title, body string) (display string, derived bool) {
	if t := strings.Join(strings.Fields(title), " "); t != "" {
		return t, false
	}
	lede, _, _ := strings.Cut(strings.TrimSpace(body), "\n\n")
	lede = strings.Join(strings.Fields(lede), " ")
	if lede == "" {
		return "", false
	}
	// The first sentence: up to a full stop, question or exclamation
	// mark followed by a space and a capital or digit, unless the stop
	// ends an abbreviation (U.S., Mr., Gen.).
	r := []rune(lede)
	for i := 1; i+2 < len(r); i++ {
		if (r[i] == '.' || r[i] == '?' || r[i] == '!') && r[i+1] == ' ' && (unicode.IsUpper(r[i+2]) || unicode.IsDigit(r[i+2])) && !abbreviation(r[:i]) {
			r = r[:i+1]
			break
		}
	}
	if len(r) <= DerivedTitleRunes {
		return string(r), true
	}
	cut := DerivedTitleRunes
	for j := DerivedTitleRunes; j > DerivedTitleRunes/2; j-- {
		if r[j] == ' ' {
			cut = j
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,;:-–—") + "…", true
}

// abbreviation reports whether the word that ends text looks like an
// abbreviation before a full stop: it ends in a capital (U.S), or is a
// capitalised word of up to three letters (Mr, Dr, Gen).
func abbreviation(text []rune) bool {
	start := len(text)
	for start > 0 && !unicode.IsSpace(text[start-1]) {
		start--
	}
	w := text[start:]
	if len(w) == 0 {
		return false
	}
	return unicode.IsUpper(w[len(w)-1]) || (unicode.IsUpper(w[0]) && len(w) <= 3)
}
