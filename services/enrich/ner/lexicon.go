package ner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
)

// LexClass is the kind of a gazetteer name.
type LexClass uint8

// Gazetteer classes. The numbers are part of the weights file format.
const (
	LexCountry    LexClass = iota // a country or a variant of its name
	LexMajorPlace                 // a capital, a regional seat or a city of 100,000 or more
	LexPlace                      // any other populated place
	LexPlaceAlt                   // an alternate name of a major place
	LexPerson                     // a notable person
	LexOrg                        // an organisation
	LexPlaceAlias                 // a curated place variant
	LexKBOrg                      // an organisation of the knowledge base (brands, operators, political parties)
	LexDemonym                    // a nationality adjective or noun ("French", "Iraqi")
	LexFirstName                  // a common English first name
	LexRegion                     // a state, province or other first-level subdivision
	nLexClasses
)

// ErrLexicon is returned by ReadLexicon for a malformed line.
var ErrLexicon = errors.New("malformed lexicon")

var lexClassNames = [nLexClasses]string{"country", "major-place", "place", "place-alt", "person", "org", "place-alias", "kb-org", "demonym", "first-name", "region"}

// String returns the class name used in lexicon files.
func (c LexClass) String() string {
	if c < nLexClasses {
		return lexClassNames[c]
	}
	return fmt.Sprintf("LexClass(%d)", c)
}

// WriteLexicon writes entries as lines "class<TAB>name" after the given
// header lines (written as "# " comments).
func WriteLexicon(w io.Writer, header []string, entries []LexiconEntry) error {
	bw := bufio.NewWriter(w)
	for _, h := range header {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	for _, e := range entries {
		if strings.ContainsAny(e.Name, "\t\n") {
			continue
		}
		fmt.Fprintf(bw, "%s\t%s\n", e.Class, e.Name)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write lexicon: %w", err)
	}
	return nil
}

// ReadLexicon reads what WriteLexicon wrote.
func ReadLexicon(r io.Reader) ([]LexiconEntry, error) {
	var out []LexiconEntry
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cls, name, ok := strings.Cut(text, "\t")
		c := LexClass(0)
		for c < nLexClasses && lexClassNames[c] != cls {
			c++
		}
		if !ok || c == nLexClasses || name == "" {
			return nil, fmt.Errorf("lexicon line %d: %q: %w", line, text, ErrLexicon)
		}
		out = append(out, LexiconEntry{Name: name, Class: c})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read lexicon: %w", err)
	}
	return out, nil
}

// LexiconEntry is a known name given to Train as gazetteer evidence. The
// tagger learns how far to trust each class: a name in the gazetteer is a
// feature, not a decision.
type LexiconEntry struct {
	Name  string
	Class LexClass
}

// maxGazWords is the longest gazetteer phrase, in tokens.
const maxGazWords = 5

// phraseHash extends the hash of a phrase by one lower-cased word.
func phraseHash(h, lower uint64) uint64 { return mix(tGazPhrase, h, lower, 0) }

// buildGaz turns entries into the phrase table matchGaz reads.
func buildGaz(entries []LexiconEntry) *keyTable[uint64] {
	gaz := make(map[uint64]uint64)
	var a attr
	for _, e := range entries {
		if e.Class >= nLexClasses {
			continue
		}
		toks := Tokenize(e.Name)
		if len(toks) == 0 || len(toks) > maxGazWords {
			continue
		}
		h := uint64(fnvOffset)
		for i, tok := range toks {
			computeAttr(&a, tok.Text)
			h = phraseHash(h, a.lower)
			if i+1 < len(toks) {
				if _, ok := gaz[h]; !ok {
					gaz[h] = 0
				}
			}
		}
		gaz[h] |= 1 << e.Class
	}
	return keyTableOf(gaz)
}

// matchGaz marks every token of the sentence covered by a gazetteer
// phrase with the phrase's classes and the token's position in it.
func (t *Tagger) matchGaz(at []attr) {
	if t.gaz.len() == 0 {
		return
	}
	for i := range at {
		h := uint64(fnvOffset)
		for n := 1; n <= maxGazWords && i+n <= len(at); n++ {
			h = phraseHash(h, at[i+n-1].lower)
			p := t.gaz.find(h)
			if p == nil {
				break
			}
			cls := *p
			for c := cls; c != 0; c &= c - 1 {
				class := uint64(bits.TrailingZeros64(c))
				if n == 1 {
					at[i].gaz |= 1 << (class*4 + pU)
					continue
				}
				at[i].gaz |= 1 << (class*4 + pB)
				for k := i + 1; k < i+n-1; k++ {
					at[k].gaz |= 1 << (class*4 + pI)
				}
				at[i+n-1].gaz |= 1 << (class*4 + pL)
			}
		}
	}
}

// FirstName reports whether the tagger's gazetteer lists word as a common
// first name (LexFirstName), in any casing.
func (t *Tagger) FirstName(word string) bool {
	if t == nil || t.gaz.len() == 0 {
		return false
	}
	var a attr
	computeAttr(&a, word)
	p := t.gaz.find(phraseHash(fnvOffset, a.lower))
	return p != nil && *p&(1<<LexFirstName) != 0
}
