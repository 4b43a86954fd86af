package cluster

import (
	"testing"
	"time"
)

func TestURLDayReadsTheDayAURLStates(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		url  string
		want time.Time // zero: no day
	}{
		{"https://www.theguardian.com/world/2014/jul/17/malaysia-airlines-plane-crash-east-ukraine", day(2014, time.July, 17)},
		{"http://www.huffingtonpost.com/2014/07/13/israel-gaza-evacuation-raid_n_5581540.html", day(2014, time.July, 13)},
		{"http://www.abc.net.au/news/2014-03-16/ricciardo-disqualified/5324408", day(2014, time.March, 16)},
		{"http://articles.example.com/2012-09-21/news/34007755_1_obama", day(2012, time.September, 21)},
		{"https://edition.cnn.com/2012/10/29/us/tropical-weather-sandy/index.html?hpt=hp_t1", day(2012, time.October, 29)},
		{"https://example.com/2011/3/2/a.html", day(2011, time.March, 2)},
		{"https://example.com/news/2014/june/30/story", day(2014, time.June, 30)},
		{"https://example.com/2014/06/31/story", time.Time{}},                        // no 31 June
		{"https://example.com/2014/13/01/story", time.Time{}},                        // no month 13
		{"https://example.com/world-middle-east-28399292", time.Time{}},              // a number, not a day
		{"https://example.com/article/us-israel-idUSBREA290FV20140310", time.Time{}}, // digits inside a word
		{"https://example.com/2014/07/", time.Time{}},                                // a month, not a day
		{"https://example.com/story?date=2014/07/21", time.Time{}},                   // the path only
		{"/2014/07/21/relative", time.Time{}},                                        // not absolute
		{"", time.Time{}},
	} {
		got, ok := URLDay(tc.url)
		if ok != !tc.want.IsZero() || ok && !got.Equal(tc.want) {
			t.Errorf("URLDay(%q) = %v, %v; want %v", tc.url, got, ok, tc.want)
		}
	}
}

// TestURLDaysKeepUndatedEventsOfOneKindApart: reports without a published
// time are dated by the day their URL states. Two air-strike reports in
// the same words, two years apart by their URLs, stay two stories (as
// undated pairs they would have no time evidence and join: Wikinews'
// Gaza 2012 and 2014 reports); a third report of the first day joins the
// first story. It fails when the time weight, which the URL days feed,
// is 0: the report of the same day no longer joins.
func TestURLDaysKeepUndatedEventsOfOneKindApart(t *testing.T) {
	s := newState(t)
	undated := func(id, url, source, title, body string) *Article {
		d := doc(id, source, title, body, t0)
		d.PublishedAt, d.URL = nil, url
		a := FromDocument(d)
		if !a.Undated || a.URLDay == 0 {
			t.Fatalf("%s: undated %v, URL day %d; want an undated article dated by its URL", id, a.Undated, a.URLDay)
		}
		return a
	}
	first := undated("a", "https://alpha.example/2012/11/16/gaza-strikes", "alpha.example",
		"Israeli air strikes hit Gaza City as rockets fall on Tel Aviv",
		"Israeli aircraft struck targets across Gaza City overnight, killing several people, the health ministry said, as Hamas fired rockets towards Tel Aviv. The army said it hit weapons stores and launch sites; residents described heavy explosions near the port.")
	later := undated("b", "https://beta.example/world/2014/jul/17/gaza-strikes", "beta.example",
		"Gaza City shaken by Israeli strikes overnight",
		"Explosions shook Gaza City as Israeli aircraft hit targets after dark. Families fled their homes near the port while sirens sounded in southern Israel and schools closed.")
	sameDay := undated("c", "https://gamma.example/2012-11-16/israel-gaza", "gamma.example",
		"Gaza City shaken by Israeli strikes overnight",
		"Explosions shook Gaza City as Israeli aircraft hit targets after dark. Families fled their homes near the port while sirens sounded in southern Israel and schools closed.")
	a := assign(t, s, first)
	st := s.stories[a]
	if f := s.articleFeatures(s.vectorize(later), later, st); f.undated != 0 || f.time > 0.01 {
		t.Errorf("reports 20 months apart by their URLs: undated %v, time %v; want 0 and about 0", f.undated, f.time)
	}
	if f := s.articleFeatures(s.vectorize(sameDay), sameDay, st); f.undated != 0 || f.time != 1 {
		t.Errorf("reports of one URL day: undated %v, time %v; want 0, 1", f.undated, f.time)
	}
	if b := assign(t, s, later); b == a {
		t.Errorf("the 2014 report joined the 2012 story %s", a)
	}
	s = newState(t) // the same first report, then the report of its day
	if a, c := assign(t, s, first), assign(t, s, sameDay); c != a {
		t.Errorf("the report of the same day opened %s, want the story %s", c, a)
	}
}
