package cluster

import (
	"cmp"
	"encoding/binary"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// TermCount is a term (its TermHash) and how often it occurs.
type TermCount struct {
	Term  uint64
	Count uint32
}

// EntityRef is one canonical entity of an article as the story needs it:
// its key for similarity, and what the story document shows.
type EntityRef struct {
	ID       string  `json:"id"`
	Name     string  `json:"n"`
	Kind     byte    `json:"k"` // 'p' person, 'o' organisation, 'l' place
	Salience float64 `json:"s"`
	// Mentions is how many times the article names it.
	Mentions int     `json:"m,omitempty"`
	Lat      float64 `json:"lat,omitempty"`
	Lon      float64 `json:"lon,omitempty"`
	HasPoint bool    `json:"pt,omitempty"`
	Country  string  `json:"c,omitempty"`
}

// Article is what the stories stage knows of one document: the same on
// every replica, since it travels in the log.
type Article struct {
	ID     string `json:"id"`
	Source string `json:"src,omitempty"`
	Lang   string `json:"lang,omitempty"`
	Title  string `json:"title,omitempty"`
	// Time is the published time, else the ingest time, in Unix ms.
	Time int64 `json:"t"`
	// Undated means Time is the ingest time: the document had no usable
	// published time, so Time says when it was fetched, not when it was
	// written.
	Undated bool `json:"nd,omitempty"`
	// URLDay is, for an undated article, the day its URL states
	// (.../2014/07/21/..., .../2012/nov/01/..., .../2014-03-16/...) as
	// the Unix ms of that day's 00:00 UTC; 0 when the article has a
	// published time or its URL states no day. It dates the article for
	// the time term (Model), not for the stream's clock.
	URLDay int64 `json:"ud,omitempty"`
	// CopyOf is the canonical's id when the article is a syndicated copy.
	CopyOf string      `json:"copy_of,omitempty"`
	Titles []TermCount `json:"-"`
	Bodies []TermCount `json:"-"`
	// Numbers are the numbers the title and body state (NumberHash),
	// with how often, at most maxNumbers of them.
	Numbers []TermCount `json:"-"`
	// Weekdays are the weekdays the title and body name (Weekdays: bit
	// 0 Sunday to bit 6 Saturday); an older replica's events have none.
	Weekdays uint8       `json:"wd,omitempty"`
	Entities []EntityRef `json:"ents,omitempty"`
}

// FromDocument extracts an Article from an enriched document: stemmed
// title and body terms in the document's language, entity ids with their
// salience, the outlet and the time. It never fails: a document without
// text or entities yields an Article that opens its own story.
func FromDocument(doc *schema.Document) *Article {
	a := &Article{
		ID:     doc.ID,
		Source: sourceOf(doc),
		Lang:   doc.Language,
		Title:  doc.Title,
		CopyOf: doc.DuplicateOf,
	}
	t, published := articleTime(doc)
	a.Time, a.Undated = t.UnixMilli(), !published
	if !published {
		if day, ok := URLDay(doc.URL); ok {
			a.URLDay = day.UnixMilli()
		}
	}
	a.Titles = countTerms(Terms(doc.Title, doc.Language))
	body := doc.Body
	if doc.Cleaning.TitleFromBody {
		// the title is the body's first line: do not count it twice
		if k := strings.IndexByte(body, '\n'); k >= 0 {
			body = body[k+1:]
		} else {
			body = ""
		}
	}
	a.Bodies = countTerms(Terms(body, doc.Language))
	a.Numbers = countNumbers(Numbers(doc.Title), Numbers(body))
	a.Weekdays = Weekdays(doc.Title) | Weekdays(body)
	add := func(kind byte, e schema.Entity) EntityRef {
		return EntityRef{ID: e.ID, Name: e.Name, Kind: kind, Salience: e.Salience, Mentions: e.Mentions}
	}
	for _, e := range doc.Entities.Persons {
		a.Entities = append(a.Entities, add('p', e))
	}
	for _, e := range doc.Entities.Organizations {
		a.Entities = append(a.Entities, add('o', e))
	}
	for _, p := range doc.Entities.Places {
		r := add('l', p.Entity)
		if p.Location != nil {
			r.Lat, r.Lon, r.HasPoint = p.Location.Lat, p.Location.Lon, true
		}
		r.Country = p.Country
		a.Entities = append(a.Entities, r)
	}
	return a
}

// sourceOf names an article's outlet: its domain, else its source name.
func sourceOf(doc *schema.Document) string {
	if doc.Source.Domain != "" {
		return doc.Source.Domain
	}
	return doc.Source.Name
}

// futureSlack is how far past its ingest time a published time may be
// before it is taken for a mistake (a time zone error, a typo'd year).
const futureSlack = 24 * time.Hour

// articleTime is the document's published time (published true), else
// its ingest time.
func articleTime(doc *schema.Document) (t time.Time, published bool) {
	if p := doc.PublishedAt; p != nil && !p.IsZero() && (doc.IngestedAt.IsZero() || !p.After(doc.IngestedAt.Add(futureSlack))) {
		return *p, true
	}
	return doc.IngestedAt, false
}

// urlDayPattern is a day in a URL's path: year, month (a number or the
// month's name) and day, each between separators: /2014/07/21/,
// /2012/nov/01/, /2014-03-16/, _2012-09-21_.
var urlDayPattern = regexp.MustCompile(`(?:^|[/_.-])((?:19|20)\d\d)[/-](0?[1-9]|1[0-2]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[/-](0?[1-9]|[12]\d|3[01])(?:$|[/_.-])`)

var monthNames = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April, "may": time.May, "jun": time.June,
	"jul": time.July, "aug": time.August, "sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

// URLDay is the day an article's URL states in its path (the first
// year/month/day in it, 00:00 UTC), as many outlets write it. It is not
// a day when the URL is not absolute or the date is not a calendar date.
// (It is not checked against the fetch time: the URL was written when
// the article was, and a replayed archive is fetched years later.)
func URLDay(rawURL string) (time.Time, bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return time.Time{}, false
	}
	m := urlDayPattern.FindStringSubmatch(strings.ToLower(u.EscapedPath()))
	if m == nil {
		return time.Time{}, false
	}
	year, _ := strconv.Atoi(m[1])
	month, ok := monthNames[m[2]]
	if !ok {
		n, _ := strconv.Atoi(m[2])
		month = time.Month(n)
	}
	day, _ := strconv.Atoi(m[3])
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31 June
	}
	return t, true
}

