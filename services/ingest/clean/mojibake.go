package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// This file repairs mojibake: UTF-8 bytes that were decoded with a
// single-byte code page (most often Windows-1252), once or several times.
//
// The model: every character of mis-decoded text stands for one byte of the
// original UTF-8. We map characters back to bytes through a code page and
// look for byte runs that form valid multi-byte UTF-8 sequences. A run is a
// candidate; whether a candidate is repaired depends on how plausible its
// result is and how much other evidence the text carries:
//
//   - Windows-1252 ("sloppy": undefined bytes and C1 controls pass through
//     as themselves) is tried per span, so a document with correct accents
//     and a few broken words is repaired word by word.
//   - Other code pages (Windows-1251, Windows-1250, ISO 8859-2, Mac Roman,
//     code page 437) are only used when the whole text reads as UTF-8
//     through them, the way a wrongly labelled file is broken.
//   - A candidate whose result is improbable in running text (IPA letters,
//     C1 controls, archaic Cyrillic, Armenian from Latin capitals,
//     a lone Hangul syllable in Latin text ...) is never applied.
//   - When a text has a single candidate, stricter rules apply: the lead
//     character must be a letter, the result must be a common letter or
//     punctuation, a lower-case result may not sit inside an upper-case
//     word, and so on. These rules are what keeps "MARQUÉ…", "5×£35" and
//     "NESTLÉ®" unchanged.
//   - Bytes lost to '?' or U+FFFD inside an otherwise clear sequence become
//     one U+FFFD.
//
// The repair loops until nothing changes, so doubly encoded text is undone
// layer by layer. The rules were written from ftfy's documented behaviour
// and its published test cases; no ftfy code was used.

// codepage maps characters back to the bytes they were decoded from.
type codepage struct {
	name   string
	latin  [256]int16 // for runes < 256: byte or -1
	others map[rune]byte
	// sloppy weighs runes < 256 mapped only by the sloppy rules: 1 for
	// an undefined byte, 2 for a C1 control whose byte the page defines
	// as something else (its decoder would not have produced it).
	sloppy [256]int
	// segments allows span-wise repair of a partly broken text.
	segments bool
}

func newCodepage(name string, cm *charmap.Charmap, segments bool) *codepage {
	cp := &codepage{name: name, others: map[rune]byte{}, segments: segments}
	for i := range cp.latin {
		cp.latin[i] = -1
	}
	for b := 0; b < 0x80; b++ {
		cp.latin[b] = int16(b)
	}
	for b := 0x80; b <= 0xFF; b++ {
		r := cm.DecodeByte(byte(b))
		if r == utf8.RuneError {
			// Sloppy: an undefined byte passes through as the
			// Latin-1 character of the same value.
			r = rune(b)
			cp.sloppy[b] = 1
		}
		cp.set(r, byte(b))
	}
	// Ultra-sloppy: a C1 control character that the code page does not
	// produce stands for its own byte (Latin-1 decoders emit these).
	for b := 0x80; b <= 0x9F; b++ {
		if cp.latin[b] < 0 {
			cp.latin[b] = int16(b)
			cp.sloppy[b] = 2
		}
	}
	return cp
}

func (cp *codepage) set(r rune, b byte) {
	if r < 256 {
		if cp.latin[r] < 0 {
			cp.latin[r] = int16(b)
		}
		return
	}
	if _, ok := cp.others[r]; !ok {
		cp.others[r] = b
	}
}

// byteOf returns the byte r was decoded from, or -1.
func (cp *codepage) byteOf(r rune) int {
	if r < 256 {
		return int(cp.latin[r])
	}
	if b, ok := cp.others[r]; ok {
		return int(b)
	}
	return -1
}

var (
	cp1252 = newCodepage("windows-1252", charmap.Windows1252, true)
	// wholeTextPages are tried, in order, only on texts that read
	// entirely as UTF-8 through them.
	wholeTextPages = []*codepage{
		newCodepage("windows-1251", charmap.Windows1251, false),
		newCodepage("windows-1250", charmap.Windows1250, false),
		newCodepage("windows-1257", charmap.Windows1257, false),
		newCodepage("iso-8859-2", charmap.ISO8859_2, false),
		newCodepage("macintosh", charmap.Macintosh, false),
		newCodepage("cp437", charmap.CodePage437, false),
	}
)

