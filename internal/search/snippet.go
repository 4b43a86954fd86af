package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// SnippetBytes is the longest snippet, before match markers.
const SnippetBytes = 240

// span is a query term found in a body, by byte offsets.
type span struct {
	start, end int
	term       string
}

// snippet returns the passage of body of at most SnippetBytes that holds
// the most distinct query terms (then the most matches, then the
// earliest), cut at word boundaries, with matched words wrapped in **.
// Terms are compared after analysis with a, the analyzer the body was
// indexed with, so "elections" finds "election". With no terms it is the
// opening of body.
func snippet(body string, terms map[string]bool, a analysis.Analyzer) string {
	body = strings.Join(strings.Fields(body), " ")
	if body == "" {
		return ""
	}
	var hits []span
	if len(terms) > 0 && a != nil {
		for _, tok := range a.Analyze([]byte(body)) {
			if terms[string(tok.Term)] {
				hits = append(hits, span{tok.Start, tok.End, string(tok.Term)})
			}
		}
	}
	if len(hits) == 0 {
		return mark(body, nil, 0, cutEnd(body, 0))
	}
	// Slide a window starting at each hit; keep the best.
	bestStart, bestDistinct, bestCount := 0, -1, -1
	for i := range hits {
		distinct := map[string]bool{}
		count := 0
		for j := i; j < len(hits) && hits[j].end-hits[i].start <= SnippetBytes; j++ {
			distinct[hits[j].term] = true
			count++
		}
		if len(distinct) > bestDistinct || (len(distinct) == bestDistinct && count > bestCount) {
			bestStart, bestDistinct, bestCount = i, len(distinct), count
		}
	}
	// Start a little before the first hit, at a word boundary, but never
	// so early that the hit falls out of the window.
	first := hits[bestStart].start
	from := wordStart(body, max(0, first-SnippetBytes/4))
	// Near the end of the body, use the whole window: start earlier.
	if from+SnippetBytes > len(body) {
		from = wordStart(body, max(0, len(body)-SnippetBytes))
	}
	if from > first {
		from = first
	}
	return mark(body, hits, from, cutEnd(body, from))
}

// mark returns body[from:to] with the hits inside it wrapped in ** and
// "…" where text was cut.
func mark(body string, hits []span, from, to int) string {
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, h := range hits {
		if h.start < pos || h.end > to {
			continue
		}
		b.WriteString(body[pos:h.start])
		b.WriteString("**")
		b.WriteString(body[h.start:h.end])
		b.WriteString("**")
		pos = h.end
	}
	b.WriteString(body[pos:to])
	if to < len(body) {
		b.WriteString("…")
	}
	return b.String()
}

// cutEnd returns where a snippet of body starting at from ends: at most
// SnippetBytes on, at the last space before that when there is one.
func cutEnd(body string, from int) int {
	end := from + SnippetBytes
	if end >= len(body) {
		return len(body)
	}
	if sp := strings.LastIndexByte(body[from:end], ' '); sp > 0 {
		return from + sp
	}
	for end > from && !utf8.RuneStart(body[end]) {
		end--
	}
	return end
}

// wordStart moves i forward to the start of a word, unless i already is one.
func wordStart(s string, i int) int {
	if i == 0 {
		return 0
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	if unicode.IsSpace(r) {
		return i
	}
	sp := strings.IndexByte(s[i:], ' ')
	if sp < 0 {
		return i
	}
	return i + sp + 1
}
