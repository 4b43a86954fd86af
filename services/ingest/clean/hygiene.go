package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// hygiene composes the text to NFC, turns odd spaces into plain spaces,
// drops zero-width and control characters, and normalises line breaks to
// "\n". It returns the number of characters removed or replaced (plain
// tabs and carriage returns are not counted). Typographic quotes and
// dashes are text and stay.
func hygiene(s string) (string, int) {
	if needsHygiene(s) {
		var n int
		s, n = mapOdd(s)
		if !isASCII(s) && !norm.NFC.IsNormalString(s) {
			s = norm.NFC.String(s)
		}
		return s, n
	}
	return s, 0
}

// needsHygiene reports whether s has a character mapOdd changes, or
// non-ASCII text that may not be NFC.
func needsHygiene(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\n') || c == 0x7F {
			return true
		}
	}
	return false
}

// hasOdd reports whether mapOdd would change s.
func hasOdd(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if (c < 0x20 && c != '\n') || c == 0x7F {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || oddSpace(r) || r == 0x2028 || r == 0x2029 || invisible(r) {
			return true
		}
		i += size
	}
	return false
}

func mapOdd(s string) (string, int) {
	if !hasOdd(s) {
		return s, 0
	}
	n := 0
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7F || c == '\n' {
			j := i + 1
			for j < len(s) && (s[j] >= 0x20 && s[j] < 0x7F || s[j] == '\n') {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b = append(b, '\n')
		case r == '\t' || r == '\v' || r == '\f':
			b = append(b, ' ')
		case r == utf8.RuneError && size == 1:
			n++ // invalid byte
		case oddSpace(r):
			b = append(b, ' ')
			n++
		case r == 0x2028 || r == 0x2029:
			b = append(b, '\n')
			n++
		case invisible(r):
			n++
		default:
			b = append(b, s[i-size:i]...)
		}
	}
	return string(b), n
}

// oddSpace reports spaces that are written as a plain space: no-break,
// fixed-width and ideographic spaces.
func oddSpace(r rune) bool {
	switch {
	case r == 0x00A0, r == 0x1680, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// invisible reports characters that are dropped: controls, zero-width
// space, word joiner, BOM, soft hyphen, bidi embeddings and
// noncharacters. Zero-width (non-)joiners stay: Persian, Indic scripts
// and emoji sequences need them.
func invisible(r rune) bool {
	switch {
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F:
		return true
	case r == 0x00AD, r == 0x180E, r == 0x200B, r == 0x2060, r == 0xFEFF:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return true
	}
	return false
}

// lostLetters counts '?' characters that stand for a letter lost by a
// lossy re-encoding, as in "Çavu?o?lu" or "Erdo?an": a letter before and a
// lower-case letter after, outside URLs and e-mail addresses. "What?No"
// (a capital after) and "Is it? Yes" are punctuation.
func lostLetters(s string) int {
	n := 0
	for i := strings.IndexByte(s, '?'); i >= 0; {
		if i > 0 && i+1 < len(s) {
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if unicode.IsLetter(prev) && unicode.IsLower(next) && !inURL(s, i) {
				n++
			}
		}
		j := strings.IndexByte(s[i+1:], '?')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n
}

// inURL reports whether the whitespace-delimited token around s[i] looks
// like a URL, a path or an address.
func inURL(s string, i int) bool {
	start := strings.LastIndexAny(s[:i], " \n\t") + 1
	end := strings.IndexAny(s[i:], " \n\t")
	if end < 0 {
		end = len(s)
	} else {
		end += i
	}
	tok := s[start:end]
	return strings.Contains(tok, "://") || strings.HasPrefix(tok, "www.") ||
		strings.ContainsAny(tok, "=/@&")
}
