package search

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
)

func TestParseQuery(t *testing.T) {
	w := func(s string) term { return term{text: s} }
	ph := func(s string) term { return term{text: s, phrase: true} }
	one := func(ts ...term) [][]term {
		out := make([][]term, len(ts))
		for i, t := range ts {
			out[i] = []term{t}
		}
		return out
	}
	tests := []struct {
		in   string
		want parsedQuery
	}{
		{"", parsedQuery{}},
		{"   ", parsedQuery{}},
		{"volcano", parsedQuery{required: one(w("volcano"))}},
		{"  climate   change ", parsedQuery{required: one(w("climate"), w("change"))}},
		{`"climate change" policy`, parsedQuery{required: one(ph("climate change"), w("policy"))}},
		{`"  climate   change  "`, parsedQuery{required: one(ph("climate change"))}},
		{`"single"`, parsedQuery{required: one(w("single"))}},
		{`""`, parsedQuery{}},
		{`"unclosed phrase here`, parsedQuery{required: one(ph("unclosed phrase here"))}},
		{"volcano -airline -", parsedQuery{required: one(w("volcano")), excluded: []term{w("airline")}}},
		{`volcano -"ash cloud"`, parsedQuery{required: one(w("volcano")), excluded: []term{ph("ash cloud")}}},
		{"well-known co-op", parsedQuery{required: one(w("well-known"), w("co-op"))}},
		{`a"b c"`, parsedQuery{required: one(w(`a"b`), w(`c"`))}},
		{"glazer OR abramovich united", parsedQuery{required: [][]term{{w("glazer"), w("abramovich")}, {w("united")}}}},
		{`a OR "b c" OR d e`, parsedQuery{required: [][]term{{w("a"), ph("b c"), w("d")}, {w("e")}}}},
		{"glazer or united", parsedQuery{required: one(w("glazer"), w("or"), w("united"))}},
		{"OR glazer OR", parsedQuery{required: one(w("glazer"))}},
		{"a OR OR b", parsedQuery{required: one(w("a"), w("b"))}},
		{"a -b OR c", parsedQuery{required: one(w("a"), w("c")), excluded: []term{w("b")}}},
	}
	for _, tt := range tests {
		if got := parseQuery(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseQuery(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", `"a b" -c d`, `"`, `-`, "x\u00a0y", `"""`, "a OR b", "OR", `-"a b" OR c`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p := parseQuery(q)
		check := func(tm term) {
			if strings.TrimSpace(tm.text) == "" {
				t.Fatalf("parseQuery(%q) has an empty term: %+v", q, p)
			}
			if !strings.Contains(q, strings.Fields(tm.text)[0]) {
				t.Fatalf("parseQuery(%q) invented %q", q, tm.text)
			}
		}
		for _, g := range p.required {
			if len(g) == 0 {
				t.Fatalf("parseQuery(%q) has an empty group", q)
			}
			for _, tm := range g {
				check(tm)
			}
		}
		for _, tm := range p.excluded {
			check(tm)
		}
	})
}

func english(t testing.TB) analysis.Analyzer {
	t.Helper()
	a, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func terms(t testing.TB, a analysis.Analyzer, q string) map[string]bool {
	out := map[string]bool{}
	for _, tok := range a.Analyze([]byte(q)) {
		out[string(tok.Term)] = true
	}
	return out
}

func TestSnippet(t *testing.T) {
	a := english(t)
	long := strings.Repeat("Filler words about nothing in particular. ", 12)
	tests := []struct {
		name, body, query, want string
	}{
		{"short body, stemmed match", "Officials counted the elections results.", "election",
			"Officials counted the **elections** results."},
		{"no query: opening", "One two three.", "", "One two three."},
		{"no match: opening", "One two three.", "zeppelin", "One two three."},
		{"whitespace collapsed", "Line one.\n\nLine   two.", "two", "Line one. Line **two**."},
		{"match deep in a long body", long + "The volcano erupted. " + long, "volcano",
			"…particular. Filler words about nothing in particular. The **volcano** erupted. Filler words about nothing in particular. Filler words about nothing in particular. Filler words about nothing in particular. Filler words about nothing in…"},
		{"prefers the passage with more distinct terms", "The volcano. " + long + "The volcano and the ash cloud.", "volcano ash",
			"…Filler words about nothing in particular. Filler words about nothing in particular. Filler words about nothing in particular. Filler words about nothing in particular. Filler words about nothing in particular. The **volcano** and the **ash** cloud."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippet(tt.body, terms(t, a, tt.query), a); got != tt.want {
				t.Errorf("snippet =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add("The volcano erupted near the town.", "volcano")
	f.Add(strings.Repeat("ünïcödé wörds ", 50), "wörds")
	f.Add("", "x")
	a := english(f)
	f.Fuzz(func(t *testing.T, body, q string) {
		if !utf8.ValidString(body) {
			return // bodies are valid UTF-8 by the schema contract
		}
		s := snippet(body, terms(t, a, q), a)
		if !utf8.ValidString(s) {
			t.Fatalf("snippet(%q, %q) = %q: invalid UTF-8", body, q, s)
		}
		plain := strings.ReplaceAll(strings.ReplaceAll(s, "**", ""), "…", "")
		if len(plain) > SnippetBytes {
			t.Fatalf("snippet(%q, %q) = %q: %d bytes, limit %d", body, q, s, len(plain), SnippetBytes)
		}
		if strings.Join(strings.Fields(body), "") != "" && strings.TrimSpace(plain) == "" {
			t.Fatalf("snippet(%q, %q) is empty", body, q)
		}
	})
}
