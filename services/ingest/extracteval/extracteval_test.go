package extracteval

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Don't stop—now_ok 3.14", []string{"Don", "t", "stop", "now_ok", "3", "14"}},
		{"Çavuşoğlu’s visit", []string{"Çavuşoğlu", "s", "visit"}},
		{"東京 2020", []string{"東京", "2020"}},
		{"  ", nil},
	}
	for _, tt := range tests {
		got := Tokens(tt.text)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Tokens(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestShingleMatch(t *testing.T) {
	tests := []struct {
		name        string
		truth, pred string
		want        Counts
	}{
		// (a b c d) matches; (b c d e) is missed, (b c d x) is extra.
		{"one of two", "a b c d e", "a b c d x", Counts{TP: 1.0 / 3, FP: 1.0 / 3, FN: 1.0 / 3}},
		{"identical", "a b c d e", "a, b. c d e!", Counts{TP: 1}},
		{"empty prediction", "one two three four", "", Counts{FN: 1}},
		{"both empty", "", "", Counts{}},
		// Fewer than four tokens make one shorter shingle.
		{"short", "hello world", "hello world", Counts{TP: 1}},
		{"short mismatch", "hello world", "hello", Counts{FP: 0.5, FN: 0.5}},
		// Tokens keep their case, as evaluate.py's findall does.
		{"case counts", "a b c d", "A b c d", Counts{FP: 0.5, FN: 0.5}},
		// Multisets: a repeated paragraph is counted twice.
		{"repeat", "w x y z", "w x y z w x y z", Counts{TP: 1.0 / 5, FP: 4.0 / 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ShingleMatch(tt.truth, tt.pred, 4)
			if !near(got.TP, tt.want.TP) || !near(got.FP, tt.want.FP) || !near(got.FN, tt.want.FN) {
				t.Errorf("ShingleMatch(%q, %q) = %+v, want %+v", tt.truth, tt.pred, got, tt.want)
			}
		})
	}
}

func TestAveragedScores(t *testing.T) {
	docs := []Counts{
		{TP: 1.0 / 3, FP: 1.0 / 3, FN: 1.0 / 3}, // P 0.5, R 0.5
		{FN: 1},                                 // no prediction: R 0, not in P
		{TP: 1},                                 // P 1, R 1
	}
	p, r, f1 := AveragedScores(docs)
	if !near(p, 0.75) || !near(r, 0.5) || !near(f1, 0.6) {
		t.Errorf("AveragedScores = %v, %v, %v; want 0.75, 0.5, 0.6", p, r, f1)
	}
}

func TestMatchSnippets(t *testing.T) {
	got := MatchSnippets("Alpha  beta\n\ngamma", []string{"beta gamma", "delta"}, []string{"Alpha", "menu"})
	want := SnippetCounts{TP: 1, FN: 1, FP: 1, TN: 1}
	if got != want {
		t.Errorf("MatchSnippets = %+v, want %+v", got, want)
	}
	p, r, f1 := SnippetCounts{TP: 8, FN: 2, FP: 2}.Scores()
	if !near(p, 0.8) || !near(r, 0.8) || !near(f1, 0.8) {
		t.Errorf("Scores = %v, %v, %v; want 0.8 each", p, r, f1)
	}
}

// identity treats the test "pages" as the extracted text.
func identity(page []byte, _ string) (string, error) {
	if len(page) == 0 {
		return "", errors.New("empty page")
	}
	return string(page), nil
}

func TestEvaluateLayouts(t *testing.T) {
	tests := []struct {
		dir      string
		layout   Layout
		lastLine string
		failed   int
	}{
		// d1: P .5 R .5; d2: empty, R 0; d3: identical tokens, P 1 R 1.
		{"testdata/shingle-layout", ScrapingHub, "precision=0.750 recall=0.500 f1=0.600", 1},
		// TP 2 (alpha beta, gamma delta), FN 1, FP 1 (menu item).
		{"testdata/snippet-layout", Trafilatura, "precision=0.667 recall=0.667 f1=0.667", 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.layout), func(t *testing.T) {
			var out bytes.Buffer
			s, err := Evaluate(context.Background(), tt.dir, identity, &out)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if got := lines[len(lines)-1]; got != tt.lastLine {
				t.Errorf("last line = %q, want %q\n%s", got, tt.lastLine, out.String())
			}
			if s.Layout != tt.layout || s.Failed != tt.failed {
				t.Errorf("scores = %+v, want layout %s and %d failed", s, tt.layout, tt.failed)
			}
		})
	}
}

func TestEvaluateUnknownLayout(t *testing.T) {
	_, err := Evaluate(context.Background(), t.TempDir(), identity, &bytes.Buffer{})
	if !errors.Is(err, ErrUnknownLayout) {
		t.Errorf("err = %v, want ErrUnknownLayout", err)
	}
}
