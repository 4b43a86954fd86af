package webui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/webui"
	"github.com/newsflow/newsflow/pkg/schema"
)

// withStories serves the web UI over ix and a story index holding
// stories, as the stories stage's snapshots leave it.
func withStories(t *testing.T, ix *bleveindex.Index, stories ...*schema.Story) *httptest.Server {
	t.Helper()
	st, err := bleveindex.OpenStories(filepath.Join(t.TempDir(), "stories"), ix, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, s := range stories {
		s.SchemaVersion, s.Revision = schema.Version, 1
		if err := st.IndexStory(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	ui, err := webui.New(webui.Options{Index: ix, Stories: st, Log: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	t.Cleanup(func() { ui.Stop(); srv.Close() })
	return srv
}

// fixtureStories are the stories of fixtureDocs, and one merged into the
// talks.
func fixtureStories() []*schema.Story {
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	return []*schema.Story{
		{ID: "story-talks", Title: "Lavrov and Kuleba meet in Antalya", RepresentativeID: "kyiv-talks",
			FirstSeen: day(0), LastSeen: day(5), ArticleCount: 3, OutletCount: 3,
			Persons: []schema.Entity{person("Sergei Lavrov", "Q155070", 1.6), person("Dmytro Kuleba", "Q16707358", 0.4)},
			Places:  []schema.Place{place("Antalya", "Q40249", 36.9, 30.7)}},
		{ID: "story-bank", Title: "Central bank holds rates in Frankfurt", RepresentativeID: "bank",
			FirstSeen: day(3), LastSeen: day(3), ArticleCount: 1, OutletCount: 1,
			Organizations: []schema.Entity{person("European Central Bank", "Q8901", 0.7)}},
		{ID: "story-talks-twin", Title: "Kuleba and Lavrov in Turkey", FirstSeen: day(0), LastSeen: day(0),
			ArticleCount: 1, OutletCount: 1, MergedInto: "story-talks"},
	}
}

// listed are the story links of a story list, in order.
func listed(page string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<h2><a href="/stories/([^"]+)">`).FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestStoriesPage(t *testing.T) {
	srv := withStories(t, fixtureIndex(t), fixtureStories()...)
	res, page := get(t, srv, "/stories")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	// Biggest first; the merged twin is not listed.
	if got := strings.Join(listed(page), " "); got != "story-talks story-bank" {
		t.Errorf("listed %q, want the talks then the bank", got)
	}
	mustContain(t, page, "2 stories", "3 reports from 3 outlets", "1 report from 1 outlet",
		`<time datetime="2026-03-02T09:00:00Z">2 Mar 2026</time> to <time datetime="2026-03-07T09:00:00Z">7 Mar 2026</time>`,
		`href="/?person=Sergei&#43;Lavrov&amp;story=story-talks"`, // its top entities narrow to it
		`href="/?organization=European&#43;Central&#43;Bank&amp;story=story-bank"`,
		`<a href="/stories" aria-current="page">Stories</a>`)

	_, page = get(t, srv, "/stories?min_outlets=2&since=")
	if got := strings.Join(listed(page), " "); got != "story-talks" {
		t.Errorf("at least 2 outlets: listed %q", got)
	}
	mustContain(t, page, `name="min_outlets" type="number" min="0" value="2"`) // the form keeps the filter
	_, page = get(t, srv, "/stories?since=2026-03-06")
	if got := strings.Join(listed(page), " "); got != "story-talks" {
		t.Errorf("seen since 6 March: listed %q", got)
	}

	// A page of one links to the next.
	_, page = get(t, srv, "/stories?size=1")
	if got := strings.Join(listed(page), " "); got != "story-talks" {
		t.Errorf("first page of one: %q", got)
	}
	next := regexp.MustCompile(`<p class="more"><a href="([^"]+)">`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	_, page = get(t, srv, strings.ReplaceAll(next[1], "&amp;", "&"))
	if got := strings.Join(listed(page), " "); got != "story-bank" || strings.Contains(page, `class="more"`) {
		t.Errorf("second page of one: %q (a further page offered: %v)", got, strings.Contains(page, `class="more"`))
	}

	for _, bad := range []string{"/stories?since=soon", "/stories?min_outlets=-1", "/stories?colour=red"} {
		if res, _ := get(t, srv, bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, res.StatusCode)
		}
	}
}

func TestStoriesPageWithoutStoryIndex(t *testing.T) {
	_, srv := newServer(t, nil)
	res, page := get(t, srv, "/stories")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, page, "There is no story index here yet")
}

// The story page names a story as the stories stage does, puts the report
// it was named after first among those published at the same moment, and
// sends a merged story's readers to the story it was merged into.
func TestStoryPageReadsTheStoryIndex(t *testing.T) {
	at := t0.Add(time.Hour)
	docs := []*schema.Document{
		{ID: "a-wire", Title: "Floods close the Rhine", Source: schema.Source{Name: "Wire A"}, Body: "The Rhine closed to ships."},
		{ID: "b-daily", Title: "Rhine shut to shipping after floods", Source: schema.Source{Name: "Daily B"}, Body: "Ships stopped on the Rhine."},
	}
	for _, d := range docs {
		d.SchemaVersion, d.PublishedAt, d.IngestedAt, d.Language, d.StoryID = schema.Version, &at, at, "en", "story-rhine"
		d.WordCount = schema.CountWords(d.Body)
	}
	srv := withStories(t, indexOf(t, docs...),
		&schema.Story{ID: "story-rhine", Title: "Rhine shut to shipping after floods", RepresentativeID: "b-daily",
			FirstSeen: at, LastSeen: at, ArticleCount: 2, OutletCount: 2},
		&schema.Story{ID: "story-rhine-twin", FirstSeen: at, LastSeen: at, ArticleCount: 1, OutletCount: 1, MergedInto: "story-rhine"})

	res, page := get(t, srv, "/stories/story-rhine")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	mustContain(t, page, "<h1>Rhine shut to shipping after floods</h1>", "2 reports from 2 outlets")
	first, other := strings.Index(page, `/articles/b-daily"`), strings.Index(page, `/articles/a-wire"`)
	if first < 0 || other < first {
		t.Errorf("timeline: the representative at %d, the other report at %d; want the representative first", first, other)
	}
	if li := strings.Index(page, `<li class="first">`); li < 0 || li > first || strings.Count(page, `first report</span>`) != 1 {
		t.Error("the representative report is not the one marked first")
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(srv.URL + "/stories/story-rhine-twin")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/stories/story-rhine" {
		t.Errorf("merged story: status %d to %q, want 301 to /stories/story-rhine", res.StatusCode, res.Header.Get("Location"))
	}
}
