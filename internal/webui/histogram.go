package webui

import (
	"net/url"
	"time"
)

// histogram geometry, in the SVG's user units (CSS stretches the width).
const (
	histWidth  = 1000
	histHeight = 100
)

type histogramView struct {
	Width, Height int
	// Interval is day, week, month or year.
	Interval    string
	First, Last string
	Max         int
	Bars        []barView
}

type barView struct {
	X, Y, W, H float64
	Count      int
	// Label names the bucket; URL narrows the search to it. Since and
	// Until are its first and last day (YYYY-MM-DD), for the script that
	// narrows to a dragged range.
	Label, URL, Since, Until string
}

// bucket is [Start, End) of the search's histogram and its count.
type bucket struct {
	Start, End time.Time
	Count      int
}

// histogramOf lays out the buckets as bars, each a link that narrows the
// search in q to its dates; nil when there are none.
func histogramOf(buckets []bucket, interval string, q url.Values) *histogramView {
	if len(buckets) == 0 {
		return nil
	}
	h := &histogramView{Width: histWidth, Height: histHeight, Interval: interval}
	for _, b := range buckets {
		h.Max = max(h.Max, b.Count)
	}
	// Bars share the width, but a few buckets do not become blocks.
	w := min(float64(histWidth)/float64(len(buckets)), histWidth/12)
	gap := min(2, w/4)
	for i, b := range buckets {
		since := b.Start.UTC().Format(time.DateOnly)
		until := b.End.UTC().AddDate(0, 0, -1).Format(time.DateOnly) // until=DAY includes DAY
		bar := barView{X: float64(i)*w + gap/2, W: w - gap, Count: b.Count, Since: since, Until: until}
		if h.Max > 0 {
			bar.H = float64(histHeight) * float64(b.Count) / float64(h.Max)
			if b.Count > 0 {
				bar.H = max(bar.H, 1.5) // a bucket with anything shows
			}
		}
		bar.Y = histHeight - bar.H
		bar.Label = bucketLabel(b.Start, interval)
		narrowed, _ := url.ParseQuery(with(q, "since", since))
		bar.URL = "/?" + with(narrowed, "until", until)
		h.Bars = append(h.Bars, bar)
	}
	h.First = bucketLabel(buckets[0].Start, interval)
	h.Last = bucketLabel(buckets[len(buckets)-1].Start, interval)
	return h
}

func bucketLabel(t time.Time, interval string) string {
	switch interval {
	case "year":
		return t.UTC().Format("2006")
	case "month":
		return t.UTC().Format("Jan 2006")
	case "week":
		return "week of " + t.UTC().Format("2 Jan 2006")
	}
	return t.UTC().Format("2 Jan 2006")
}
