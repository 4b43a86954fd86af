package schema

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ErrUnknownTimeFormat means a date string matched none of the layouts
// ParseTime knows.
var ErrUnknownTimeFormat = errors.New("unrecognised date format")

// timeLayouts are the date formats seen from scrapers, most specific first.
// Numeric day/month orders are ambiguous; ISO order is the only purely
// numeric form accepted, so 03/04/2022 is rejected rather than guessed.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02",
	"20060102",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04 -0700",
	time.RFC850,
	time.ANSIC,
	time.UnixDate,
	"January 2, 2006 15:04",
	"January 2, 2006 3:04 PM",
	"January 2, 2006",
	"Jan 2, 2006",
	"Jan. 2, 2006",
	"2 January 2006 15:04",
	"2 January 2006",
	"2 Jan 2006",
	"02 Jan 2006 15:04:05",
	"Monday, January 2, 2006",
	"Monday, 2 January 2006",
	"Monday 2 January 2006",
}

var ordinalSuffix = regexp.MustCompile(`(\d)(st|nd|rd|th)\b`)

// ParseTime reads a publication date in any common format and returns it
// in UTC. Dates without a zone are taken as UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: empty", ErrUnknownTimeFormat)
	}
	cleaned := ordinalSuffix.ReplaceAllString(s, "$1")
	cleaned = strings.Join(strings.Fields(cleaned), " ")
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, cleaned); err == nil {
			return sanityCheck(s, t.UTC())
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q (use RFC 3339, e.g. 2022-03-10T09:30:00Z)", ErrUnknownTimeFormat, s)
}

func sanityCheck(s string, t time.Time) (time.Time, error) {
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("%w: %q is outside years 1900-2200", ErrUnknownTimeFormat, s)
	}
	return t, nil
}