func countTerms(terms []string) []TermCount {
	if len(terms) == 0 {
		return nil
	}
	hs := make([]uint64, len(terms))
	for i, t := range terms {
		hs[i] = TermHash(t)
	}
	slices.Sort(hs)
	var out []TermCount
	for _, h := range hs {
		if n := len(out); n > 0 && out[n-1].Term == h {
			out[n-1].Count++
			continue
		}
		out = append(out, TermCount{Term: h, Count: 1})
	}
	return out
}

// countNumbers counts the numbers of a title and a body, keeping the
// first maxNumbers distinct ones (the title's first).
func countNumbers(title, body []string) []TermCount {
	counts := map[uint64]uint32{}
	for _, n := range slices.Concat(title, body) {
		h := NumberHash(n)
		if _, ok := counts[h]; ok || len(counts) < maxNumbers {
			counts[h]++
		}
	}
	if len(counts) == 0 {
		return nil
	}
	out := make([]TermCount, 0, len(counts))
	for h, c := range counts {
		out = append(out, TermCount{Term: h, Count: c})
	}
	slices.SortFunc(out, func(a, b TermCount) int { return cmp.Compare(a.Term, b.Term) })
	return out
}

// errTerms means a packed term list is malformed.
var errTerms = errors.New("malformed term list")

// packTerms encodes term counts for the log: per term, its hash (8 bytes,
// little endian) and its count (uvarint).
func packTerms(tcs []TermCount) []byte {
	out := make([]byte, 0, len(tcs)*9)
	for _, tc := range tcs {
		out = binary.LittleEndian.AppendUint64(out, tc.Term)
		out = binary.AppendUvarint(out, uint64(tc.Count))
	}
	return out
}

func unpackTerms(b []byte) ([]TermCount, error) {
	var out []TermCount
	for len(b) > 0 {
		if len(b) < 9 {
			return nil, errTerms
		}
		h := binary.LittleEndian.Uint64(b)
		n, k := binary.Uvarint(b[8:])
		if k <= 0 || n == 0 || n > 1<<20 {
			return nil, errTerms
		}
		out = append(out, TermCount{Term: h, Count: uint32(n)})
		b = b[8+k:]
	}
	return out, nil
}
