package cluster

import (
	"fmt"
	"math"
	"testing"
)

// economy is six undated reports of one outlet's economy section
// (invented): one topic, six events (a quarter's growth, a rate
// decision, jobs, inflation, trade, a budget), worded alike as a
// section's reports are.
var economy = []struct{ title, body string }{
	{"Economy grows faster than expected",
		"Norland's economy grew faster than expected in the third quarter, official figures showed, as factories and shipyards lifted output. Economists said the Norland economy had recovered from last year's slump."},
	{"Central bank raises interest rates",
		"The central bank of Norland raised its main interest rate by a quarter point, its governor Elsa Brandt said, warning that the Norland economy risked overheating. Mortgage lenders are expected to follow."},
	{"Unemployment falls to record low",
		"Unemployment in Norland fell to a record low of 3.1%, the labour ministry said, as retailers and builders hired staff. Economists said the growing Norland economy was running short of workers."},
	{"Inflation rises again",
		"Consumer prices in Norland rose again last month, driven by fuel and food, the statistics office said. Economists said inflation would squeeze households as the Norland economy grows."},
	{"Exports hit new high",
		"Norland's exports of timber, fish and machinery hit a new high, customs data showed, with shipments to Asia doubling. Economists said the weak krona had helped the Norland economy."},
	{"Budget plans tax cuts",
		"Finance minister Jonas Falk unveiled a budget with income tax cuts and more spending on railways, saying the Norland economy could afford them. The opposition called the plans reckless."},
}

func undatedDoc(id, source, title, body string) *Article {
	d := doc(id, source, title, body, t0)
	d.PublishedAt = nil
	return FromDocument(d)
}

// An archive of one outlet's undated reports, ingested at one moment,
// has no time evidence: the undated weight scores every pair as if
// written together, and its section's reports, one topic and many
// events, grew into one story. A story that keeps taking one outlet's
// undated reports is asked for closer text (Outlet), while reports of
// one event by several outlets, undated, still form one story, and two
// undated reports of one outlet still pair.
func TestOneOutletsUndatedReportsDoNotGrowATopic(t *testing.T) {
	largest := func(p Params) int {
		s := newStateWith(t, p)
		sizes := map[string]int{}
		for i, r := range economy {
			sizes[s.resolve(assign(t, s, undatedDoc(fmt.Sprintf("n%d", i), "archive.example", r.title, r.body)))]++
		}
		most := 0
		for id, n := range sizes {
			most = max(most, n, sizes[s.resolve(id)])
		}
		return most
	}
	blind := DefaultParams()
	blind.Model.Outlet = 0
	if n := largest(blind); n < 5 {
		t.Fatalf("with no outlet weight the largest story holds %d of the section's %d reports: the test needs a section that grows into one story without it", n, len(economy))
	}
	if n := largest(DefaultParams()); n > 3 {
		t.Errorf("the largest story holds %d of one outlet's %d undated reports of six events, want at most 3", n, len(economy))
	}

	s := newState(t)
	var first string
	for i, r := range quake {
		id := assign(t, s, undatedDoc(fmt.Sprintf("q%d", i), r.source, r.title, r.body))
		if i == 0 {
			first = id
		}
		if got, want := s.resolve(id), s.resolve(first); got != want {
			t.Errorf("undated quake report %d of outlet %s in story %s, want %s", i, r.source, got, want)
		}
	}

	s = newState(t)
	a := assign(t, s, undatedDoc("u0", "archive.example", quake[0].title, quake[0].body))
	if b := assign(t, s, undatedDoc("u1", "archive.example", quake[4].title, quake[4].body)); b != a {
		t.Errorf("an outlet's undated update of an event opened %s, want its first report's story %s", b, a)
	}
}

func TestOutletFeatureGrowsWithTheShareOfRepeatedOutlets(t *testing.T) {
	s := newState(t)
	id := assign(t, s, undatedDoc("a", "archive.example", economy[0].title, economy[0].body))
	st := s.stories[id]
	same := undatedDoc("b", "archive.example", economy[1].title, economy[1].body)
	if f := s.articleFeatures(s.vectorize(same), same, st); f.undated != 1 || f.outlet != 0 {
		t.Errorf("a story of one report: undated %v, outlet %v; want 1, 0", f.undated, f.outlet)
	}
	st.originals = 4 // as if four reports of archive.example had joined it
	if f := s.articleFeatures(s.vectorize(same), same, st); math.Abs(f.outlet-0.75*0.75) > 1e-12 {
		t.Errorf("four reports of one outlet: outlet %v, want 0.75²", f.outlet)
	}
	other := undatedDoc("c", "other.example", economy[1].title, economy[1].body)
	if f := s.articleFeatures(s.vectorize(other), other, st); f.outlet != 0 {
		t.Errorf("an outlet the story lacks: outlet %v, want 0", f.outlet)
	}
	nameless := undatedDoc("d", "", economy[1].title, economy[1].body)
	if f := s.articleFeatures(s.vectorize(nameless), nameless, st); f.outlet != 0 {
		t.Errorf("an article without an outlet: outlet %v, want 0", f.outlet)
	}
	dated := FromDocument(doc("e", "archive.example", economy[1].title, economy[1].body, t0))
	if f := s.articleFeatures(s.vectorize(dated), dated, st); f.outlet != 0 {
		t.Errorf("a dated article: outlet %v, want 0 (its time term dates the pair)", f.outlet)
	}

	// story to story: the outlets they share count once
	twin := s.stories[assign(t, s, undatedDoc("f", "archive.example", quake[0].title, quake[0].body))]
	twin.originals = 2
	if f, want := s.storyFeatures(st, twin), (1-1.0/6)*(1-1.0/6); math.Abs(f.outlet-want) > 1e-12 {
		t.Errorf("two stories of one outlet's six reports: outlet %v, want %v", f.outlet, want)
	}
	for _, c := range []struct {
		outlets, originals int
		want               float64
	}{{1, 1, 0}, {2, 2, 0}, {3, 2, 0}, {1, 2, 0.25}, {2, 8, 0.75 * 0.75}} {
		if got := outletRepeats(c.outlets, c.originals); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("outletRepeats(%d, %d) = %v, want %v", c.outlets, c.originals, got, c.want)
		}
	}
}
