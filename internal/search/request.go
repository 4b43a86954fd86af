package search

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sort orders the hits.
type Sort string

// The orders of Request.Sort. The zero value is SortRelevance when the
// query has words or phrases, and SortNewest when it has none (a
// filter-only search).
const (
	SortRelevance Sort = "relevance"
	SortNewest    Sort = "newest"
	SortOldest    Sort = "oldest"
)

// Request is one search. The zero value lists the newest articles, one
// per syndication cluster.
type Request struct {
	// Query is what a person types in a search box: every word is
	// required; "a quoted phrase" must occur as typed; -word and
	// -"a phrase" exclude; a OR b requires either.
	Query string
	// Source filters by source name or domain, case-insensitively.
	Source string
	// Person, Organization and Place filter by entity id, or by a name
	// (case-insensitive; a whole-word run of a longer name matches:
	// "Putin" matches "Vladimir Putin").
	Person, Organization, Place string
	// Language filters by ISO 639-1 code ("en").
	Language string
	// Story filters by story id.
	Story string
	// Since and Until bound the article's time (published, else
	// ingested): Since <= time < Until. A zero value is no bound.
	Since, Until time.Time
	// Sort is relevance, newest or oldest; see Sort for the default.
	Sort Sort
	// IncludeDuplicates shows every syndicated copy instead of one hit
	// per cluster, and counts every document in Total, facets and the
	// histogram.
	IncludeDuplicates bool
	// Size is how many hits to return: DefaultSize when 0, at most MaxSize.
	Size int
	// From skips that many hits (clusters when collapsed), for paging:
	// at most MaxFrom.
	From int
	// Points, when above 0, asks for Response.Points: that many of the
	// most mentioned place positions, for a map. It is not a URL
	// parameter.
	Points int
}

// MaxFrom bounds Request.From.
const MaxFrom = 1000

// Values encodes r as URL query parameters, the inverse of ParseValues
// (times as RFC 3339); empty fields are left out.
func (r Request) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", r.Query)
	set("source", r.Source)
	set("person", r.Person)
	set("organization", r.Organization)
	set("place", r.Place)
	set("language", r.Language)
	set("story", r.Story)
	if !r.Since.IsZero() {
		v.Set("since", r.Since.UTC().Format(time.RFC3339))
	}
	if !r.Until.IsZero() {
		v.Set("until", r.Until.UTC().Format(time.RFC3339))
	}
	set("sort", string(r.Sort))
	if r.IncludeDuplicates {
		v.Set("include_duplicates", "true")
	}
	if r.Size != 0 {
		v.Set("size", strconv.Itoa(r.Size))
	}
	if r.From != 0 {
		v.Set("from", strconv.Itoa(r.From))
	}
	return v
}

// Parameters lists the URL query parameters ParseValues reads.
var Parameters = []string{"q", "source", "person", "organization", "place", "language", "story",
	"since", "until", "sort", "include_duplicates", "size", "from"}

// ParseValues reads a Request from URL query parameters (see Parameters):
// since and until take what ParseTime does, relative to now. An unknown
// parameter or a bad value is an ErrBadRequest saying what to write.
func ParseValues(v url.Values, now time.Time) (Request, error) {
	for k := range v {
		if !contains(Parameters, k) {
			return Request{}, fmt.Errorf("%w: unknown parameter %q: want one of %s", ErrBadRequest, k, strings.Join(Parameters, ", "))
		}
	}
	req := Request{
		Query:        v.Get("q"),
		Source:       v.Get("source"),
		Person:       v.Get("person"),
		Organization: v.Get("organization"),
		Place:        v.Get("place"),
		Language:     v.Get("language"),
		Story:        v.Get("story"),
	}
	var err error
	if s := v.Get("since"); s != "" {
		if req.Since, err = ParseTime(s, now, false); err != nil {
			return req, fmt.Errorf("%w: since=%q: %v", ErrBadRequest, s, err)
		}
	}
	if s := v.Get("until"); s != "" {
		if req.Until, err = ParseTime(s, now, true); err != nil {
			return req, fmt.Errorf("%w: until=%q: %v", ErrBadRequest, s, err)
		}
	}
	if req.Sort, err = ParseSort(v.Get("sort")); err != nil {
		return req, fmt.Errorf("%w: sort: %v", ErrBadRequest, err)
	}
	if s := v.Get("include_duplicates"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return req, fmt.Errorf("%w: include_duplicates=%q: want true or false", ErrBadRequest, s)
		}
		req.IncludeDuplicates = b
	}
	if s := v.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxSize {
			return req, fmt.Errorf("%w: size=%q: want 1 to %d", ErrBadRequest, s, MaxSize)
		}
		req.Size = n
	}
	if s := v.Get("from"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxFrom {
			return req, fmt.Errorf("%w: from=%q: want 0 to %d", ErrBadRequest, s, MaxFrom)
		}
		req.From = n
	}
	return req, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// ParseSort reads relevance, newest or oldest; empty is the default.
func ParseSort(s string) (Sort, error) {
	switch Sort(strings.ToLower(strings.TrimSpace(s))) {
	case "":
		return "", nil
	case SortRelevance:
		return SortRelevance, nil
	case SortNewest:
		return SortNewest, nil
	case SortOldest:
		return SortOldest, nil
	}
	return "", fmt.Errorf("%q: want relevance, newest or oldest", s)
}

// ParseTime reads a time bound as a person writes it: a date
// (2005-03-01), a date and time (2005-03-01T14:00, 2005-03-01 14:00, with
// or without seconds and zone; UTC when none), or an age before now: a
// number and a unit, m (minutes), h, d, w or y (365 days), as in 30m,
// 12h, 7d. A date without a time is the start of that day (UTC); as an
// upper bound (end true) it is the start of the next day, so
// until=2005-03-01 includes that day.
func ParseTime(s string, now time.Time, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if d, ok := parseAge(s); ok {
		return now.Add(-d).UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("want a date (2005-03-01), a time (2005-03-01T14:00 or RFC 3339) or an age such as 30m, 12h, 7d, 2w, 1y")
}

func parseAge(s string) (time.Duration, bool) {
	if len(s) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 || n > 1000*365 {
		return 0, false
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}
