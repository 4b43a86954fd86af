package search_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// TestEveryWordRequired: the old search OR'ed the words, so "volcano
// election" found both stories.
func TestEveryWordRequired(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	tests := []struct {
		q    string
		want []string // sorted, with duplicates
	}{
		{"volcano", []string{"b1", "v1", "v2", "v3"}},
		{"volcano election", []string{}},
		{"volcano airport", []string{"b1"}},
		{"the volcano of", []string{"b1", "v1", "v2", "v3"}}, // stop words require nothing
		{"volcano OR election", []string{"b1", "e1", "e2", "v1", "v2", "v3"}},
		{"smith OR volcano -airport", []string{"e1", "e2", "v1", "v2", "v3"}},
		{`"mayoral election" OR budget`, []string{"e1", "e2"}},
		{`volcano -"ash from the volcano"`, []string{"v1", "v2", "v3"}},
		{"-volcano", []string{"e1", "e2"}},
	}
	for _, tt := range tests {
		resp := run(t, ix, search.Request{Query: tt.q, IncludeDuplicates: true})
		got := ids(resp)
		sort.Strings(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: hits = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestMoreFilters(t *testing.T) {
	docs := corpus()
	docs[4].Language = "fr"
	docs[0].StoryID, docs[1].StoryID, docs[2].StoryID, docs[3].StoryID = "s1", "s1", "s1", "s1"
	ix, _ := indexCorpus(t, docs)
	tests := []struct {
		name string
		req  search.Request
		want []string // sorted
	}{
		{"organisation name", search.Request{Organization: "finance ministry"}, []string{"e2"}},
		{"organisation id", search.Request{Organization: "local:org:finance-ministry"}, []string{"e2"}},
		{"language", search.Request{Language: "FR"}, []string{"e1"}},
		{"story", search.Request{Story: "s1"}, []string{"b1", "v1", "v2", "v3"}},
		{"since", search.Request{Since: t0.Add(time.Hour)}, []string{"b1", "v2", "v3"}},
		{"until is exclusive", search.Request{Until: t0}, []string{"e1", "e2"}},
		{"since and until", search.Request{Since: t0.Add(-25 * time.Hour), Until: t0.Add(90 * time.Minute)}, []string{"e1", "v1", "v2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.IncludeDuplicates = true
			got := ids(run(t, ix, req))
			sort.Strings(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := search.Run(context.Background(), ix, search.Request{Since: t0, Until: t0}); !errors.Is(err, search.ErrBadRequest) {
		t.Errorf("since == until: err = %v, want ErrBadRequest", err)
	}
}

func TestSortAndPaging(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	all := []string{"b1", "v3", "v2", "v1", "e1", "e2"}
	if got := ids(run(t, ix, search.Request{IncludeDuplicates: true, Sort: search.SortNewest})); !slices.Equal(got, all) {
		t.Errorf("newest = %v, want %v", got, all)
	}
	rev := slices.Clone(all)
	slices.Reverse(rev)
	if got := ids(run(t, ix, search.Request{IncludeDuplicates: true, Sort: search.SortOldest})); !slices.Equal(got, rev) {
		t.Errorf("oldest = %v, want %v", got, rev)
	}
	// A query sorted by date still requires its words.
	if got, want := ids(run(t, ix, search.Request{Query: "volcano", Sort: search.SortOldest})), []string{"v1", "b1"}; !slices.Equal(got, want) {
		t.Errorf("volcano oldest = %v, want %v", got, want)
	}
	page2 := run(t, ix, search.Request{Size: 2, From: 2})
	if got, want := ids(page2), []string{"e1", "e2"}; !slices.Equal(got, want) || page2.Total != 4 {
		t.Errorf("page 2 = %v of %d, want %v of 4", got, page2.Total, want)
	}
}

// TestRepresentativeIsTheCleanOriginal: the old search showed the
// best-scoring member, here the shouting copy (its title repeats the
// query word) or the excerpt (short, so BM25 ranks it first).
func TestRepresentativeIsTheCleanOriginal(t *testing.T) {
	docs := corpus()
	v1 := docs[0]
	v1.Body = volcanoBody + "\n\n" + strings.Repeat("Scientists flew over the crater to measure the gas. ", 10)
	v1.WordCount = schema.CountWords(v1.Body)
	shout := syndicate(v1, "shout", echo, -time.Hour) // earlier, but repaired
	shout.Title = "VOLCANO ERUPTS: VOLCANO NEAR REYKJAVIK"
	shout.Cleaning.LostLetters = 2
	excerpt := syndicate(v1, "excerpt", metro, -2*time.Hour) // earliest, but an excerpt
	excerpt.Body = volcanoBody
	excerpt.WordCount = schema.CountWords(excerpt.Body)
	ix, _ := indexCorpus(t, []*schema.Document{v1, shout, excerpt, docs[3]})
	for _, q := range []string{"volcano", "volcano eruption", ""} {
		resp := run(t, ix, search.Request{Query: q})
		if len(resp.Hits) == 0 || resp.Hits[0].ID != "v1" && resp.Hits[len(resp.Hits)-1].ID != "v1" {
			t.Errorf("%q: hits %v, want the cluster shown as v1", q, ids(resp))
		}
		for _, h := range resp.Hits {
			if h.ID == "v1" && (h.Copies != 2 || !slices.Equal(h.Outlets, []string{"Daily Echo", "Metro Post"})) {
				t.Errorf("%q: v1 copies %d outlets %v, want 2 [Daily Echo Metro Post]", q, h.Copies, h.Outlets)
			}
		}
	}
}

// TestFacetsCountClusters: the old facets counted every copy, so one
// syndicated story was three mentions of Reykjavik.
func TestFacetsCountClusters(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	resp := run(t, ix, search.Request{Query: "volcano"})
	want := []search.Facet{{"Iceland", 2}, {"London", 1}, {"Reykjavik", 1}}
	if got := resp.Facets[search.FacetPlaces]; !reflect.DeepEqual(got, want) {
		t.Errorf("places = %v, want %v", got, want)
	}
	// Copies whose original does not match count: the source filter
	// keeps v2 alone of its cluster.
	resp = run(t, ix, search.Request{Source: "Daily Echo"})
	if resp.Total != 2 || !reflect.DeepEqual(resp.Facets[search.FacetSources], []search.Facet{{"Daily Echo", 2}}) {
		t.Errorf("Daily Echo: total %d sources %v, want 2 [Daily Echo 2]", resp.Total, resp.Facets[search.FacetSources])
	}
	if got, want := ids(resp), []string{"b1", "v2"}; !slices.Equal(got, want) {
		t.Errorf("Daily Echo hits = %v, want %v", got, want)
	}
}

// TestOrphansOfAnUnmarkedCanonical: v1 was indexed before dedupe saw a
// copy, so it has no cluster_id while its copies name it. Where v1
// matches its copies do not count; where it does not, they do.
func TestOrphansOfAnUnmarkedCanonical(t *testing.T) {
	docs := corpus()
	docs[0].ClusterID = ""
	ix, _ := indexCorpus(t, docs)
	resp := run(t, ix, search.Request{Query: "volcano"})
	want := []search.Facet{{"Iceland", 2}, {"London", 1}, {"Reykjavik", 1}}
	if got := resp.Facets[search.FacetPlaces]; resp.Total != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("volcano: total %d places %v, want 2 %v", resp.Total, got, want)
	}
	resp = run(t, ix, search.Request{Source: "Daily Echo"})
	if got := resp.Facets[search.FacetSources]; resp.Total != 2 || !reflect.DeepEqual(got, []search.Facet{{"Daily Echo", 2}}) {
		t.Errorf("Daily Echo: total %d sources %v, want 2 [Daily Echo 2]", resp.Total, got)
	}
	if got, want := resp.Histogram.Buckets, 1; len(got) != want || got[0].Count != 2 {
		t.Errorf("Daily Echo: histogram %+v, want one day counting 2", got)
	}
}

func TestHistogram(t *testing.T) {
	ix, _ := indexCorpus(t, corpus())
	resp := run(t, ix, search.Request{})
	h := resp.Histogram
	day := func(d int) time.Time { return time.Date(2026, 2, 27+d, 0, 0, 0, 0, time.UTC) }
	want := search.Histogram{Interval: "day", Buckets: []search.Bucket{
		{day(0), day(1), 1}, {day(1), day(2), 1}, {day(2), day(3), 2},
	}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("histogram = %+v, want %+v", h, want)
	}
	resp = run(t, ix, search.Request{IncludeDuplicates: true, Since: day(-3)})
	if h := resp.Histogram; len(h.Buckets) != 6 || h.Buckets[0].Start != day(-3) || h.Buckets[5].Count != 4 {
		t.Errorf("since 3 days earlier, with duplicates: %+v, want 6 days from %v, the last counting 4", h, day(-3))
	}
	if h := run(t, ix, search.Request{Query: "zeppelin"}).Histogram; h.Interval != "" || h.Buckets == nil || len(h.Buckets) != 0 {
		t.Errorf("no match: %+v, want no interval and an empty list", h)
	}
}

func TestDisplayTitle(t *testing.T) {
	tests := []struct {
		title, body, want string
		derived           bool
	}{
		{"Volcano erupts", "Body.", "Volcano erupts", false},
		{"  ", "Lava flowed across the peninsula. Residents moved.", "Lava flowed across the peninsula.", true},
		{"", "Mr. Smith met Dr. Jones at the U.S. embassy on Tuesday. Then he left.", "Mr. Smith met Dr. Jones at the U.S. embassy on Tuesday.", true},
		{"", "First paragraph without a stop\n\nSecond.", "First paragraph without a stop", true},
		{"", strings.Repeat("word ", 40), "word word word word word word word word word word word word word word word word…", true},
		{"", "", "", false},
	}
	for _, tt := range tests {
		got, derived := search.DisplayTitle(tt.title, tt.body)
		if got != tt.want || derived != tt.derived {
			t.Errorf("DisplayTitle(%q, %q) = %q, %v; want %q, %v", tt.title, tt.body, got, derived, tt.want, tt.derived)
		}
	}
	// In a hit, the stored title stays empty.
	d := mkdoc("n1", echo, "", "Lava flowed across the peninsula. Residents moved.", t0, nil, nil)
	ix, _ := indexCorpus(t, []*schema.Document{d})
	h := run(t, ix, search.Request{}).Hits[0]
	if h.Title != "" || h.DisplayTitle != "Lava flowed across the peninsula." || !h.TitleDerived {
		t.Errorf("hit title %q display %q derived %v", h.Title, h.DisplayTitle, h.TitleDerived)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"2005-03-01", false, time.Date(2005, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2005-03-01", true, time.Date(2005, 3, 2, 0, 0, 0, 0, time.UTC)},
		{"2005-03-01T14:30", false, time.Date(2005, 3, 1, 14, 30, 0, 0, time.UTC)},
		{"2005-03-01 14:30:05", false, time.Date(2005, 3, 1, 14, 30, 5, 0, time.UTC)},
		{"2005-03-01T14:30:00+02:00", false, time.Date(2005, 3, 1, 12, 30, 0, 0, time.UTC)},
		{"7d", false, now.Add(-7 * 24 * time.Hour)},
		{"12h", true, now.Add(-12 * time.Hour)},
		{"30m", false, now.Add(-30 * time.Minute)},
		{"2w", false, now.Add(-14 * 24 * time.Hour)},
		{"1y", false, now.Add(-365 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		got, err := search.ParseTime(tt.in, now, tt.end)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q, end %v) = %v, %v; want %v", tt.in, tt.end, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "7", "7x", "2005-13-01", "d"} {
		if _, err := search.ParseTime(bad, now, false); err == nil || !strings.Contains(err.Error(), "7d") && bad != "" {
			t.Errorf("ParseTime(%q): err = %v, want one that shows how to write it", bad, err)
		}
	}
}

func TestValuesRoundTrip(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	req := search.Request{Query: `"a b" -c`, Source: "s", Person: "p", Organization: "o", Place: "pl", Language: "en", Story: "st",
		Since: now.Add(-time.Hour), Until: now, Sort: search.SortOldest, IncludeDuplicates: true, Size: 20, From: 40}
	got, err := search.ParseValues(req.Values(), now)
	if err != nil || !reflect.DeepEqual(got, req) {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, req)
	}
	v := url.Values{"q": {"x"}, "sort": {"date"}}
	if _, err := search.ParseValues(v, now); !errors.Is(err, search.ErrBadRequest) || !strings.Contains(err.Error(), "relevance, newest or oldest") {
		t.Errorf("sort=date: err = %v", err)
	}
	v = url.Values{"q": {"x"}, "perosn": {"y"}}
	if _, err := search.ParseValues(v, now); !errors.Is(err, search.ErrBadRequest) || !strings.Contains(err.Error(), `"perosn"`) {
		t.Errorf("misspelt parameter: err = %v, want it named", err)
	}
	if r, err := search.ParseValues(url.Values{"since": {"7d"}, "until": {"2026-03-09"}}, now); err != nil ||
		!r.Since.Equal(now.Add(-7*24*time.Hour)) || !r.Until.Equal(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("since=7d until=2026-03-09: %+v, %v", r, err)
	}
}

// TestCountsAcrossSegments indexes one document per commit, so the index
// has several segments (scorch merges them later), and reads the same
// counts and order as from one: document numbers map to segments.
func TestCountsAcrossSegments(t *testing.T) {
	ix, _ := indexCorpus(t, corpus()[:0])
	for _, d := range corpus() {
		if err := ix.Index(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	resp := run(t, ix, search.Request{Query: "volcano"})
	want := []search.Facet{{"Iceland", 2}, {"London", 1}, {"Reykjavik", 1}}
	if got := resp.Facets[search.FacetPlaces]; resp.Total != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("volcano: total %d places %v, want 2 %v", resp.Total, got, want)
	}
	if got, want := ids(run(t, ix, search.Request{IncludeDuplicates: true, Sort: search.SortNewest})), []string{"b1", "v3", "v2", "v1", "e1", "e2"}; !slices.Equal(got, want) {
		t.Errorf("newest = %v, want %v", got, want)
	}
	if got := run(t, ix, search.Request{Source: "Daily Echo"}); got.Total != 2 {
		t.Errorf("Daily Echo: total %d, want 2 (b1 and the orphan copy v2)", got.Total)
	}
}
