package clean

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// unescape undoes JSON and HTML escape layers and stray markup, in turn
// until the text stops changing, and returns the number of layers undone.
// Every layer shortens the text, so the loop ends.
func unescape(s string) (string, int) {
	layers := 0
	for round := 0; round < 64; round++ {
		changed := false
		if hasJSONSignature(s) {
			if d := decodeJSONEscapes(s); d != s {
				s, changed = d, true
				layers++
			}
		}
		if strings.IndexByte(s, '&') >= 0 {
			if d := decodeEntities(s); d != s {
				s, changed = d, true
				layers++
			}
		}
		if strings.IndexByte(s, '<') >= 0 {
			if d := stripTags(s); d != s {
				s, changed = d, true
				layers++
			}
		}
		if !changed {
			break
		}
	}
	return s, layers
}

// hasJSONSignature reports whether s carries JSON (or JavaScript) string
// escapes left literal by a scraper: a \uXXXX escape, an escaped quote, an
// escaped apostrophe between letters, or a \n or \r\n that stands between
// two sentences. A lone "\r\n" in a code sample such as
// "HTTP/1.1\r\nHost: ..." is not a signature, so it survives.
func hasJSONSignature(s string) bool {
	for i := strings.IndexByte(s, '\\'); i >= 0 && i+1 < len(s); {
		switch s[i+1] {
		case 'u':
			if i+6 <= len(s) && isHex4(s[i+2:i+6]) {
				return true
			}
		case '"':
			return true
		case '\\':
			// Escaped twice: \\u0022 or \\\"
			if i+7 <= len(s) && s[i+2] == 'u' && isHex4(s[i+3:i+7]) || i+3 < len(s) && s[i+2] == '\\' && s[i+3] == '"' {
				return true
			}
		case '\'':
			if i > 0 && isLetterBefore(s, i) && i+2 < len(s) && isLetterByte(s[i+2]) {
				return true
			}
		case 'n', 'r':
			if lineEscapeBetweenSentences(s, i) {
				return true
			}
		}
		j := strings.IndexByte(s[i+2:], '\\')
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isLetterBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

// lineEscapeBetweenSentences reports whether the run of \r, \n and \t
// escapes starting at s[i] follows the end of a sentence and precedes the
// start of one.
func lineEscapeBetweenSentences(s string, i int) bool {
	before := strings.TrimRight(s[:i], " ")
	j := i
	for j+1 < len(s) && s[j] == '\\' && (s[j+1] == 'n' || s[j+1] == 'r' || s[j+1] == 't') {
		j += 2
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if before == "" {
		return true // the text starts with escaped line breaks
	}
	r, _ := utf8.DecodeLastRuneInString(before)
	if !strings.ContainsRune(".!?:;\"'”’»)]…", r) {
		return false
	}
	if j >= len(s) {
		return true // a sentence, then escaped line breaks to the end
	}
	if s[j] == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == 'u') {
		return true
	}
	next, _ := utf8.DecodeRuneInString(s[j:])
	return unicode.IsUpper(next) || unicode.IsDigit(next) || strings.ContainsRune("\"“«‘'(", next)
}

// decodeJSONEscapes decodes the escapes of a JSON string body (and \'),
// combining surrogate pairs. Unknown escapes are left as they are.
func decodeJSONEscapes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := strings.IndexByte(s[i:], '\\')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		if i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch s[i+1] {
		case 'n':
			b.WriteByte('\n')
			i += 2
		case 'r':
			b.WriteByte('\n')
			if i+3 < len(s) && s[i+2] == '\\' && s[i+3] == 'n' {
				i += 2 // \r\n is one line break
			}
			i += 2
		case 't':
			b.WriteByte('\t')
			i += 2
		case '"', '\\', '/', '\'':
			b.WriteByte(s[i+1])
			i += 2
		case 'u':
			r, n := decodeUEscape(s[i:])
			if n == 0 {
				b.WriteByte(c)
				i++
				continue
			}
			b.WriteRune(r)
			i += n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// decodeUEscape reads \uXXXX (and a following low surrogate) at s[0:].
func decodeUEscape(s string) (rune, int) {
	if len(s) < 6 || !isHex4(s[2:6]) {
		return 0, 0
	}
	v, _ := strconv.ParseUint(s[2:6], 16, 32)
	r := rune(v)
	if utf16.IsSurrogate(r) {
		if r < 0xDC00 && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' && isHex4(s[8:12]) {
			lo, _ := strconv.ParseUint(s[8:12], 16, 32)
			if d := utf16.DecodeRune(r, rune(lo)); d != utf8.RuneError {
				return d, 12
			}
		}
		return utf8.RuneError, 6
	}
	return r, 6
}

// decodeEntities decodes one layer of HTML character references. Unlike
// html.UnescapeString it requires the closing semicolon ("&not html" and
// "copy&copy2" are text), accepts upper-case names ("&EACUTE;") and reads
// numeric references 128-159 as Windows-1252, as browsers do.
func decodeEntities(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		end := -1
		for j := i + 1; j < len(s) && j <= i+33; j++ {
			c := s[j]
			if c == ';' {
				end = j
				break
			}
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '#') {
				break
			}
		}
		if end < 0 || end == i+1 {
			continue
		}
		rep, ok := entity(s[i+1 : end])
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = end + 1
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func entity(name string) (string, bool) {
	if name[0] == '#' {
		return numericEntity(name[1:])
	}
	if d, ok := namedEntity(name); ok {
		return d, true
	}
	if strings.ToUpper(name) == name {
		lower := strings.ToLower(name)
		for _, try := range []string{lower, strings.ToUpper(lower[:1]) + lower[1:]} {
			if d, ok := namedEntity(try); ok {
				if try == lower && len(name) > 1 && strings.ToUpper(d) != d {
					// "&EACUTE;" means É, not é: prefer the capital form.
					continue
				}
				return d, true
			}
		}
	}
	return "", false
}

// namedEntity decodes one whole named reference. html.UnescapeString
// matches prefixes ("&notx;" -> "¬x;"), which must not count.
func namedEntity(name string) (string, bool) {
	ref := "&" + name + ";"
	d := html.UnescapeString(ref)
	if d == ref || strings.HasSuffix(d, ";") {
		return "", false
	}
	return d, true
}

func numericEntity(num string) (string, bool) {
	var v uint64
	var err error
	if len(num) > 1 && (num[0] == 'x' || num[0] == 'X') {
		v, err = strconv.ParseUint(num[1:], 16, 32)
	} else {
		v, err = strconv.ParseUint(num, 10, 32)
	}
	if err != nil || v == 0 || v > unicode.MaxRune || utf16.IsSurrogate(rune(v)) {
		return "", false
	}
	r := rune(v)
	if r >= 0x80 && r <= 0x9F {
		if d := charmap.Windows1252.DecodeByte(byte(r)); d != utf8.RuneError {
			r = d
		}
	}
	return string(r), true
}

// countEscapes counts escape sequences left in s: JSON escapes and HTML
// character references that would decode.
func countEscapes(s string) int {
	n := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '\\' {
			switch s[i+1] {
			case 'n', 'r', 't', '"':
				n++
			case 'u':
				if i+6 <= len(s) && isHex4(s[i+2:i+6]) {
					n++
				}
			}
		}
	}
	if strings.IndexByte(s, '&') >= 0 && decodeEntities(s) != s {
		n += strings.Count(s, "&") - strings.Count(decodeEntities(s), "&")
		if n == 0 {
			n = 1
		}
	}
	return n
}

// blockTags end a paragraph where they stand; other known tags vanish.
var blockTags = map[string]bool{
	"p": true, "br": true, "div": true, "li": true, "ul": true, "ol": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "blockquote": true, "tr": true, "table": true,
	"section": true, "article": true, "figure": true, "figcaption": true, "hr": true, "pre": true,
}

var inlineTags = map[string]bool{
	"a": true, "b": true, "i": true, "u": true, "em": true, "strong": true, "span": true, "small": true,
	"sup": true, "sub": true, "font": true, "img": true, "abbr": true, "cite": true, "code": true,
	"mark": true, "time": true, "wbr": true, "td": true, "th": true, "tbody": true, "thead": true,
}

// stripTags removes markup left in text ("<p>", "</b>", "<br/>", "<a
// href=...>"): only well-formed tags with known names, so "x < y" and
// "<3" stay. Block tags become line breaks.
func stripTags(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		end, block, ok := tagAt(s, i)
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		if block {
			b.WriteByte('\n')
		}
		last = end
		i = end - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// tagAt reads a tag at s[i] ('<'), returning the index after it.
func tagAt(s string, i int) (end int, block, ok bool) {
	j := i + 1
	if j < len(s) && s[j] == '/' {
		j++
	}
	start := j
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	name := strings.ToLower(s[start:j])
	if name == "" || !blockTags[name] && !inlineTags[name] {
		return 0, false, false
	}
	if j >= len(s) || s[j] != '>' && s[j] != ' ' && s[j] != '/' && s[j] != '\n' && s[j] != '\t' {
		return 0, false, false
	}
	close := strings.IndexByte(s[j:], '>')
	if close < 0 || close > 512 || strings.IndexByte(s[j:j+close], '<') >= 0 {
		return 0, false, false
	}
	return j + close + 1, blockTags[name], true
}