// candidate is a run of runes that decodes as one UTF-8 sequence.
type candidate struct {
	start, end int // rune indexes, end exclusive
	r          rune
	n          int  // UTF-8 length of the original sequence
	weak       bool // needed a space read back as a no-break space
	lossy      bool // a byte was lost to '?' or U+FFFD
	lossyQ     bool // ... to '?', which needs other evidence
}

func seqLen(b int) int {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 2
	case b >= 0xE0 && b <= 0xEF:
		return 3
	case b >= 0xF0 && b <= 0xF4:
		return 4
	}
	return 0
}

func isCont(b int) bool { return b >= 0x80 && b <= 0xBF }

// parseAt tries to read a UTF-8 sequence from rs[i:] through cp.
func parseAt(cp *codepage, rs []rune, i int) (candidate, bool) {
	lead := cp.byteOf(rs[i])
	n := seqLen(lead)
	if n == 0 || rs[i] < 0x80 {
		return candidate{}, false
	}
	c := candidate{start: i, n: n}
	var buf [4]byte
	buf[0] = byte(lead)
	j := i + 1
	for k := 1; k < n; k++ {
		if j >= len(rs) {
			return candidate{}, false
		}
		r := rs[j]
		b := cp.byteOf(r)
		switch {
		case isCont(b) && r >= 0x80:
			buf[k] = byte(b)
			j++
		case r == ' ':
			if lead == 0xC3 && n == 2 {
				return parseAGrave(rs, i)
			}
			// A no-break space (byte A0) that became a plain space.
			buf[k] = 0xA0
			c.weak = true
			j++
		case r == utf8.RuneError && k >= 1:
			c.lossy = true
			j++
		case r == '?' && k >= 1:
			c.lossy, c.lossyQ = true, true
			j++
		default:
			return candidate{}, false
		}
	}
	c.end = j
	if c.lossy {
		c.r = utf8.RuneError
		return c, true
	}
	r, size := utf8.DecodeRune(buf[:n])
	if (r == utf8.RuneError && size == 1) || size != n {
		// CESU-8: a surrogate pair encoded as two 3-byte sequences.
		if n == 3 && buf[0] == 0xED && buf[1] >= 0xA0 && buf[1] <= 0xAF {
			return parseCESU(cp, rs, i, buf[:3], c)
		}
		return candidate{}, false
	}
	c.r = r
	return c, true
}

func parseCESU(cp *codepage, rs []rune, i int, hi []byte, c candidate) (candidate, bool) {
	j := c.end
	if j+3 > len(rs) {
		return candidate{}, false
	}
	var lo [3]int
	for k := 0; k < 3; k++ {
		if rs[j+k] < 0x80 {
			return candidate{}, false
		}
		lo[k] = cp.byteOf(rs[j+k])
	}
	if lo[0] != 0xED || lo[1] < 0xB0 || lo[1] > 0xBF || !isCont(lo[2]) {
		return candidate{}, false
	}
	h := rune(hi[1]&0x0F)<<6 | rune(hi[2]&0x3F)
	l := rune(lo[1]&0x0F)<<6 | rune(lo[2]&0x3F)
	c.r = 0x10000 + h<<10 + l
	c.end = j + 3
	c.n = 4
	return c, true
}

// parseAGrave handles "Ã " where the no-break space of "à" (C3 A0) became
// a plain space. French and Portuguese use "à" as a word, so the space is
// usually shared with the following word boundary.
func parseAGrave(rs []rune, i int) (candidate, bool) {
	prev := runeAt(rs, i-1)
	next := runeAt(rs, i+2)
	if prev == ' ' {
		prev = runeAt(rs, i-2)
	}
	if unicode.IsUpper(prev) && unicode.IsUpper(next) {
		return candidate{}, false // "C O N C L U S Ã O": letter-spaced capitals
	}
	c := candidate{start: i, r: 'à', n: 2, weak: !unicode.IsLower(prev)}
	switch {
	case next == ' ' || next == 0 || next == '\n':
		c.end = i + 2 // the space was the no-break space
	case next == 's' && !unicode.IsLetter(runeAt(rs, i+3)) && runeAt(rs, i+3) != '\'' && runeAt(rs, i+3) != '’':
		c.end = i + 2 // Portuguese "às"
	default:
		c.end = i + 1 // "à" then the space
	}
	return c, true
}

