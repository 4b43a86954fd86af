package cluster

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestNumbersKeepsDecimalsAndThousandsWholeAndSkipsWordsAndDigits(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"A magnitude 6.1 earthquake killed 4,000 people in 2009.", []string{"6.1", "4000", "2009"}},
		{"The 6.1-magnitude quake", []string{"6.1"}},
		{"G20 leaders, a 9mm pistol, the 2nd round, 5 people", nil},
		{"1,234,567 votes; 52% said no at 10:30", []string{"1234567", "52", "10", "30"}},
		{"In 2009, 300 died", []string{"2009", "300"}},
		{"covid-19 cases", []string{"19"}},
		{"", nil},
	} {
		if got := Numbers(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("Numbers(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// numbersStream is a state that has seen n unrelated reports, each
// stating the year 2026 and a number of its own, so that a number one
// story states is rare and the year is common.
func numbersStream(t *testing.T, n int) *State {
	t.Helper()
	s := newState(t)
	for i := range n {
		title := fmt.Sprintf("Council notes on item %c%c", 'a'+i%26, 'a'+i/26)
		body := fmt.Sprintf("The council of %cville%c met in 2026 and approved item %d of its agenda.", 'a'+i%26, 'a'+i/26, 1000+i)
		assign(t, s, FromDocument(doc(fmt.Sprintf("f%d", i), "filler.example", title, body, t0.Add(time.Duration(i)*time.Minute))))
	}
	return s
}

// TestNumbersTellReportsWordedAlikeApart: two reports worded alike
// against a story of one earthquake, one stating its magnitude and
// toll, the other another quake's: the first must be likelier to join
// (at a Numbers weight of 0 they are equally likely) and join, the other
// not. A number every report states (the year) is no evidence.
func TestNumbersTellReportsWordedAlikeApart(t *testing.T) {
	s := numbersStream(t, 150)
	at := t0.Add(3 * time.Hour)
	const body = "A magnitude %s earthquake struck near Ferrandina in southern Italy in 2026, injuring %s people and damaging the church. Rescuers searched collapsed houses."
	first := FromDocument(doc("q0", "alpha.example", "Earthquake shakes Ferrandina", fmt.Sprintf(body, "6.1", "40"), at))
	story := assign(t, s, first)
	st := s.stories[s.resolve(story)]
	const later = "Officials said %s people were hurt when the magnitude %s quake hit the south of the country in 2026; engineers inspected schools and bridges."
	same := FromDocument(doc("q1", "beta.example", "Quake hits southern Italy", fmt.Sprintf(later, "40", "6.1"), at.Add(time.Hour)))
	other := FromDocument(doc("q2", "beta.example", "Quake hits southern Italy", fmt.Sprintf(later, "89", "7.3"), at.Add(time.Hour)))
	fs, fo := s.articleFeatures(s.vectorize(same), same, st), s.articleFeatures(s.vectorize(other), other, st)
	if fs.numbers < 0.9 || fo.numbers != 0 {
		t.Errorf("numbers feature: %.3f for the same numbers (want about 1), %.3f for others and the year alone (want 0)", fs.numbers, fo.numbers)
	}
	if ps, po := s.p.Model.prob(fs), s.p.Model.prob(fo); ps <= po {
		t.Errorf("p(join) %.9f for the report stating the story's numbers <= %.9f for the one stating another event's", ps, po)
	}
	if got := s.Decide(same).Story; got != story {
		t.Errorf("the report stating the story's numbers goes to %s, want %s", got, story)
	}
	if got := s.Decide(other).Story; got == story {
		t.Errorf("the report stating another quake's numbers joins %s", story)
	}
}
