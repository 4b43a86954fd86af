package nereval

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestScoreConlleval(t *testing.T) {
	tests := []struct {
		file    string
		overall Counts
		byType  map[string]Counts
	}{
		{
			// Hand count: gold PER, LOC New York, ORG, MISC, LOC Paris;
			// found PER, LOC New, ORG, MISC, ORG Paris.
			file:    "testdata/iob2.txt",
			overall: Counts{Correct: 3, Predicted: 5, Gold: 5},
			byType: map[string]Counts{
				"PER":  {Correct: 1, Predicted: 1, Gold: 1},
				"LOC":  {Correct: 0, Predicted: 1, Gold: 2},
				"ORG":  {Correct: 1, Predicted: 2, Gold: 1},
				"MISC": {Correct: 1, Predicted: 1, Gold: 1},
			},
		},
		{
			// conlleval semantics: an I- tag after O or after another type
			// starts a chunk; B- after I- of the same type starts another.
			// Gold: PER alpha, ORG beta, LOC delta, LOC epsilon.
			// Found: PER alpha beta, LOC delta epsilon.
			file:    "testdata/quirks.txt",
			overall: Counts{Correct: 0, Predicted: 2, Gold: 4},
			byType: map[string]Counts{
				"PER": {Correct: 0, Predicted: 1, Gold: 1},
				"ORG": {Correct: 0, Predicted: 0, Gold: 1},
				"LOC": {Correct: 0, Predicted: 1, Gold: 2},
			},
		},
	}
	for _, tt := range tests {
		f, err := os.Open(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ScoreConlleval(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if got.Overall != tt.overall {
			t.Errorf("%s: overall %+v, want %+v", tt.file, got.Overall, tt.overall)
		}
		if len(got.ByType) != len(tt.byType) {
			t.Errorf("%s: types %v, want %v", tt.file, got.ByType, tt.byType)
		}
		for typ, want := range tt.byType {
			if got.ByType[typ] != want {
				t.Errorf("%s: %s %+v, want %+v", tt.file, typ, got.ByType[typ], want)
			}
		}
	}
}

func TestCountsF1(t *testing.T) {
	tests := []struct {
		c        Counts
		p, r, f1 float64
	}{
		{Counts{Correct: 3, Predicted: 5, Gold: 5}, 0.6, 0.6, 0.6},
		{Counts{Correct: 1, Predicted: 1, Gold: 3}, 1, 1.0 / 3, 0.5},
		{Counts{}, 0, 0, 0},
		{Counts{Predicted: 2}, 0, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.c.Precision(); !near(got, tt.p) {
			t.Errorf("%+v precision = %v, want %v", tt.c, got, tt.p)
		}
		if got := tt.c.Recall(); !near(got, tt.r) {
			t.Errorf("%+v recall = %v, want %v", tt.c, got, tt.r)
		}
		if got := tt.c.F1(); !near(got, tt.f1) {
			t.Errorf("%+v f1 = %v, want %v", tt.c, got, tt.f1)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	s, err := Run(context.Background(), "testdata/tiny.conll", &out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Overall.Gold != 5 || s.Tokens != 15 {
		t.Errorf("gold %d tokens %d, want 5 and 15", s.Overall.Gold, s.Tokens)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if !regexp.MustCompile(`^f1=[01]\.\d{4}$`).MatchString(last) {
		t.Errorf("last line %q, want f1=d.dddd", last)
	}
	if want := fmt.Sprintf("f1=%.4f", s.Overall.F1()); last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
	// The tagger should get these plain sentences right.
	if s.Overall.Correct < 4 {
		t.Errorf("correct %d of 5 on easy sentences:\n%s", s.Overall.Correct, out.String())
	}
}

func TestRunMissingFile(t *testing.T) {
	if _, err := Run(context.Background(), "testdata/nope.conll", &bytes.Buffer{}); err == nil {
		t.Error("Run on a missing file: got nil error")
	}
}
