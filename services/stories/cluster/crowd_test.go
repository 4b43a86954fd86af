package cluster

import (
	"fmt"
	"math"
	"testing"
)

// crowdedTopic is invented undated reports of one topic and eight
// events, one report each by its own outlet: a report names three of
// the topic's 16 words (event e from word 2e on, so neighbours share
// one) and eight words of its own event, its title one topic word and
// three of its event's; dated or not.
func crowdedTopic(t *testing.T, p Params, dated bool) *State {
	t.Helper()
	s := newStateWith(t, p)
	for e := range 8 {
		a := inventedReport(fmt.Sprintf("e%d", e), fmt.Sprintf("outlet%d.example", e), dated,
			append(topicWords(2*e, 1), eventWords(e, 3)...),
			append(topicWords(2*e, 3), eventWords(e, 8)...))
		if id := assign(t, s, a); id != StoryIDFor(a.ID) {
			t.Fatalf("fixture: the report of event %d joined %s; the topic's events must stay apart", e, id)
		}
	}
	return s
}

func inventedReport(id, source string, dated bool, title, body []string) *Article {
	return &Article{ID: id, Source: source, Lang: "en", Time: t0.UnixMilli(), Undated: !dated,
		Titles: countTerms(title), Bodies: countTerms(body)}
}

// topicWords are n of the topic's 16 words from the from-th on.
func topicWords(from, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("topicword%d", (from+i)%16))
	}
	return out
}

func eventWords(e, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("event%dword%d", e, i))
	}
	return out
}

// An undated report that names its topic's words and none of an event's
// is as close to every story of a topic of many events: without dates
// nothing tells which event it reports, and it joined one of them. In a
// crowded topic an undated report is asked for closer text (Crowd); a
// report that names its event's own words still joins that event's
// story, and a dated stream leaves it to the time term.
func TestUndatedReportsOfACrowdedTopicAskForCloserText(t *testing.T) {
	vague := func(dated bool) *Article {
		return inventedReport("vague", "other.example", dated,
			append([]string{"newevent0"}, eventWords(99, 2)...),
			append(topicWords(0, 16), "newevent0", "newevent1"))
	}
	blind := DefaultParams()
	blind.Model.Crowd = 0
	if id := assign(t, crowdedTopic(t, blind, false), vague(false)); id == StoryIDFor("vague") {
		t.Fatal("fixture: with no crowd weight the topic's vague report opens its own story; the test needs one that joins")
	}
	if id := assign(t, crowdedTopic(t, DefaultParams(), false), vague(false)); id != StoryIDFor("vague") {
		t.Errorf("an undated report as close to eight stories of its topic joined %s, want its own story", id)
	}
	if id := assign(t, crowdedTopic(t, DefaultParams(), true), vague(true)); id == StoryIDFor("vague") {
		t.Error("a dated report of the same words opened its own story: the crowd must leave dated pairs to the time term")
	}

	s := crowdedTopic(t, DefaultParams(), false)
	specific := inventedReport("specific", "other.example", false,
		append(topicWords(6, 1), eventWords(3, 3)...),
		append(append(topicWords(6, 3), eventWords(3, 6)...), "newevent0", "newevent1"))
	if id := assign(t, s, specific); id != StoryIDFor("e3") {
		t.Errorf("an undated report naming its event's words joined %s in a crowded topic, want %s", id, StoryIDFor("e3"))
	}
}

func TestCrowdingCountsTheCloseCandidatesBeyondThree(t *testing.T) {
	for _, c := range []struct {
		near int
		want float64
	}{{0, 0}, {1, 0}, {3, 0}, {6, math.Log(2)}, {12, math.Log(4)}} {
		if got := crowding(c.near); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("crowding(%d) = %v, want %v", c.near, got, c.want)
		}
	}
}
