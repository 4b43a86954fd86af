package cluster

import (
	"testing"
	"time"
)

func TestWeekdaysReadsTheDaysATextNames(t *testing.T) {
	const sun, mon, tue, wed, thu, fri, sat = 1 << time.Sunday, 1 << time.Monday, 1 << time.Tuesday, 1 << time.Wednesday, 1 << time.Thursday, 1 << time.Friday, 1 << time.Saturday
	for _, tc := range []struct {
		text string
		want uint8
	}{
		{"The quake struck on Sunday; rescuers searched until Tuesday.", sun | tue},
		{"MONDAY: officials said thursday's count and Wednesday’s were wrong", mon | wed | thu},
		{"friday, Saturday night, Saturday-morning", fri | sat},
		{"He works Mondays and holidays; a Birthday, today, yesterday, someday", 0},
		{"Sundays at the Sundayschool, a Funday, Dayton", 0},
		{"Écoutezmonday, « Monday »", mon},
		{"", 0},
	} {
		if got := Weekdays(tc.text); got != tc.want {
			t.Errorf("Weekdays(%q) = %07b, want %07b", tc.text, got, tc.want)
		}
	}
}

// TestWeekdaysTellUndatedReportsOfOneKindApart: reports without dates of
// two bank robberies worded alike, one on Sunday, the other on Tuesday
// (ECB+'s two events of one kind, which no time term tells apart), stay
// two stories, where with a Weekdays weight of 0 the second joins the
// first; a report of the first in the second's words that names its day
// joins it. A pair
// written days apart takes the conflict scaled by its time term.
func TestWeekdaysTellUndatedReportsOfOneKindApart(t *testing.T) {
	undated := func(id, source, title, body string) *Article {
		d := doc(id, source, title, body, t0)
		d.PublishedAt = nil
		return FromDocument(d)
	}
	first := undated("a", "alpha.example", "Armed men rob bank in Ferrandina",
		"Two armed men robbed a bank in Ferrandina on Sunday, taking cash from the vault before fleeing in a car, police said. Nobody was hurt.")
	other := undated("b", "beta.example", "Robbers escape with cash from bank",
		"Robbers held up a bank branch on Tuesday and escaped with cash; the staff were unhurt, officers said.")
	same := undated("c", "gamma.example", "Robbers escape with cash from bank",
		"Robbers held up a bank branch on Sunday and escaped with cash; the staff were unhurt, officers said.")

	blind := DefaultParams()
	blind.Model.Weekdays = 0
	s := newStateWith(t, blind)
	if a, b := assign(t, s, first), assign(t, s, other); b != a {
		t.Fatalf("with no weekday weight the other robbery opened %s: the test needs reports that join without it", b)
	}

	s = newState(t)
	a := assign(t, s, first)
	st := s.stories[a]
	if f := s.articleFeatures(s.vectorize(other), other, st); f.weekdays != 1 {
		t.Errorf("undated reports naming Sunday and Tuesday: weekdays feature %v, want 1", f.weekdays)
	}
	if f := s.articleFeatures(s.vectorize(same), same, st); f.weekdays != 0 {
		t.Errorf("undated reports both naming Sunday: weekdays feature %v, want 0", f.weekdays)
	}
	if b := assign(t, s, other); b == a {
		t.Errorf("the Tuesday robbery joined the Sunday one's story %s", a)
	}
	s = newState(t) // the first report, then the other report of its day
	if a, c := assign(t, s, first), assign(t, s, same); c != a {
		t.Errorf("the other report of the Sunday robbery opened %s, want %s", c, a)
	}

	s = newState(t)
	dated := func(id string, at time.Time, body string) *Article {
		return FromDocument(doc(id, "alpha.example", "Bank robbed", body, at))
	}
	st = s.stories[assign(t, s, dated("d", t0, "Armed men robbed a bank on Sunday."))]
	later := dated("e", t0.Add(3*24*time.Hour), "Armed men robbed a bank on Wednesday.")
	if f := s.articleFeatures(s.vectorize(later), later, st); f.time < 0.2 || f.weekdays != f.time {
		t.Errorf("reports three days apart naming other days: weekdays feature %v, time %v; want the time term", f.weekdays, f.time)
	}
}
