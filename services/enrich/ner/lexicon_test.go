package ner

import (
	"fmt"
	"testing"
)

func TestMatchGaz(t *testing.T) {
	tg := &Tagger{gaz: buildGaz([]LexiconEntry{
		{Name: "New York", Class: LexMajorPlace},
		{Name: "York", Class: LexPlace},
		{Name: "Red Cross", Class: LexOrg},
		{Name: "International Committee of the Red Cross", Class: LexOrg},
		{Name: "Kyiv", Class: LexMajorPlace},
	})}
	words := []string{"NEW", "YORK", "and", "Kyiv", "the", "Red", "Cross", "New"}
	at := make([]attr, len(words))
	for i, w := range words {
		computeAttr(&at[i], w)
	}
	tg.matchGaz(at)
	bit := func(c LexClass, p int) uint32 { return 1 << (uint32(c)*4 + uint32(p)) }
	want := []uint32{
		bit(LexMajorPlace, pB),
		bit(LexMajorPlace, pL) | bit(LexPlace, pU),
		0,
		bit(LexMajorPlace, pU),
		0,
		bit(LexOrg, pB),
		bit(LexOrg, pL),
		0, // a prefix of a phrase is not a match
	}
	for i := range words {
		if at[i].gaz != want[i] {
			t.Errorf("%s: gaz %s, want %s", words[i], fmt.Sprintf("%b", at[i].gaz), fmt.Sprintf("%b", want[i]))
		}
	}
}

func TestIsTitleLine(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Geneva Talks End Without Deal on Grain Corridor", true},
		{"Talks in Geneva end without a deal on the grain corridor", false},
		{"GENEVA TALKS END WITHOUT DEAL", false}, // all caps: already a caps line
		{"Lavrov Speaks", false},                 // too few long words to tell
		{"Russian Foreign Minister Sergei Lavrov told reporters that Moscow would not accept", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isTitleLine(texts(Tokenize(tt.in))); got != tt.want {
			t.Errorf("isTitleLine(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
