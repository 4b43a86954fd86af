package cluster

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// quake is five reports of one (invented) event by five outlets, worded
// differently, as a fresh pipeline would receive them.
var quake = []struct{ source, title, body string }{
	{"alpha.example", "Earthquake shakes Ferrandina, dozens hurt",
		"A magnitude 6.1 earthquake struck near Ferrandina in southern Italy on Tuesday morning, injuring dozens of people and damaging the old town's church. Civil protection chief Marta Bellocchio said rescuers were searching collapsed houses."},
	{"beta.example", "Strong quake hits southern Italian town of Ferrandina",
		"Rescue teams worked through the night in Ferrandina after a strong earthquake brought down houses and cracked the church tower. Marta Bellocchio of the civil protection agency said at least 40 people were injured."},
	{"gamma.example", "Ferrandina earthquake: residents sleep outdoors",
		"Hundreds of Ferrandina residents slept in tents after Tuesday's magnitude 6.1 quake. The civil protection agency, led by Marta Bellocchio, opened shelters as aftershocks shook the Basilicata region."},
	{"delta.example", "Italy sends aid to quake-hit Ferrandina",
		"The Italian government sent emergency funds to Ferrandina, where an earthquake injured dozens and damaged the historic church. Civil protection head Marta Bellocchio warned of more aftershocks in Basilicata."},
	{"epsilon.example", "Aftershocks rattle Ferrandina a day after quake",
		"Aftershocks rattled Ferrandina on Wednesday, a day after the magnitude 6.1 earthquake that injured dozens. Marta Bellocchio, the civil protection chief, said engineers were inspecting the damaged church and houses."},
}

// election is an unrelated event.
var election = []struct{ source, title, body string }{
	{"alpha.example", "Voters in Norland choose a new parliament",
		"Polls closed in Norland on Sunday as voters chose a new parliament. Prime minister Tomas Elvgren's party was expected to lose seats to the opposition led by Ingrid Salo, according to exit polls."},
	{"beta.example", "Norland opposition wins election, exit polls say",
		"Ingrid Salo's opposition alliance won the most seats in Norland's parliamentary election, exit polls showed on Sunday, ending eight years of government by Tomas Elvgren."},
}

var t0 = time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)

func doc(id, source, title, body string, at time.Time) *schema.Document {
	return &schema.Document{
		SchemaVersion: schema.Version, ID: id, Source: schema.Source{Domain: source},
		Title: title, Body: body, Language: "en", IngestedAt: at, PublishedAt: &at,
	}
}

func newState(t *testing.T) *State {
	t.Helper()
	return newStateWith(t, DefaultParams())
}