func runeAt(rs []rune, i int) rune {
	if i < 0 || i >= len(rs) {
		return 0
	}
	return rs[i]
}

// implausible reports results that real text almost never contains, so a
// sequence decoding to them is a coincidence, not mojibake.
func implausible(r, prev rune) bool {
	switch {
	case r >= 0x0100 && r <= 0x017F:
		return rareLatinA(r)
	case r >= 0x0180 && r <= 0x024F:
		return !(r == 0x01A0 || r == 0x01A1 || r == 0x01AF || r == 0x01B0 ||
			(r >= 0x01CD && r <= 0x01DC) || (r >= 0x0218 && r <= 0x021B))
	case r >= 0x0250 && r <= 0x02AF:
		return true
	case r >= 0x02B0 && r <= 0x02FF:
		return !(r == 0x02BC || r == 0x02C6 || r == 0x02C7 || r == 0x02C9 || (r >= 0x02D8 && r <= 0x02DD))
	case r >= 0x0300 && r <= 0x036F:
		return prev == 0 || unicode.IsSpace(prev)
	case r >= 0x0460 && r <= 0x048F, r >= 0x0492 && r <= 0x052F:
		return true
	case r >= 0x0530 && r <= 0x058F: // Armenian, from Latin capitals + punctuation
		return true
	case r >= 0x0700 && r <= 0x08FF:
		return true
	case r >= 0x1D00 && r <= 0x1DBF:
		return true
	case r >= 0xE000 && r <= 0xF8FF:
		return true
	case r >= 0xFFF0 && r <= 0xFFFC, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}

// rareLatinA lists Latin Extended-A letters so rare in real text that a
// sequence producing them is more likely a coincidence.
func rareLatinA(r rune) bool {
	switch r {
	case 0x0108, 0x0109, 0x011C, 0x011D, 0x0120, 0x0121, 0x0124, 0x0125,
		0x0126, 0x0127, 0x0132, 0x0133, 0x0134, 0x0135, 0x0138, 0x013F,
		0x0140, 0x0149, 0x014A, 0x014B, 0x015C, 0x015D, 0x016C, 0x016D, 0x017F:
		return true
	}
	return false
}

// eastAsian reports letters that come in runs: one alone in other text is
// a coincidence.
func eastAsian(r rune) bool {
	return (r >= 0x1100 && r <= 0x11FF) || (r >= 0x3040 && r <= 0x30FF) ||
		(r >= 0x3400 && r <= 0x4DBF) || (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0xAC00 && r <= 0xD7AF) || (r >= 0x1780 && r <= 0x19FF)
}

// acceptable applies the rules every candidate must pass. prev and next
// are the neighbouring characters, already decoded when they belong to
// adjacent candidates.
func acceptable(c candidate, prev, prev2, next rune, layered bool) bool {
	if implausible(c.r, prev) {
		return false
	}
	if layered {
		return true // the result is itself mojibake: its case means nothing
	}
	// A lower-case letter inside an upper-case word: "AHÅ™" is not "AHř",
	// "MÄ£ÄM" is not "MģÄM"; "Из-под" is fine.
	if unicode.IsLower(c.r) && unicode.IsUpper(prev) && next != utf8.RuneError && (unicode.IsUpper(prev2) || unicode.IsUpper(next)) {
		return false
	}
	return true
}

// acceptSingle applies the stricter rules for a text with one candidate.
func acceptSingle(cp *codepage, rs []rune, c candidate, prev, next rune) bool {
	if c.lossy {
		// "SlovenÄ�ina": a lead letter then U+FFFD is evidence enough;
		// a '?' is not.
		return !c.lossyQ && unicode.IsLetter(rs[c.start])
	}
	if c.r >= 0x80 && c.r <= 0x9F {
		return false
	}
	if c.n >= 3 {
		return !eastAsian(c.r)
	}
	if cp != cp1252 {
		// Other code pages: only a lower-case Latin letter inside a word
		// ("wei√ü", "Zam√≤").
		return c.r >= 0xC0 && c.r <= 0x17F && unicode.IsLower(c.r) && unicode.IsLower(prev)
	}
	lead := rs[c.start]
	if !unicode.IsLetter(lead) {
		return false // "4288×…", "5×£35"
	}
	if rs[c.start+1] == '’' && unicode.IsUpper(c.r) {
		return false // "Ã’s" is a possessive, not "Òs"
	}
	if c.r == 'å' || c.r == 'Å' {
		return false // "Ã¥" is as likely Mac Roman as Latin-1 (ftfy issue 202)
	}
	switch {
	case c.r >= 0xA0 && c.r <= 0xBF:
		return lead == 'Â' // "Â£", "Â©": symbols come from C2
	case c.r >= 0xC0 && c.r <= 0x17F && c.r != '×' && c.r != '÷':
	case c.r >= 0x0370 && c.r <= 0x03FF: // a Greek letter: "IL2RÎ³cKO"
	default:
		return false
	}
	if !unicode.IsLetter(prev) && !unicode.IsLetter(next) && !strings.ContainsRune("àáâéèêíóòôúý", c.r) {
		return false // "10 Å—": a one-letter word
	}
	return true
}

// fixMojibake repairs mis-decoded UTF-8 and returns the text and the number
// of sequences repaired. Each round undoes one layer: first Windows-1252
// over the whole text, then the other code pages over the whole text
// (preferring the one that needs the fewest sloppy mappings), then
// Windows-1252 span by span.
func fixMojibake(s string) (string, int) {
	if !mayBeMojibake(s) {
		return s, 0
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	total := 0
	for round := 0; round < 8; round++ {
		if round > 0 && !mayBeMojibake(s) {
			break
		}
		rs := []rune(s)
		cands, covered, _ := scan(cp1252, rs)
		keep := accept(cp1252, rs, cands, covered)
		if !covered || len(keep) != len(cands) {
			var best []candidate
			bestSloppy := 0
			for _, cp := range wholeTextPages {
				pc, pcov, sloppy := scan(cp, rs)
				if !pcov || len(pc) == 0 {
					continue
				}
				if pk := accept(cp, rs, pc, true); len(pk) == len(pc) && (best == nil || sloppy < bestSloppy) {
					best, bestSloppy = pk, sloppy
				}
			}
			if best != nil {
				keep = best
			}
		}
		if len(keep) == 0 {
			break
		}
		s = apply(s, rs, keep)
		total += len(keep)
	}
	return s, total
}

// scan finds the candidates of one code page. covered reports whether
// every non-ASCII character belongs to one; sloppy counts characters that
// needed a sloppy mapping. Whole-text pages stop at the first miss.
func scan(cp *codepage, rs []rune) (cands []candidate, covered bool, sloppy int) {
	covered = true
	for i := 0; i < len(rs); i++ {
		if rs[i] < 0x80 {
			continue
		}
		c, ok := parseAt(cp, rs, i)
		if !ok {
			covered = false
			if !cp.segments {
				return nil, false, 0
			}
			continue
		}
		for _, r := range rs[c.start:c.end] {
			if r < 256 {
				sloppy += cp.sloppy[r]
			}
		}
		cands = append(cands, c)
		i = c.end - 1
	}
	return cands, covered, sloppy
}

// accept returns the candidates to apply: those that pass acceptable,
// subject to the evidence rules.
//
// covered says the candidates cover every non-ASCII character. A covered
// text of many candidates whose results are themselves candidates of the
// same page is a double layer; its intermediate case is not checked.
func accept(cp *codepage, rs []rune, cands []candidate, covered bool) []candidate {
	layered := covered && len(cands) >= 4 && doubled(cp, cands)
	// before returns the character before rune index i, decoded when a
	// candidate ends there.
	before := func(k, i int) (rune, int) {
		if k > 0 && cands[k-1].end == i {
			return cands[k-1].r, cands[k-1].start
		}
		return runeAt(rs, i-1), i - 1
	}
	neighbours3 := func(k int) (rune, rune, rune) {
		c := cands[k]
		prev, at := before(k, c.start)
		prev2 := runeAt(rs, at-1)
		if at != c.start-1 {
			prev2, _ = before(k-1, at)
		}
		next := runeAt(rs, c.end)
		if k+1 < len(cands) && cands[k+1].start == c.end {
			next = cands[k+1].r
		}
		return prev, prev2, next
	}
	neighbours := func(k int) (rune, rune) {
		p, _, n := neighbours3(k)
		return p, n
	}
	var ok []candidate
	var single candidate
	strong := 0
	for k, c := range cands {
		prev, prev2, next := neighbours3(k)
		if !acceptable(c, prev, prev2, next, layered) {
			continue
		}
		ok = append(ok, c)
		if !c.lossy && !c.weak {
			strong++
			single = c
		}
	}
	if cp != cp1252 && strong <= 2 {
		// Little evidence through an unusual code page: a capital may
		// not be followed by another ("HÅØYA" is not "HŨYA").
		for k, c := range ok {
			_, next := neighbours(k)
			if c.n == 2 && unicode.IsUpper(c.r) && unicode.IsUpper(next) {
				return nil
			}
		}
	}
	switch {
	case strong >= 2:
		return ok
	case strong == 1:
		prev, next := runeAt(rs, single.start-1), runeAt(rs, single.end)
		if acceptSingle(cp, rs, single, prev, next) {
			return ok
		}
	case len(ok) == 1 && !ok[0].lossyQ && (ok[0].lossy || ok[0].r == 'à'):
		// No strong evidence: only a lone "voilà" à or a lead letter
		// followed by U+FFFD may stand on its own.
		prev, next := runeAt(rs, ok[0].start-1), runeAt(rs, ok[0].end)
		if acceptSingle(cp, rs, ok[0], prev, next) {
			return ok
		}
	}
	return nil
}

// apply writes s with the candidates replaced; rs is s as runes.
// doubled reports whether most results map back to bytes that start or
// continue UTF-8 sequences in the same page: the mark of a second layer.
func doubled(cp *codepage, cands []candidate) bool {
	n := 0
	for _, c := range cands {
		b := cp.byteOf(c.r)
		if seqLen(b) > 0 || isCont(b) {
			n++
		}
	}
	return n*4 >= len(cands)*3
}

func apply(s string, rs []rune, keep []candidate) string {
	b := make([]byte, 0, len(s))
	ri, bi := 0, 0                // rune index and byte offset in s
	advance := func(to int) int { // byte offset of rune index to
		for ri < to {
			bi += utf8.RuneLen(rs[ri]) // s is valid UTF-8
			ri++
		}
		return bi
	}
	for _, c := range keep {
		from := bi
		b = append(b, s[from:advance(c.start)]...)
		b = utf8.AppendRune(b, c.r)
		advance(c.end)
	}
	b = append(b, s[bi:]...)
	return string(b)
}

// fixC1 replaces C1 control characters with the Windows-1252 characters of
// the same byte ("\x85" -> "…"), the most common reason they appear.
func fixC1(s string) (string, int) {
	if !hasC1(s) {
		return s, 0
	}
	n := 0
	out := strings.Map(func(r rune) rune {
		if r >= 0x80 && r <= 0x9F {
			if d := charmap.Windows1252.DecodeByte(byte(r)); d != utf8.RuneError {
				n++
				return d
			}
		}
		return r
	}, s)
	return out, n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// RepairMojibake repairs UTF-8 text that was decoded with the wrong code
// page, once or several times, and C1 control characters that stand for
// Windows-1252 punctuation. It returns the text and the number of repairs;
// text that does not look broken is returned unchanged.
func RepairMojibake(s string) (string, int) {
	s, n := fixMojibake(s)
	s, m := fixC1(s)
	return s, n + m
}

// hasC1 reports a C1 control character (UTF-8 C2 80 to C2 9F).
func hasC1(s string) bool {
	for i := strings.IndexByte(s, 0xC2); i >= 0 && i+1 < len(s); {
		if s[i+1] >= 0x80 && s[i+1] <= 0x9F {
			return true
		}
		j := strings.IndexByte(s[i+1:], 0xC2)
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// mayBeMojibake is a quick test: every candidate is a non-ASCII character
// followed by another, or by a space or '?' standing for a lost byte.
func mayBeMojibake(s string) bool {
	prevNonASCII := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if prevNonASCII && (c == ' ' || c == '?') {
				return true
			}
			prevNonASCII = false
			i++
			continue
		}
		if prevNonASCII {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		prevNonASCII = true
		i += size
	}
	return false
}
