package dedupeeval

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestRunOnFixtures(t *testing.T) {
	var out bytes.Buffer
	s, err := Run(context.Background(), Options{
		Originals: "testdata/originals",
		Variants:  "testdata/variants.jsonl",
		Pairs:     "testdata/pairs.json",
		Negatives: "testdata/negatives.jsonl",
		Seed:      7,
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	// Truth: {001, 004, syn/1} and {003, syn/2}: 3 + 1 pairs.
	if s.Articles != 7 || s.TruePairs != 4 {
		t.Errorf("articles %d, true pairs %d; want 7 and 4", s.Articles, s.TruePairs)
	}
	if s.Precision != 1 || s.Recall != 1 {
		t.Errorf("precision %.3f recall %.3f, want 1 and 1", s.Precision, s.Recall)
	}
	if s.Negatives != 3 || s.NegativesFlagged != 0 {
		t.Errorf("negatives flagged %d/%d, want 0/3", s.NegativesFlagged, s.Negatives)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3} negatives_flagged=\d+/\d+$`).MatchString(last) {
		t.Errorf("last line %q does not have the required format", last)
	}
	if s.BytesPerArticle <= 0 || s.P99 <= 0 {
		t.Errorf("state %.0f B/article, p99 %s: want measured values", s.BytesPerArticle, s.P99)
	}
}

func TestRunRejectsMissingInputs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no originals", Options{Variants: "testdata/variants.jsonl"}},
		{"no variants", Options{Originals: "testdata/originals"}},
		{"variants naming unknown originals", Options{Originals: "testdata/originals/news/../../originals", Variants: "testdata/pairs.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.opts, &bytes.Buffer{}); err == nil {
				t.Error("Run succeeded, want an input error")
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf-8 kept", []byte("Café £5"), "Café £5"},
		{"latin-1 decoded", []byte{'C', 'a', 'f', 0xe9, ' ', 0xa3, '5'}, "Café £5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeText(tt.in); got != tt.want {
				t.Errorf("decodeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
