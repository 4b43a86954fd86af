package clean

import (
	"strings"
	"unicode/utf8"
)

// Binary runs: a scraper that reads a compressed response or an image as
// text appends (or prepends) a block of replacement characters, control
// characters and stray letters to an otherwise good article. Such a block
// is dense in odd characters and has almost no spaces; text whose letters
// were lost to U+FFFD ("P\uFFFDedseda vl\uFFFDdy") keeps its spaces, and
// stays.
const (
	// binaryWindow is the number of characters judged together.
	binaryWindow = 32
	// binaryMinOdd is the fewest odd characters that make a window binary
	// (a quarter of it: random bytes read as UTF-8 give about half).
	binaryMinOdd = 8
	// binaryMaxSpaces is the most whitespace a binary window holds: prose
	// has five or six in 32 characters, random bytes almost never one.
	binaryMaxSpaces = 2
)

// CutBinary removes the runs of binary data from text and returns what is
// left and the number of bytes removed. A run is a stretch in which every
// window of binaryWindow characters holds at least binaryMinOdd control or
// replacement characters (or invalid bytes) and at most binaryMaxSpaces
// spaces; it is widened to the whitespace around it, so no fragment of a
// binary "word" stays, and replaced by a paragraph break. Text with no
// such window is returned unchanged, at the cost of one scan.
func CutBinary(text string) (string, int) {
	nOdd, nChars := 0, 0
	for _, r := range text { // invalid bytes read as U+FFFD, one each
		nChars++
		if oddForBinary(r) {
			nOdd++
		}
	}
	if nOdd < binaryMinOdd {
		return text, 0
	}
	type char struct {
		at         int // byte offset
		odd, space bool
	}
	chars := make([]char, 0, nChars)
	for i, r := range text {
		chars = append(chars, char{at: i, odd: oddForBinary(r), space: r == ' ' || r == '\n' || r == '\t' || r == '\r'})
	}
	// Mark each binary window from its first odd character to its last.
	marked := make([]bool, len(chars))
	odd, spaces := 0, 0
	for j, c := range chars {
		if c.odd {
			odd++
		}
		if c.space {
			spaces++
		}
		if j >= binaryWindow {
			if out := chars[j-binaryWindow]; out.odd {
				odd--
			} else if out.space {
				spaces--
			}
		}
		if j+1 < binaryWindow || odd < binaryMinOdd || spaces > binaryMaxSpaces {
			continue
		}
		first, last := j+1-binaryWindow, j
		for !chars[first].odd {
			first++
		}
		for !chars[last].odd {
			last--
		}
		for k := first; k <= last; k++ {
			marked[k] = true
		}
	}
	type span struct{ from, to int }
	var cuts []span
	for j := 0; j < len(chars); {
		if !marked[j] {
			j++
			continue
		}
		end := j
		for end < len(chars) && (marked[end] || !chars[end].space) {
			end++
		}
		start := j
		for start > 0 && !chars[start-1].space {
			start--
		}
		from, to := chars[start].at, len(text)
		if end < len(chars) {
			to = chars[end].at
		}
		from, to = widenBack(text, from), widenForward(text, to)
		if n := len(cuts); n > 0 && (from <= cuts[n-1].to || shortGap(text[cuts[n-1].to:from])) {
			cuts[n-1].to = max(cuts[n-1].to, to)
		} else {
			cuts = append(cuts, span{from, to})
		}
		j = end
	}
	if len(cuts) == 0 {
		return text, 0
	}
	var b strings.Builder
	cut, keep := 0, 0 // keep: byte offset of the text not yet written
	for _, c := range cuts {
		b.WriteString(text[keep:c.from])
		if c.from > 0 && c.to < len(text) {
			b.WriteString("\n\n")
		}
		cut += c.to - c.from
		keep = c.to
	}
	b.WriteString(text[keep:])
	return b.String(), cut
}

// widenForward moves a cut's end over the whitespace after it, the words
// after it that hold an odd character, and the lines of at most junkLine
// characters after it: the edges of a run are less dense than its middle,
// and can hold a line break and a letter or two.
func widenForward(text string, to int) int {
	const space = " \t\r\n"
	for {
		to += len(text[to:]) - len(strings.TrimLeft(text[to:], space))
		word := strings.IndexAny(text[to:], space)
		if word < 0 {
			word = len(text) - to
		}
		line := strings.IndexByte(text[to:], '\n')
		if line < 0 {
			line = len(text) - to
		}
		switch {
		case to == len(text):
			return to
		case strings.IndexFunc(text[to:to+word], oddForBinary) >= 0:
			to += word
		case utf8.RuneCountInString(strings.TrimSpace(text[to:to+line])) <= junkLine:
			to += line
		default:
			return to
		}
	}
}

// widenBack is widenForward's mirror, from a cut's start backwards.
func widenBack(text string, from int) int {
	const space = " \t\r\n"
	for {
		from = len(strings.TrimRight(text[:from], space))
		word := strings.LastIndexAny(text[:from], space) + 1
		line := strings.LastIndexByte(text[:from], '\n') + 1
		switch {
		case from == 0:
			return 0
		case strings.IndexFunc(text[word:from], oddForBinary) >= 0:
			from = word
		case utf8.RuneCountInString(strings.TrimSpace(text[line:from])) <= junkLine:
			from = line
		default:
			return from
		}
	}
}

// shortGap reports a gap between two runs too short to be text that
// matters: less than a window of characters.
func shortGap(gap string) bool {
	return utf8.RuneCountInString(strings.TrimSpace(gap)) < binaryWindow
}

// junkLine is the longest line next to a binary run that is taken as its
// remnant.
const junkLine = 3

// oddForBinary reports the characters binary data is made of and text is
// not: control characters other than line breaks and tabs, DEL, U+FFFD
// and bytes that are not UTF-8.
func oddForBinary(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7F || r == utf8.RuneError
}
