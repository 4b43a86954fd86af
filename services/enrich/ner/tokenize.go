package ner

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word or punctuation mark of a text. Start and End are byte
// offsets into the text the token came from: text[Start:End] == Text.
type Token struct {
	Text       string
	Start, End int
}

// MaxSentenceTokens caps the length of a sentence returned by Sentences;
// longer runs without a sentence boundary are cut. It bounds the work of
// one Tag call on garbage input.
const MaxSentenceTokens = 256

// abbreviations keep their trailing period: "Mr." is one token and does not
// end a sentence. Single capital letters ("J.") are handled separately.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true,
	"jr": true, "sr": true, "gen": true, "col": true, "lt": true, "sgt": true,
	"capt": true, "cmdr": true, "adm": true, "gov": true, "sen": true,
	"rep": true, "rev": true, "hon": true, "pres": true, "inc": true,
	"corp": true, "co": true, "ltd": true, "plc": true, "bros": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true,
	"jul": true, "aug": true, "sep": true, "sept": true, "oct": true,
	"nov": true, "dec": true, "mt": true, "ft": true, "no": true, "vs": true,
	"etc": true, "approx": true, "dept": true, "univ": true, "assn": true,
	"ave": true, "blvd": true, "rd": true, "e.g": true, "i.e": true,
}

// clitics split from the end of a word: "Ukraine's" -> "Ukraine" "'s".
var clitics = []string{"'s", "'re", "'ve", "'ll", "'d", "'m", "n't"}

// typographic maps each clitic to its form with a typographic apostrophe.
var typographic = func() map[string]string {
	m := make(map[string]string, len(clitics))
	for _, c := range clitics {
		m[c] = strings.Replace(c, "'", "’", 1)
	}
	return m
}()

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// isASCIIWordByte reports whether c is an ASCII letter or digit: for an
// ASCII byte, isWordRune.
func isASCIIWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// Tokenize splits text into words and punctuation marks, close to the
// CoNLL-2003 (Penn Treebank-like) conventions: hyphenated words, numbers
// with separators ("1,000.5", "1996-08-22") and dotted acronyms ("U.S.")
// stay whole; possessive and negative clitics ("'s", "n't") are split
// off; every other punctuation mark is its own token, except runs of the
// same mark ("...", "--"). Offsets are byte offsets into text. Invalid
// UTF-8 bytes are treated as symbols.
func Tokenize(text string) []Token {
	toks := make([]Token, 0, len(text)/5+1)
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		if !isWordRune(r) {
			// Punctuation: group runs of the same rune.
			j := i + size
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if r2 != r || r == utf8.RuneError {
					break
				}
				j += s2
			}
			toks = append(toks, Token{Text: text[i:j], Start: i, End: j})
			i = j
			continue
		}
		j := scanWord(text, i)
		toks = appendWord(toks, text, i, j)
		i = j
	}
	return toks
}

