package search

import (
	"time"
)

// Histogram counts the matches of a search over time, in buckets of one
// Interval from the first match to the last (widened to Since and Until
// when the request sets them), empty buckets included.
type Histogram struct {
	// Interval is "day", "week" (from Monday), "month" or "year": the
	// finest that keeps the buckets at most about 60 (120 months); ""
	// when nothing matched.
	Interval string   `json:"interval"`
	Buckets  []Bucket `json:"buckets"`
}

// Bucket is [Start, End) and how many matches fall in it.
type Bucket struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

// histogram buckets the per-day counts of the matches (days are
// YYYY-MM-DD, UTC).
func histogram(days map[string]int, since, until time.Time) Histogram {
	h := Histogram{Buckets: []Bucket{}}
	var first, last time.Time
	counts := make(map[time.Time]int, len(days))
	for s, n := range days {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			continue
		}
		counts[d] += n
		if first.IsZero() || d.Before(first) {
			first = d
		}
		if last.IsZero() || d.After(last) {
			last = d
		}
	}
	if len(counts) == 0 {
		return h
	}
	if !since.IsZero() && since.Before(first) {
		first = since.UTC().Truncate(24 * time.Hour)
	}
	if !until.IsZero() && until.Add(-time.Nanosecond).After(last) {
		last = until.Add(-time.Nanosecond).UTC().Truncate(24 * time.Hour)
	}
	span := last.Sub(first).Hours() / 24
	switch {
	case span <= 62:
		h.Interval = "day"
	case span <= 366:
		h.Interval = "week"
	case span <= 3660:
		h.Interval = "month"
	default:
		h.Interval = "year"
	}
	for start := bucketStart(first, h.Interval); !start.After(last); {
		end := nextBucket(start, h.Interval)
		h.Buckets = append(h.Buckets, Bucket{Start: start, End: end})
		start = end
	}
	for d, n := range counts {
		for i := range h.Buckets {
			if !d.Before(h.Buckets[i].Start) && d.Before(h.Buckets[i].End) {
				h.Buckets[i].Count += n
				break
			}
		}
	}
	return h
}

func bucketStart(d time.Time, interval string) time.Time {
	switch interval {
	case "week":
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case "month":
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "year":
		return time.Date(d.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return d
}

func nextBucket(d time.Time, interval string) time.Time {
	switch interval {
	case "week":
		return d.AddDate(0, 0, 7)
	case "month":
		return d.AddDate(0, 1, 0)
	case "year":
		return d.AddDate(1, 0, 0)
	}
	return d.AddDate(0, 0, 1)
}
