package search

import (
	"strings"
	"unicode"
)

// parsedQuery is the user's query text split into its parts.
type parsedQuery struct {
	words    []string // should match, ranked by BM25
	phrases  []string // must match, as phrases
	excluded []string // must not match
}

func (p parsedQuery) empty() bool { return len(p.words) == 0 && len(p.phrases) == 0 }

// parseQuery splits q into words, "quoted phrases" and -excluded words.
// An unclosed quote runs to the end. Anything else is a word; there are
// no other operators, so no input is a syntax error.
func parseQuery(q string) parsedQuery {
	var p parsedQuery
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			return p
		}
		switch {
		case rest[0] == '"':
			rest = rest[1:]
			end := strings.IndexByte(rest, '"')
			phrase := rest
			if end >= 0 {
				phrase, rest = rest[:end], rest[end+1:]
			} else {
				rest = ""
			}
			if f := strings.Fields(phrase); len(f) == 1 {
				p.words = append(p.words, f[0])
			} else if len(f) > 1 {
				p.phrases = append(p.phrases, strings.Join(f, " "))
			}
		default:
			end := strings.IndexFunc(rest, unicode.IsSpace)
			word := rest
			if end >= 0 {
				word, rest = rest[:end], rest[end:]
			} else {
				rest = ""
			}
			if len(word) > 1 && word[0] == '-' {
				p.excluded = append(p.excluded, word[1:])
			} else if word != "-" {
				p.words = append(p.words, word)
			}
		}
	}
}