// scanWord returns the end of the word starting at i: word runes joined by
// single inner hyphens, periods, commas between digits, apostrophes and
// ampersands followed by word runes, and '?' standing for a lost letter
// between letters.
func scanWord(text string, i int) int {
	j := i
	prev := rune(0)
	for j < len(text) {
		// An ASCII letter or digit, most of a word, without decoding.
		if c := text[j]; isASCIIWordByte(c) {
			prev = rune(c)
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if isWordRune(r) {
			prev = r
			j += size
			continue
		}
		// A joiner must be followed by a word rune.
		if j+size >= len(text) {
			break
		}
		next, _ := utf8.DecodeRuneInString(text[j+size:])
		if !isWordRune(next) {
			break
		}
		join := false
		switch {
		case r == '-' || r == '‐':
			join = true
		case r == '&' && unicode.IsUpper(prev) && unicode.IsUpper(next):
			join = true
		case r == '.' && (unicode.IsDigit(prev) && unicode.IsDigit(next)):
			join = true
		case r == '.' && unicode.IsLetter(prev) && unicode.IsLetter(next) && dottedLetter(text, j):
			join = true
		case r == ',' && unicode.IsDigit(prev) && unicode.IsDigit(next):
			join = true
		case r == ':' && unicode.IsDigit(prev) && unicode.IsDigit(next):
			join = true
		case r == '/' && unicode.IsDigit(prev) && unicode.IsDigit(next):
			join = true
		case isApostrophe(r) && unicode.IsLetter(prev) && unicode.IsLetter(next):
			join = true
		case (r == '?' || r == utf8.RuneError) && unicode.IsLetter(prev) && unicode.IsLower(next):
			// A letter lost to mojibake: "Çavu?o?lu" stays one word.
			join = true
		}
		if !join {
			break
		}
		j += size
	}
	// Trailing period of a dotted acronym ("U.S.") or a known abbreviation.
	if j < len(text) && text[j] == '.' {
		w := text[i:j]
		if isDottedAcronym(w) || abbreviations[strings.ToLower(w)] || isSingleUpper(w) {
			j++
		}
	}
	return j
}

// dottedLetter reports whether the period at j sits between single
// letters, as in "U.S" or "e.g".
func dottedLetter(text string, j int) bool {
	// The rune before the period must be a single letter (preceded by a
	// period or the word start), and the rune after it a letter followed
	// by a period or the end of the word.
	_, sizeBefore := utf8.DecodeLastRuneInString(text[:j])
	b := j - sizeBefore
	if b > 0 {
		p, _ := utf8.DecodeLastRuneInString(text[:b])
		if isWordRune(p) {
			return false
		}
	}
	_, sizeAfter := utf8.DecodeRuneInString(text[j+1:])
	a := j + 1 + sizeAfter
	if a < len(text) {
		n, _ := utf8.DecodeRuneInString(text[a:])
		if isWordRune(n) {
			return false
		}
	}
	return true
}

func isDottedAcronym(w string) bool {
	return strings.Contains(w, ".") && !strings.ContainsAny(w, "0123456789")
}

func isSingleUpper(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return size == len(w) && unicode.IsUpper(r)
}

// appendWord appends text[i:j], splitting off a trailing clitic.
func appendWord(toks []Token, text string, i, j int) []Token {
	w := text[i:j]
	if !strings.ContainsAny(w, "'’") {
		return append(toks, Token{Text: w, Start: i, End: j})
	}
	for _, c := range clitics {
		if k := cliticIndex(w, c); k > 0 {
			toks = append(toks, Token{Text: text[i : i+k], Start: i, End: i + k})
			return append(toks, Token{Text: text[i+k : j], Start: i + k, End: j})
		}
	}
	return append(toks, Token{Text: w, Start: i, End: j})
}

// cliticIndex returns where clitic c starts at the end of w, accepting a
// typographic apostrophe, or -1.
func cliticIndex(w, c string) int {
	lw := len(w)
	// ASCII apostrophe form.
	if lw > len(c) && strings.EqualFold(w[lw-len(c):], c) {
		return lw - len(c)
	}
	// Typographic apostrophe form: ’ is 3 bytes instead of 1.
	alt := typographic[c]
	if lw > len(alt) && strings.EqualFold(w[lw-len(alt):], alt) {
		return lw - len(alt)
	}
	return -1
}

// Sentences tokenizes text and splits it into sentences: at line breaks,
// and after a sentence-final mark (".", "!", "?", "...") optionally
// followed by closing quotes or brackets, when the next token does not
// start with a lower-case letter. Abbreviations keep their period inside
// the token and so never end a sentence. A sentence never exceeds
// MaxSentenceTokens tokens.
func Sentences(text string) [][]Token {
	toks := Tokenize(text)
	var out [][]Token
	start := 0
	cut := func(end int) {
		if end > start {
			out = append(out, toks[start:end:end])
		}
		start = end
	}
	for k := 0; k < len(toks); k++ {
		if k > start && strings.ContainsRune(text[toks[k-1].End:toks[k].Start], '\n') {
			cut(k)
		}
		if k-start >= MaxSentenceTokens {
			cut(k)
		}
		if !isFinal(toks[k].Text) {
			continue
		}
		e := k + 1
		for e < len(toks) && isCloser(toks[e].Text) && !strings.ContainsRune(text[toks[e-1].End:toks[e].Start], '\n') {
			e++
		}
		if e < len(toks) {
			r, _ := utf8.DecodeRuneInString(toks[e].Text)
			if unicode.IsLower(r) {
				continue
			}
		}
		cut(e)
		k = e - 1
	}
	cut(len(toks))
	return out
}

func isFinal(s string) bool {
	switch s {
	case ".", "!", "?", "...", "…", "?!", "!!", "??":
		return true
	}
	return false
}

func isCloser(s string) bool {
	switch s {
	case "\"", "'", "”", "’", ")", "]", "»", "''":
		return true
	}
	return false
}
