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
		{Name: "Anna", Class: LexFirstName},
		{Name: "Red Cross", Class: LexKBOrg},
	})}
	words := []string{"NEW", "YORK", "and", "Kyiv", "the", "Red", "Cross", "New", "Anna"}
	at := make([]attr, len(words))
	for i, w := range words {
		computeAttr(&at[i], w)
	}
	tg.matchGaz(at)
	bit := func(c LexClass, p int) uint64 { return 1 << (uint64(c)*4 + uint64(p)) }
	want := []uint64{
		bit(LexMajorPlace, pB),
		bit(LexMajorPlace, pL) | bit(LexPlace, pU),
		0,
		bit(LexMajorPlace, pU),
		0,
		bit(LexOrg, pB) | bit(LexKBOrg, pB),
		bit(LexOrg, pL) | bit(LexKBOrg, pL),
		0,                     // a prefix of a phrase is not a match
		bit(LexFirstName, pU), // classes past the eighth need bits past 32
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

func TestFirstName(t *testing.T) {
	tg := &Tagger{gaz: buildGaz([]LexiconEntry{
		{Name: "Albert", Class: LexFirstName},
		{Name: "Albert Hall", Class: LexPlace},
		{Name: "Sony", Class: LexKBOrg},
	})}
	for _, tt := range []struct {
		word string
		want bool
	}{{"Albert", true}, {"ALBERT", true}, {"Sony", false}, {"Hall", false}, {"Alb", false}} {
		if got := tg.FirstName(tt.word); got != tt.want {
			t.Errorf("FirstName(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
	var none *Tagger
	if none.FirstName("Albert") {
		t.Error("a nil tagger knows a first name")
	}
}
