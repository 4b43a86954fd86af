package estest

import (
	"strings"
	"unicode"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/porter"
)

// englishStopWords is Lucene's English stop set (_english_), which the
// english analyzer removes.
var englishStopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true,
	"by": true, "for": true, "if": true, "in": true, "into": true, "is": true, "it": true, "no": true,
	"not": true, "of": true, "on": true, "or": true, "such": true, "that": true, "the": true,
	"their": true, "then": true, "there": true, "these": true, "they": true, "this": true, "to": true,
	"was": true, "will": true, "with": true,
}

// analyzerFor is how a match query on field is analyzed in an index with
// these mappings: the field's search_analyzer or analyzer as Elasticsearch
// picks it. The double knows "english" (possessive, lowercase, English stop
// words, Porter stemmer: the chain of Elasticsearch's english analyzer);
// every other field gets the standard analyzer's lowercase words.
func analyzerFor(mappings map[string]any, field string) func(string) []string {
	def := fieldMapping(mappings, field)
	name, _ := def["search_analyzer"].(string)
	if name == "" {
		name, _ = def["analyzer"].(string)
	}
	if name == "english" {
		return englishTokens
	}
	return tokens
}

// fieldMapping finds a dotted field's mapping through the object
// properties and multi-fields ("title.keyword"); nil when it is unmapped.
func fieldMapping(mappings map[string]any, field string) map[string]any {
	cur := mappings
	for _, part := range strings.Split(field, ".") {
		if props, ok := cur["properties"].(map[string]any); ok {
			if next, ok := props[part].(map[string]any); ok {
				cur = next
				continue
			}
		}
		if fields, ok := cur["fields"].(map[string]any); ok {
			if next, ok := fields[part].(map[string]any); ok {
				cur = next
				continue
			}
		}
		return nil
	}
	return cur
}

// tokens is the standard analyzer, near enough: lowercase runs of letters
// and digits.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// englishTokens is the english analyzer: words (an apostrophe inside a
// word keeps it whole, as the standard tokenizer does), the possessive
// 's removed, lowercased, English stop words dropped, Porter-stemmed.
func englishTokens(s string) []string {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’'
	})
	var out []string
	for _, w := range words {
		w = strings.Trim(w, "'’")
		w = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "'S"), "’s")
		w = strings.ToLower(strings.TrimSuffix(w, "’S"))
		if w == "" || englishStopWords[w] {
			continue
		}
		env := snowball.NewEnv(w)
		porter.Stem(env)
		out = append(out, env.Current())
	}
	return out
}
