package cluster

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stream invents n reports of events, one every 5 minutes: each event
// has its own words and persons, reports share common words.
func stream(n int, seed uint64) []*Article {
	r := rand.New(rand.NewPCG(seed, 2))
	common := strings.Fields("government officials people city report police week statement members local country group public")
	var out []*Article
	for i := range n {
		e := r.IntN(n/4 + 1)
		words := func(count int) string {
			var ws []string
			for range count {
				if r.Float64() < 0.6 {
					ws = append(ws, fmt.Sprintf("zor%dx%dq", e, r.IntN(8)))
				} else {
					ws = append(ws, common[r.IntN(len(common))])
				}
			}
			return strings.Join(ws, " ")
		}
		d := doc(fmt.Sprintf("a%d", i), fmt.Sprintf("outlet%d.example", r.IntN(5)), words(6), words(40), t0.Add(time.Duration(i)*5*time.Minute))
		a := FromDocument(d)
		a.Entities = append(a.Entities, EntityRef{ID: fmt.Sprintf("Q%d", e), Name: "someone", Kind: 'p', Salience: 0.5},
			EntityRef{ID: fmt.Sprintf("Qplace%d", r.IntN(3)), Name: "somewhere", Kind: 'l', Salience: 0.2})
		if i%3 == 0 {
			a.Weekdays = 1 << (e % 7) // the day the event happened, named by some reports
		}
		out = append(out, a)
	}
	return out
}

// tightState is a state whose bounds are small enough that a few hundred
// articles saturate postings, overflow the document-frequency table,
// prune centroids and evict stories.
func tightState(t *testing.T) *State {
	t.Helper()
	p := DefaultParams()
	p.Horizon = 6 * time.Hour
	p.MaxPosting, p.MaxTerms, p.MaxStories, p.MaxCentroidTerms = 4, 300, 15, 20
	return newStateWith(t, p)
}

// A batch decided and applied tentatively, then rolled back (another
// replica appended first), leaves the state exactly as a replica's that
// never saw it; both then go on alike.
func TestRollbackRestoresTheStateExactly(t *testing.T) {
	arts := stream(300, 1)
	a, b := tightState(t), tightState(t)
	for i, art := range arts[:255] {
		ev := a.Decide(art)
		for _, s := range []*State{a, b} {
			if _, err := s.Apply(uint64(i+1), ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The batch at 256 expires (the first event of every 256th message),
	// joins, opens, merges two stories, takes a redelivery and a copy.
	live := a.resolve(a.articles["a250"])
	other := a.resolve(a.articles["a254"])
	if live == other {
		t.Fatalf("a250 and a254 share %s; pick two stories", live)
	}
	tentative := func(s *State) (applied []Event) {
		for i, art := range arts[255:275] {
			ev := s.Decide(art)
			switch i {
			case 3:
				ev.Merges = append(ev.Merges, Merge{From: other, Into: live})
			case 5:
				ev = Event{Article: arts[200], Story: "whatever"} // a redelivery
			case 7:
				cp := *art
				cp.ID, cp.CopyOf = art.ID+"-copy", arts[256].ID
				ev = s.Decide(&cp)
			}
			if _, err := s.ApplyAt(256, i, ev); err != nil {
				t.Fatal(err)
			}
			applied = append(applied, ev)
		}
		return applied
	}
	if err := a.Begin(); err != nil {
		t.Fatal(err)
	}
	before := a.Evicted()
	batch := tentative(a)
	if a.Evicted() == before || len(a.merged) == 0 || len(a.saturated) == 0 {
		t.Fatalf("the batch should evict, merge and saturate: evicted %d -> %d, %d merged, %d saturated", before, a.Evicted(), len(a.merged), len(a.saturated))
	}
	if err := a.Rollback(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("after Rollback the state differs from one that never saw the batch")
	}
	// Both apply the batch for good (a through a committed batch) and
	// the rest of the stream: equal at every step.
	if err := a.Begin(); err != nil {
		t.Fatal(err)
	}
	if again := tentative(a); !reflect.DeepEqual(again, batch) {
		t.Fatal("the batch decided again after Rollback differs")
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	for i, ev := range batch {
		if _, err := b.ApplyAt(256, i, ev); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("after the same batch, a committed tentative batch differs from a plain apply")
	}
	for i, art := range arts[275:] {
		ev := a.Decide(art)
		for _, s := range []*State{a, b} {
			if _, err := s.Apply(uint64(257+i), ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("after the rest of the stream the states differ")
	}
	if err := a.Commit(); err == nil {
		t.Error("Commit outside a batch = nil error")
	}
}

func TestApplyAtKeepsTheOrder(t *testing.T) {
	s := newState(t)
	arts := stream(4, 3)
	for _, c := range []struct {
		seq  uint64
		i    int
		fail bool
	}{{1, 0, false}, {1, 1, false}, {1, 1, true}, {1, 0, true}, {2, 0, false}, {1, 5, true}} {
		_, err := s.ApplyAt(c.seq, c.i, Event{Article: arts[c.i%4], Story: "s"})
		if (err != nil) != c.fail {
			t.Errorf("ApplyAt(%d, %d) after %d.%d: %v, want failure %v", c.seq, c.i, s.seq, s.index, err, c.fail)
		}
	}
}

// A Proposal applied (the article weighed once) leaves the state that
// Decide and ApplyAt leave (weighed twice), through joins, opens,
// copies, redeliveries, merges, expiry and evictions, inside tentative
// batches too.
func TestProposalsApplyAsDecidedEvents(t *testing.T) {
	arts := stream(600, 9)
	a, b := tightState(t), tightState(t)
	for i, art := range arts {
		switch i % 50 {
		case 7:
			cp := *art
			cp.ID, cp.CopyOf = art.ID+"-copy", arts[i-1].ID
			art = &cp
		case 13:
			art = arts[i-5] // a redelivery
		}
		seq := uint64(i + 1)
		batch := i%3 == 0
		for _, s := range []*State{a, b} {
			if batch {
				if err := s.Begin(); err != nil {
					t.Fatal(err)
				}
			}
		}
		p := a.Propose(art)
		ev := b.Decide(art)
		if !reflect.DeepEqual(p.Event, ev) {
			t.Fatalf("article %d: proposed %+v, decided %+v", i, p.Event, ev)
		}
		if i%37 == 0 && i > 0 {
			// a merge the proposal did not make: applied alike
			into, from := a.resolve(a.articles[arts[i-1].ID]), a.resolve(a.articles[arts[i-9].ID])
			if into != from {
				p.Merges = append(p.Merges, Merge{From: from, Into: into})
				ev.Merges = append(ev.Merges, Merge{From: from, Into: into})
			}
		}
		if _, err := a.ApplyProposal(seq, 0, p); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ApplyAt(seq, 0, ev); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*State{a, b} {
			if batch {
				if err := s.Commit(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if a.Evicted() == 0 || len(a.merged) == 0 {
		t.Fatalf("the stream should evict and merge: %d evicted, %d merged", a.Evicted(), len(a.merged))
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the state that applied proposals differs from the one that applied decided events")
	}
}
