package search

import (
	"strings"
	"unicode"
)

// term is a word or a "quoted phrase" of the query.
type term struct {
	text   string
	phrase bool
}

// parsedQuery is the user's query text split into its parts.
type parsedQuery struct {
	// required: each group must match; a group matches when any of its
	// terms does (a OR b is one group of two).
	required [][]term
	// excluded terms must not match.
	excluded []term
}

// words are the single words of the groups that have one term, in the
// order typed: the run a phrase boost looks for.
func (p parsedQuery) words() []string {
	var out []string
	for _, g := range p.required {
		if len(g) == 1 && !g[0].phrase {
			out = append(out, g[0].text)
		}
	}
	return out
}

// token is one item of the query text before OR is applied.
type token struct {
	term
	excluded bool
	or       bool // the OR operator
}

// parseQuery splits q into required groups and excluded terms. Words and
// "quoted phrases" are required; -word and -"phrase" are excluded; OR (in
// capitals) between two required terms makes them alternatives. An
// unclosed quote runs to the end; a quoted single word is a word; an OR
// with nothing on one side is ignored. No input is a syntax error.
func parseQuery(q string) parsedQuery {
	var toks []token
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		excluded := false
		if len(rest) > 1 && rest[0] == '-' && !unicode.IsSpace(rune(rest[1])) {
			excluded, rest = true, rest[1:]
		}
		if rest[0] == '"' {
			rest = rest[1:]
			end := strings.IndexByte(rest, '"')
			phrase := rest
			if end >= 0 {
				phrase, rest = rest[:end], rest[end+1:]
			} else {
				rest = ""
			}
			f := strings.Fields(phrase)
			if len(f) > 0 {
				toks = append(toks, token{term: term{strings.Join(f, " "), len(f) > 1}, excluded: excluded})
			}
			continue
		}
		end := strings.IndexFunc(rest, unicode.IsSpace)
		word := rest
		if end >= 0 {
			word, rest = rest[:end], rest[end:]
		} else {
			rest = ""
		}
		switch {
		case word == "OR" && !excluded:
			toks = append(toks, token{or: true})
		case word == "-" || word == `"`:
		default:
			toks = append(toks, token{term: term{text: word}, excluded: excluded})
		}
	}

	var p parsedQuery
	joinNext := false
	for i, t := range toks {
		switch {
		case t.or:
			// Join only when there is a required term on both sides.
			joinNext = len(p.required) > 0 && i > 0 && !toks[i-1].or && !toks[i-1].excluded
		case t.excluded:
			p.excluded = append(p.excluded, t.term)
			joinNext = false
		case joinNext:
			last := len(p.required) - 1
			p.required[last] = append(p.required[last], t.term)
			joinNext = false
		default:
			p.required = append(p.required, []term{t.term})
		}
	}
	return p
}
