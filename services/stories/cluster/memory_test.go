package cluster

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// inventedReports are reports of events as the stage decodes them: every
// string its own allocation (as decoding a document makes it), a 10-term
// title and a 100-term body, three in four terms the event's own and the
// rest drawn from 5,000 common ones, 6 numbers (4 the event's own, 2 of
// 200 common ones), and 12 entities: 2 persons of the event
// and 10 of 1,000 shared places and organisations. Each event is
// reported by reports outlets of 50, an hour apart; events 2 minutes
// apart, so all within the horizon.
func inventedReports(events, reports int) []*Article {
	r := rand.New(rand.NewPCG(7, uint64(reports)))
	terms := func(event, n int) []TermCount {
		tcs := make([]TermCount, 0, n)
		for i := range n {
			w := fmt.Sprintf("common%d", r.IntN(5000))
			if i%4 != 0 {
				w = fmt.Sprintf("event%d-%d", event, r.IntN(n))
			}
			tcs = append(tcs, TermCount{Term: TermHash(w), Count: 1 + uint32(r.IntN(3))})
		}
		slices.SortFunc(tcs, func(a, b TermCount) int { return cmp.Compare(a.Term, b.Term) })
		return slices.CompactFunc(tcs, func(a, b TermCount) bool { return a.Term == b.Term })
	}
	var out []*Article
	for e := range events {
		for n := range reports {
			a := &Article{
				ID:     fmt.Sprintf("https://outlet.example/%d/report-%d", e, n),
				Source: fmt.Sprintf("outlet%d.example", r.IntN(50)),
				Lang:   strings.Clone("en"),
				Title:  fmt.Sprintf("Invented headline number %d of event %d", n, e),
				Time:   time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(e)*2*time.Minute + time.Duration(n)*time.Hour).UnixMilli(),
				Titles: terms(e, 10),
				Bodies: terms(e, 100),
			}
			for k := range 2 {
				a.Entities = append(a.Entities, EntityRef{ID: fmt.Sprintf("Q%d", 1_000_000+2*e+k), Name: fmt.Sprintf("Person %d-%d", e, k), Kind: 'p', Salience: 0.5})
			}
			for range 10 {
				g := r.IntN(1000)
				a.Entities = append(a.Entities, EntityRef{ID: fmt.Sprintf("Q%d", g), Name: fmt.Sprintf("Place %d", g), Kind: 'l', Salience: 0.125,
					HasPoint: true, Lat: float64(g % 90), Lon: float64(g % 180), Country: strings.Clone("GB")})
			}
			nums := make([]TermCount, 0, 6)
			for k := range 6 {
				n := fmt.Sprintf("%d.%d", e, k) // the event's own
				if k >= 4 {
					n = fmt.Sprint(10 + r.IntN(200)) // common ones
				}
				nums = append(nums, TermCount{Term: NumberHash(n), Count: 1})
			}
			slices.SortFunc(nums, func(a, b TermCount) int { return cmp.Compare(a.Term, b.Term) })
			a.Numbers = slices.CompactFunc(nums, func(a, b TermCount) bool { return a.Term == b.Term })
			out = append(out, a)
		}
	}
	return out
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// The state holds a bounded heap per article and per story: its stories'
// centroids (16 bytes a term), postings (a term of one story holds it
// alone), the document frequencies in a flat table, interned outlets and
// languages, its entities in a slice, and the id of every article within
// the horizon, and nothing else of the article. The bounds are 1.1 times
// what this code holds (6.4 KB for a story of one; 4.1 KB an article,
// 20.2 KB a story, for stories of five). Before the flat table and the
// single postings it held 8.4 KB, and 5.4 KB an article (26.7 KB a story);
// before its entities and postings left maps, 10.1 KB, and 6.3 KB an
// article (31.5 KB a story).
func TestStateHeapPerArticle(t *testing.T) {
	for _, c := range []struct {
		reports              int
		perArticle, perStory float64
	}{
		{1, 7000, 7000},
		{5, 4500, 22300},
	} {
		t.Run(fmt.Sprintf("reports=%d", c.reports), func(t *testing.T) {
			before := heapAlloc()
			arts := inventedReports(2000/c.reports, c.reports)
			s, err := NewState(DefaultParams(), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range arts {
				if _, err := s.Apply(uint64(i+1), s.Decide(a)); err != nil {
					t.Fatal(err)
				}
				arts[i] = nil // the stage keeps no article
			}
			s.TakeDirty()
			held := float64(heapAlloc() - before)
			stories, articles, _, terms := s.Size()
			runtime.KeepAlive(s)
			perArticle, perStory := held/float64(articles), held/float64(stories)
			t.Logf("%d stories, %d articles, %d terms: %.0f B an article, %.0f B a story", stories, articles, terms, perArticle, perStory)
			if stories > 2000/c.reports*11/10 || stories < 2000/c.reports*9/10 {
				t.Fatalf("%d stories from %d events: the invented reports no longer make stories of %d", stories, 2000/c.reports, c.reports)
			}
			if perArticle > c.perArticle || perStory > c.perStory {
				t.Errorf("the state holds %.0f bytes an article and %.0f a story, want at most %.0f and %.0f", perArticle, perStory, c.perArticle, c.perStory)
			}
		})
	}
}

// A story document lists what its members say, however the state holds
// it: the distinct outlets and languages of every member (merged stories'
// too), and each entity's salience and mentions summed over the members,
// heaviest first. Random joins, copies and merges, checked against plain maps.
func TestSnapshotsListWhatTheMembersSay(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	s, err := NewState(DefaultParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string][]*Article{} // live story -> its members
	var live []string
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i := range 600 {
		a := &Article{
			ID:     fmt.Sprintf("a%d", i),
			Source: fmt.Sprintf("outlet%d.example", r.IntN(7)),
			Lang:   []string{"en", "fr", "de"}[r.IntN(3)],
			Title:  fmt.Sprintf("title %d", i),
			Time:   at + int64(i)*60_000,
		}
		for range r.IntN(6) {
			k := r.IntN(12)
			kind := []byte{'p', 'o', 'l'}[k%3]
			a.Entities = append(a.Entities, EntityRef{ID: fmt.Sprintf("Q%d", k), Name: fmt.Sprintf("Entity %d", k), Kind: kind,
				Salience: float64(1+r.IntN(8)) / 8, Mentions: 1 + r.IntN(5), HasPoint: kind == 'l', Lat: float64(k), Lon: -float64(k), Country: "GB"})
		}
		ev := Event{Article: a, Story: StoryIDFor(a.ID)}
		if len(live) > 0 && r.IntN(3) > 0 {
			ev.Story = live[r.IntN(len(live))]
			if r.IntN(4) == 0 {
				a.CopyOf = members[ev.Story][0].ID
			}
		} else {
			live = append(live, ev.Story)
		}
		if len(live) > 2 && r.IntN(8) == 0 {
			from := live[r.IntN(len(live))]
			if from != ev.Story {
				ev.Merges = []Merge{{From: from, Into: ev.Story}}
			}
		}
		got, err := s.Apply(uint64(i+1), ev)
		if err != nil {
			t.Fatal(err)
		}
		if got != ev.Story {
			t.Fatalf("article %s in %s, want %s", a.ID, got, ev.Story)
		}
		members[ev.Story] = append(members[ev.Story], a)
		for _, m := range ev.Merges {
			members[m.Into] = append(members[m.Into], members[m.From]...)
			delete(members, m.From)
			live = slices.DeleteFunc(live, func(id string) bool { return id == m.From })
		}
	}
	snaps := map[string]schema.Story{}
	for _, st := range s.TakeDirty() {
		snaps[st.ID] = st
	}
	for id, ms := range members {
		got, ok := snaps[id]
		if !ok {
			t.Fatalf("no snapshot of story %s", id)
		}
		sources, langs := map[string]bool{}, map[string]bool{}
		salience := map[string]float64{}
		mentions := map[string]int{}
		byID := map[string]EntityRef{}
		for _, a := range ms {
			sources[a.Source], langs[a.Lang] = true, true
			for _, e := range a.Entities {
				salience[e.ID] += e.Salience
				mentions[e.ID] += e.Mentions
				byID[e.ID] = e
			}
		}
		keys := func(m map[string]bool) []string {
			out := slices.Collect(maps.Keys(m))
			slices.Sort(out)
			return out
		}
		if !slices.Equal(got.Sources, keys(sources)) || got.OutletCount != len(sources) || !slices.Equal(got.Languages, keys(langs)) || got.ArticleCount != len(ms) {
			t.Errorf("story %s: sources %v (%d), languages %v, %d articles; want %v, %v, %d", id, got.Sources, got.OutletCount, got.Languages, got.ArticleCount, keys(sources), keys(langs), len(ms))
		}
		ids := slices.Collect(maps.Keys(salience))
		slices.SortFunc(ids, func(a, b string) int {
			return cmp.Or(cmp.Compare(salience[b], salience[a]), cmp.Compare(a, b))
		})
		var want schema.Story
		for _, eid := range ids {
			e := byID[eid]
			ent := schema.Entity{Name: e.Name, ID: e.ID, Mentions: mentions[eid], Salience: min(math.Round(salience[eid]/float64(len(ms))*1000)/1000, 1)}
			switch e.Kind {
			case 'p':
				want.Persons = append(want.Persons, ent)
			case 'o':
				want.Organizations = append(want.Organizations, ent)
			case 'l':
				want.Places = append(want.Places, schema.Place{Entity: ent, Country: e.Country, Location: &schema.GeoPoint{Lat: e.Lat, Lon: e.Lon}})
			}
		}
		if !reflect.DeepEqual(got.Persons, want.Persons) || !reflect.DeepEqual(got.Organizations, want.Organizations) || !reflect.DeepEqual(got.Places, want.Places) {
			t.Errorf("story %s entities:\n%+v\n%+v\n%+v\nwant\n%+v\n%+v\n%+v", id, got.Persons, got.Organizations, got.Places, want.Persons, want.Organizations, want.Places)
		}
	}
}