// newStateWith is a state with parameters p and the shipped background.
func newStateWith(t *testing.T, p Params) *State {
	t.Helper()
	bg, err := ShippedBackground()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewState(p, bg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assign decides and applies one article, as the stage does.
func assign(t *testing.T, s *State, a *Article) string {
	t.Helper()
	ev := s.Decide(a)
	id, err := s.Apply(s.Seq()+1, ev)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestFreshStateGroupsFiveReportsOfOneEvent(t *testing.T) {
	s := newState(t)
	var quakeStories, electionStories []string
	for i, r := range quake {
		quakeStories = append(quakeStories, assign(t, s, FromDocument(doc(fmt.Sprintf("q%d", i), r.source, r.title, r.body, t0.Add(time.Duration(i)*time.Hour)))))
		if i < len(election) {
			e := election[i]
			electionStories = append(electionStories, assign(t, s, FromDocument(doc(fmt.Sprintf("e%d", i), e.source, e.title, e.body, t0.Add(time.Duration(i)*time.Hour)))))
		}
	}
	for i, id := range quakeStories {
		if got, want := s.resolve(id), s.resolve(quakeStories[0]); got != want {
			t.Errorf("quake report %d in story %s, want %s (the first report's)", i, got, want)
		}
	}
	if got, want := s.resolve(electionStories[1]), s.resolve(electionStories[0]); got != want {
		t.Errorf("election reports in stories %s and %s, want one", want, got)
	}
	if s.resolve(electionStories[0]) == s.resolve(quakeStories[0]) {
		t.Error("the election joined the earthquake's story")
	}
	snaps := map[string]schema.Story{}
	for _, st := range s.TakeDirty() {
		snaps[st.ID] = st
	}
	q := snaps[s.resolve(quakeStories[0])]
	if q.ArticleCount != 5 || q.OutletCount != 5 || q.RepresentativeID != "q0" || q.Title != quake[0].title {
		t.Errorf("quake story = %d articles, %d outlets, representative %q %q; want 5, 5, q0 %q", q.ArticleCount, q.OutletCount, q.RepresentativeID, q.Title, quake[0].title)
	}
	if err := q.Validate(); err != nil {
		t.Errorf("snapshot invalid: %v", err)
	}
}

func TestArticleWithoutTextOrEntitiesOpensItsOwnStory(t *testing.T) {
	s := newState(t)
	assign(t, s, FromDocument(doc("q0", quake[0].source, quake[0].title, quake[0].body, t0)))
	for _, d := range []*schema.Document{
		doc("empty", "x.example", "", "", t0),
		doc("punct", "x.example", "...", "— 12 —", t0),
	} {
		id := assign(t, s, FromDocument(d))
		if want := StoryIDFor(d.ID); id != want {
			t.Errorf("%s: story %s, want its own %s", d.ID, id, want)
		}
	}
}

func TestHeadlinesWithoutBodiesCluster(t *testing.T) {
	s := newState(t)
	first := assign(t, s, FromDocument(doc("q0", quake[0].source, quake[0].title, quake[0].body, t0)))
	// headline feeds: the body is the headline again
	for i, title := range []string{"Strong quake hits Ferrandina in southern Italy", "Ferrandina earthquake injures dozens"} {
		d := doc(fmt.Sprintf("h%d", i), "wire.example", title, title, t0.Add(time.Hour))
		d.Cleaning.TitleFromBody = true
		if got := assign(t, s, FromDocument(d)); got != first {
			t.Errorf("headline %q in %s, want %s", title, got, first)
		}
	}
}

// Headline feeds as ingest passes them on: a title and an empty body.
// Two outlets' headlines of one event share a story, and a headline joins
// the story of a full report of its event: with the shipped weights, and
// with the headline weight at the fit's floor (MinHeadline), so no fitted
// weight can lose this.
func TestHeadlinesWithEmptyBodiesCluster(t *testing.T) {
	weights := []float64{MinHeadline}
	if shipped := DefaultParams().Model.Headline; shipped != MinHeadline {
		weights = append(weights, shipped)
	}
	for _, headline := range weights {
		t.Run(fmt.Sprintf("headline=%g", headline), func(t *testing.T) {
			newState := func() *State {
				p := DefaultParams()
				p.Model.Headline = headline
				return newStateWith(t, p)
			}
			s := newState()
			a := assign(t, s, FromDocument(doc("ha", "wire.example", "Strong earthquake hits Ferrandina in southern Italy", "", t0)))
			b := assign(t, s, FromDocument(doc("hb", "daily.example", "Earthquake in southern Italy: Ferrandina hit by strong quake", "", t0.Add(30*time.Minute))))
			if a != b {
				t.Errorf("two headlines of one event in %s and %s; want one story", a, b)
			}
			other := assign(t, s, FromDocument(doc("hc", "daily.example", "Parliament passes the budget after a night of votes", "", t0.Add(time.Hour))))
			if other == a {
				t.Errorf("a headline of another event joined the quake story %s", a)
			}

			s = newState()
			first := assign(t, s, FromDocument(doc("q0", quake[0].source, quake[0].title, quake[0].body, t0)))
			if got := assign(t, s, FromDocument(doc("hd", "wire.example", "Strong quake hits Ferrandina in southern Italy", "", t0.Add(time.Hour)))); got != first {
				t.Errorf("headline in %s; want the full report's story %s", got, first)
			}
		})
	}
}

func TestCopyJoinsItsCanonicalsStoryWithoutMovingIt(t *testing.T) {
	s := newState(t)
	first := assign(t, s, FromDocument(doc("q0", quake[0].source, quake[0].title, quake[0].body, t0)))
	st := s.stories[first]
	norm, terms, docs := st.bodies.norm, len(st.bodies.w), s.docs
	c := doc("copy", "wire.example", "Different headline about a market rally", "Stocks rallied on Tuesday as investors cheered strong earnings from technology companies.", t0.Add(time.Minute))
	c.DuplicateOf = "q0"
	if got := assign(t, s, FromDocument(c)); got != first {
		t.Fatalf("copy in %s, want its canonical's %s", got, first)
	}
	if st.bodies.norm != norm || len(st.bodies.w) != terms || s.docs != docs {
		t.Errorf("the copy moved the story: norm %v -> %v, terms %d -> %d, docs %d -> %d", norm, st.bodies.norm, terms, len(st.bodies.w), docs, s.docs)
	}
	var snap schema.Story
	for _, sn := range s.TakeDirty() {
		if sn.ID == first {
			snap = sn
		}
	}
	if snap.ArticleCount != 2 || snap.OutletCount != 2 || snap.RepresentativeID != "q0" {
		t.Errorf("story = %d articles, %d outlets, representative %s; want 2, 2, q0", snap.ArticleCount, snap.OutletCount, snap.RepresentativeID)
	}
}

func TestTwinStoriesMergeIntoTheOlder(t *testing.T) {
	s := newState(t)
	// Two replicas opened a story each for the same event at once.
	a0 := FromDocument(doc("q0", quake[0].source, quake[0].title, quake[0].body, t0))
	a1 := FromDocument(doc("q1", quake[1].source, quake[1].title, quake[1].body, t0.Add(time.Minute)))
	for i, a := range []*Article{a0, a1} {
		if _, err := s.Apply(uint64(i+1), Event{Article: a, Story: StoryIDFor(a.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	s.TakeDirty()
	ev := s.Decide(FromDocument(doc("q2", quake[2].source, quake[2].title, quake[2].body, t0.Add(time.Hour))))
	if len(ev.Merges) != 1 || ev.Merges[0] != (Merge{From: "story-q1", Into: "story-q0"}) {
		t.Fatalf("merges = %+v, want story-q1 into story-q0", ev.Merges)
	}
	got, err := s.Apply(3, ev)
	if err != nil {
		t.Fatal(err)
	}
	if got != "story-q0" {
		t.Errorf("article in %s, want the surviving story-q0", got)
	}
	if id, _ := s.StoryOf("q1"); id != "story-q0" {
		t.Errorf("q1 now in %s, want story-q0", id)
	}
	snaps := map[string]schema.Story{}
	for _, st := range s.TakeDirty() {
		snaps[st.ID] = st
	}
	if m := snaps["story-q1"]; m.MergedInto != "story-q0" || m.Revision != 3 {
		t.Errorf("merged snapshot = merged_into %q revision %d, want story-q0, 3", m.MergedInto, m.Revision)
	}
	if m := snaps["story-q0"]; m.ArticleCount != 3 || m.Revision != 3 {
		t.Errorf("survivor = %d articles revision %d, want 3, 3", m.ArticleCount, m.Revision)
	}
}

func TestQuietStoriesStopTakingMembers(t *testing.T) {
	s := newState(t)
	first := assign(t, s, FromDocument(doc("q0", quake[0].source, quake[0].title, quake[0].body, t0)))
	later := t0.Add(DefaultParams().Horizon + time.Hour)
	// The clock moves on with other news; expiry runs every 256 events.
	for i := 0; s.Seq()%256 != 255; i++ {
		assign(t, s, FromDocument(doc(fmt.Sprintf("n%d", i), "x.example", fmt.Sprintf("Item %d", i), fmt.Sprintf("Unrelated note number %d about zebra%d", i, i), later)))
	}
	assign(t, s, FromDocument(doc("tick", "x.example", "Tick", "Another unrelated note about yaks", later)))
	if got := assign(t, s, FromDocument(doc("q1", quake[1].source, quake[1].title, quake[1].body, later))); got == first {
		t.Errorf("a report after the horizon joined the quiet story %s", first)
	}
}

func TestEventRoundTrip(t *testing.T) {
	s := newState(t)
	d := doc("q0", quake[0].source, quake[0].title, quake[0].body, t0)
	d.Entities.Places = []schema.Place{{Entity: schema.Entity{Name: "Ferrandina", ID: "Q52076", Mentions: 2, Salience: 0.8}, Location: &schema.GeoPoint{Lat: 40.5, Lon: 16.45}, Country: "IT"}}
	ev := s.Decide(FromDocument(d))
	if len(ev.Article.Numbers) == 0 || ev.Article.Weekdays != 1<<time.Tuesday {
		t.Fatalf("fixture: the report states 6.1 and names Tuesday, but the article has numbers %v, weekdays %07b", ev.Article.Numbers, ev.Article.Weekdays)
	}
	data, err := EncodeEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := DecodeEvents(data)
	if err != nil || len(evs) != 1 {
		t.Fatalf("DecodeEvents(one event) = %d events, %v; want 1", len(evs), err)
	}
	if back := evs[0]; fmt.Sprint(*back.Article) != fmt.Sprint(*ev.Article) || back.Story != ev.Story {
		t.Errorf("round trip:\n got %+v\nwant %+v", *back.Article, *ev.Article)
	}
	// A batch: the events in order; a batch of one is the event itself.
	other, err := EncodeEvent(Event{Article: &Article{ID: "q1", Time: 7, Undated: true, URLDay: 86_400_000}, Story: "story-q0", Merges: []Merge{{From: "a", Into: "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	if one := EncodeBatch([][]byte{data}); !bytes.Equal(one, data) {
		t.Errorf("a batch of one is %s, want the event %s", one, data)
	}
	batch := EncodeBatch([][]byte{data, other, data})
	if len(batch) != BatchSize(3, 2*len(data)+len(other)) {
		t.Errorf("batch of %d bytes, BatchSize says %d", len(batch), BatchSize(3, 2*len(data)+len(other)))
	}
	evs, err = DecodeEvents(batch)
	if err != nil || len(evs) != 3 {
		t.Fatalf("DecodeEvents(batch of 3) = %d events, %v", len(evs), err)
	}
	if evs[0].Article.ID != "q0" || evs[1].Article.ID != "q1" || evs[1].Story != "story-q0" || !evs[1].Article.Undated || evs[1].Article.URLDay != 86_400_000 || fmt.Sprint(evs[1].Merges) != "[{a b}]" || evs[2].Article.ID != "q0" {
		t.Errorf("batch decoded out of order or lossy: %+v %+v %+v", evs[0], evs[1], evs[2])
	}
	// A message written before batches existed (the log keeps them).
	if evs, err := DecodeEvents([]byte(`{"article":{"id":"a1","title":"T","t":5},"story":"story-a1"}`)); err != nil || len(evs) != 1 || evs[0].Article.ID != "a1" || evs[0].Story != "story-a1" {
		t.Errorf("old single-event message: %+v, %v", evs, err)
	}
	for _, bad := range []string{`{}`, `{"article":{"id":"x","tt":"AQ=="},"story":"s"}`, `[`, `{"events":[]}`,
		`{"events":[{"article":{"id":"x"},"story":"s"},{"story":"s"}]}`, `{"article":{"id":"x"},"story":"s","events":[{"article":{"id":"y"},"story":"s"}]}`} {
		if _, err := DecodeEvents([]byte(bad)); err == nil {
			t.Errorf("DecodeEvents(%s) = nil error", bad)
		}
	}
}

// TestEventEncodedFromItsArticle: an event made of its article encoded
// beforehand (EncodeArticle, as the stage does before it waits for the
// lock) and its decision (EncodeEventOf) is, byte for byte, the event
// encoded whole, with the strings JSON escapes and with and without
// merges.
func TestEventEncodedFromItsArticle(t *testing.T) {
	s := newState(t)
	d := doc("q<0>", quake[0].source, "Quake \"hits\" <Ferrandina> & more\u2028", quake[0].body, t0)
	d.Entities.Places = []schema.Place{{Entity: schema.Entity{Name: "Ferrandina", ID: "Q52076", Mentions: 2, Salience: 0.8}, Location: &schema.GeoPoint{Lat: 40.5, Lon: 16.45}, Country: "IT"}}
	a := FromDocument(d)
	for _, ev := range []Event{
		s.Decide(a),
		{Article: a, Story: "story-<q&0>", Merges: []Merge{{From: "a\"", Into: "b>"}, {From: "c", Into: "d"}}},
		{Article: &Article{ID: "q1", Time: 7}, Story: "s", Merges: []Merge{}},
	} {
		whole, err := json.Marshal(struct {
			Article wireArticle `json:"article"`
			Story   string      `json:"story"`
			Merges  []Merge     `json:"merges,omitempty"`
		}{wireArticle{articleFields: (*articleFields)(ev.Article), Titles: packTerms(ev.Article.Titles), Bodies: packTerms(ev.Article.Bodies), Numbers: packTerms(ev.Article.Numbers)}, ev.Story, ev.Merges})
		if err != nil {
			t.Fatal(err)
		}
		article, err := EncodeArticle(ev.Article)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeEventOf(article, ev.Story, ev.Merges)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, whole) {
			t.Errorf("event from its encoded article:\n got %s\nwant %s", got, whole)
		}
		if viaEvent, err := EncodeEvent(ev); err != nil || !bytes.Equal(viaEvent, whole) {
			t.Errorf("EncodeEvent = %s, %v; want %s", viaEvent, err, whole)
		}
	}
	if _, err := EncodeArticle(nil); err == nil {
		t.Error("EncodeArticle(nil) gave no error")
	}
}

func TestBackgroundRoundTrip(t *testing.T) {
	c := NewBackgroundCounter()
	c.Add("Quake hits town", "The quake hit the town.", "en")
	c.Add("Town votes", "The town voted.", "en")
	var buf bytes.Buffer
	if err := c.Encode(&buf, 2); err != nil {
		t.Fatal(err)
	}
	b, err := DecodeBackground(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if b.Docs != 2 || b.DF(TermHash("town")) != 2 || b.DF(TermHash("quak")) != 0 || b.Terms() != 1 {
		t.Errorf("background = %d docs, df(town) %d, df(quak) %d, %d terms; want 2, 2, 0 (under min-df), 1", b.Docs, b.DF(TermHash("town")), b.DF(TermHash("quak")), b.Terms())
	}
	if _, err := DecodeBackground([]byte("not gzip")); err == nil {
		t.Error("DecodeBackground(garbage) = nil error")
	}
	shipped, err := ShippedBackground()
	if err != nil {
		t.Fatal(err)
	}
	if shipped.Docs < 500 || shipped.DF(TermHash("polic")) == 0 {
		t.Errorf("shipped background: %d docs, df(polic) %d; want a real corpus", shipped.Docs, shipped.DF(TermHash("polic")))
	}
}

// TestChangedIsTheStoryWhenTaken: the copies TakeChanged returns make the
// snapshots of the stories as they were when taken, while the state goes
// on (the stage makes them after releasing its lock): later members do
// not show in them, neither their outlets nor the salience they add to
// the entities the story already has.
func TestChangedIsTheStoryWhenTaken(t *testing.T) {
	quakeDoc := func(i int) *schema.Document {
		d := doc(fmt.Sprintf("q%d", i), quake[i].source, quake[i].title, quake[i].body, t0.Add(time.Duration(i)*time.Hour))
		d.Entities.Persons = []schema.Entity{{Name: "Marta Bellocchio", ID: "Q1", Salience: 0.1 * float64(i+1)}}
		d.Entities.Places = []schema.Place{{Entity: schema.Entity{Name: "Ferrandina", ID: "Q52076", Salience: 0.5}, Location: &schema.GeoPoint{Lat: 40.5, Lon: 16.45}, Country: "IT"}}
		if i > 1 {
			d.Entities.Organizations = []schema.Entity{{Name: "Civil Protection", ID: "Q2", Salience: 0.9}}
		}
		return d
	}
	before, after := newState(t), newState(t)
	for i := range 2 {
		assign(t, before, FromDocument(quakeDoc(i)))
		assign(t, after, FromDocument(quakeDoc(i)))
	}
	want := before.TakeDirty()
	changed := after.TakeChanged()
	for i := 2; i < len(quake); i++ {
		assign(t, after, FromDocument(quakeDoc(i)))
	}
	var got []schema.Story
	for i := range changed {
		got = append(got, changed[i].Snapshot())
	}
	slices.SortFunc(got, func(a, b schema.Story) int { return cmp.Compare(a.ID, b.ID) })
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("snapshots of the copies taken before more members came:\n got %+v\nwant %+v", got, want)
	}
	if now := after.TakeDirty(); len(now) == 0 || now[0].ArticleCount != len(quake) || len(now[0].Organizations) != 1 {
		t.Errorf("after the copies, the state's snapshots = %+v; want one story of %d articles, with an organisation", now, len(quake))
	}
}
