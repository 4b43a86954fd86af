// Package lang detects the language of an article's text and names it by
// its ISO 639-1 code.
//
// Function words decide first: in news prose a dozen common Latin-script
// languages are recognised by them in microseconds (stopwords.go). The
// rest goes to whatlanggo (trigram profiles per script, pure Go), with two
// choices of our own: only a sample of the text is read (the first
// SampleBytes, cut at a word), which bounds the cost on long articles
// without changing the answer for prose; and a language is only named when
// the detector's confidence reaches MinConfidence, otherwise the answer is
// "" (unknown), as the schema prefers to a guess.
package lang

import (
	"strings"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// SampleBytes is how much of the text is read.
const SampleBytes = 1024

// DefaultMinConfidence is the confidence below which Detect answers "".
const DefaultMinConfidence = 0.5

// MinLetters is the fewest letters a sample needs for any answer.
const MinLetters = 20

// codes maps whatlanggo's languages to ISO 639-1, computed once:
// whatlanggo's own lookup builds a map on every call.
var codes = func() map[whatlanggo.Lang]string {
	m := map[whatlanggo.Lang]string{}
	for l := whatlanggo.Lang(0); l < 200; l++ {
		if c := l.Iso6391(); c != "" {
			m[l] = c
		}
	}
	return m
}()

// Detect returns the ISO 639-1 code of text's language and the detector's
// confidence, or "" when the text is too short, the language has no
// two-letter code, or the confidence is below minConfidence.
func Detect(text string, minConfidence float64) (string, float64) {
	sample := text
	if len(sample) > SampleBytes {
		cut := SampleBytes
		for cut > 0 && !utf8.RuneStart(sample[cut]) {
			cut--
		}
		if sp := strings.LastIndexAny(sample[:cut], " \n"); sp > SampleBytes/2 {
			cut = sp
		}
		sample = sample[:cut]
	}
	letters := 0
	for _, r := range sample {
		if r > ' ' && !strings.ContainsRune(".,;:!?\"'()[]-–—0123456789", r) {
			letters++
			if letters >= MinLetters {
				break
			}
		}
	}
	if letters < MinLetters {
		return "", 0
	}
	if code := byStopwords(sample); code != "" {
		return code, 1
	}
	info := whatlanggo.Detect(sample)
	code, ok := codes[info.Lang]
	if !ok || info.Confidence < minConfidence {
		return "", info.Confidence
	}
	return code, info.Confidence
}
