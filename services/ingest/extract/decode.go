package extract

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// ErrBinary means the bytes are not text in any encoding: they hold NUL
// bytes or too many control characters.
var ErrBinary = errors.New("binary data, not text")

// sniffLen bounds how far the meta prescan and the statistical detector
// look: the HTML standard prescans 1024 bytes; pages that put a long
// <head> before their <meta charset> are common, so we look further.
const sniffLen = 8 << 10

// Decode turns raw page bytes into UTF-8 text. The order of evidence is:
//
//  1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) is authoritative;
//  2. bytes that are valid UTF-8 are UTF-8, whatever the page declares,
//     because legacy text almost never happens to be valid UTF-8;
//  3. bytes that are mostly UTF-8 (valid multi-byte sequences outnumber
//     invalid bytes two to one), or declared UTF-8, are decoded per byte:
//     UTF-8 where valid, cp1252 for each stray byte;
//  4. the declared charset (declaredCharset, then the Content-Type
//     header's charset parameter, then a <meta> charset in the page);
//  5. statistical detection; windows-1252 when that is not confident.
//
// It fails with ErrBinary when the bytes are not text.
func Decode(raw []byte, contentType, declaredCharset string) (string, error) {
	if enc, n := bomEncoding(raw); enc != nil {
		if n == 3 { // UTF-8 BOM
			return decodeMixed(raw[3:]), nil
		}
		s, err := enc.NewDecoder().Bytes(raw[n:])
		if err != nil {
			return "", fmt.Errorf("decode utf-16: %w", err)
		}
		return string(s), nil
	}
	if looksBinary(raw) {
		return "", ErrBinary
	}
	if utf8.Valid(raw) {
		return string(raw), nil
	}
	multi, invalid := utf8Stats(raw)
	if multi > 0 && invalid*2 <= multi {
		return decodeMixed(raw), nil
	}
	label := declaredLabel(raw, contentType, declaredCharset)
	if label != "" {
		enc, name := lookup(label)
		switch {
		case enc == nil:
			// Unknown label: fall through to detection.
		case name == "utf-8":
			if multi > 0 {
				return decodeMixed(raw), nil
			}
			// Declared UTF-8 without a single UTF-8 sequence: the
			// declaration is wrong, detect instead.
		default:
			return decodeWith(enc, raw)
		}
	}
	return decodeWith(detect(raw), raw)
}

func decodeWith(enc encoding.Encoding, raw []byte) (string, error) {
	s, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	if !utf8.Valid(s) {
		return strings.ToValidUTF8(string(s), "\uFFFD"), nil
	}
	return string(s), nil
}

// bomEncoding returns the encoding named by a byte-order mark and the
// mark's length.
func bomEncoding(b []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	}
	return nil, 0
}

// looksBinary reports whether the head of b holds a NUL byte or more than
// one control character in ten bytes. Text in every ASCII-compatible
// encoding has neither.
func looksBinary(b []byte) bool {
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	ctl := 0
	for _, c := range b {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctl++
		}
	}
	return ctl*10 > len(b)
}

// utf8Stats counts valid multi-byte UTF-8 sequences and invalid bytes.
func utf8Stats(b []byte) (multi, invalid int) {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			multi++
		}
		i += size
	}
	return multi, invalid
}

// decodeMixed decodes valid UTF-8 sequences as UTF-8 and every other byte
// as cp1252: the usual state of a UTF-8 page with pasted legacy text.
func decodeMixed(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			sb.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			sb.WriteRune(charmap.Windows1252.DecodeByte(c))
		} else {
			sb.Write(b[i : i+size])
		}
		i += size
	}
	return sb.String()
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)`)

// declaredLabel returns the first charset label found in the scraper's
// declaration, the Content-Type header or a <meta> tag of the page.
func declaredLabel(raw []byte, contentType, declared string) string {
	if l := strings.TrimSpace(declared); l != "" {
		if enc, _ := lookup(l); enc != nil {
			return l
		}
	}
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			if l := params["charset"]; l != "" {
				if enc, _ := lookup(l); enc != nil {
					return l
				}
			}
		}
	}
	head := raw
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	if m := metaCharset.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// lookup resolves a charset label the way browsers do (WHATWG labels:
// latin1 and ascii mean windows-1252).
func lookup(label string) (encoding.Encoding, string) {
	enc, err := htmlindex.Get(strings.ToLower(strings.Trim(label, `"' `)))
	if err != nil {
		return nil, ""
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return nil, ""
	}
	if name == "utf-16le" || name == "utf-16be" {
		// A page read byte-wise as ASCII cannot be UTF-16 without a
		// BOM; WHATWG decodes such a declaration as UTF-8.
		return unicode.UTF8, "utf-8"
	}
	return enc, name
}

// minConfidence is the chardet confidence below which its guess is not
// trusted and windows-1252 is used.
const minConfidence = 30

// detect guesses the encoding of legacy bytes statistically.
func detect(raw []byte) encoding.Encoding {
	head := raw
	if len(head) > 4*sniffLen {
		head = head[:4*sniffLen]
	}
	res, err := chardet.NewHtmlDetector().DetectBest(head)
	if err == nil && res.Confidence >= minConfidence {
		if enc, name := lookup(res.Charset); enc != nil && name != "utf-8" {
			return enc
		}
	}
	return charmap.Windows1252
}
