package schema

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Validate reports every way the raw article breaks the contract, joined
// into one error that wraps ErrInvalid (or ErrUnsupportedVersion).
func (a *RawArticle) Validate() error {
	if a.SchemaVersion != Version && a.SchemaVersion != 0 {
		return fmt.Errorf("%w: %d (this build understands %d)", ErrUnsupportedVersion, a.SchemaVersion, Version)
	}
	var problems []string
	if strings.TrimSpace(a.Title) == "" && strings.TrimSpace(a.Text) == "" && strings.TrimSpace(a.HTML) == "" {
		problems = append(problems, "title, text or html is required and all three are empty")
	}
	if a.URL != "" {
		if err := checkURL(a.URL); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if a.PublishedAt != "" {
		if _, err := ParseTime(a.PublishedAt); err != nil {
			problems = append(problems, "published_at: "+err.Error())
		}
	}
	if a.Language != "" && !isLanguageCode(a.Language) {
		problems = append(problems, fmt.Sprintf("language %q: want a two-letter ISO 639-1 code such as \"en\"", a.Language))
	}
	return joinProblems(problems)
}

// Validate reports every way the document breaks the contract.
func (d *Document) Validate() error {
	if d.SchemaVersion != Version {
		return fmt.Errorf("%w: %d (this build understands %d)", ErrUnsupportedVersion, d.SchemaVersion, Version)
	}
	var problems []string
	if d.ID == "" {
		problems = append(problems, "id is required")
	}
	for _, f := range []struct{ name, id string }{{"id", d.ID}, {"duplicate_of", d.DuplicateOf}, {"cluster_id", d.ClusterID}} {
		if len(f.id) > MaxIDBytes {
			problems = append(problems, fmt.Sprintf("%s is %d bytes, longer than %d", f.name, len(f.id), MaxIDBytes))
		}
	}
	if strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Body) == "" {
		problems = append(problems, "title and body are both empty (a headline without a body is valid, an article with neither is not)")
	}
	if d.URL != "" {
		if err := checkURL(d.URL); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if d.IngestedAt.IsZero() {
		problems = append(problems, "ingested_at is required")
	}
	if d.Language != "" && !isLanguageCode(d.Language) {
		problems = append(problems, fmt.Sprintf("language %q: want a two-letter ISO 639-1 code", d.Language))
	}
	if d.DuplicateOf == d.ID && d.ID != "" {
		problems = append(problems, "duplicate_of names the document itself")
	}
	if s := d.Similarity; s != nil && (s.Containment < 0 || s.Containment > 1 || s.Jaccard < 0 || s.Jaccard > 1) {
		problems = append(problems, "similarity values must lie in [0, 1]")
	}
	for _, group := range [][]Entity{d.Entities.Persons, d.Entities.Organizations} {
		for _, e := range group {
			problems = append(problems, checkEntity(e)...)
		}
	}
	for _, p := range d.Entities.Places {
		problems = append(problems, checkEntity(p.Entity)...)
		if l := p.Location; l != nil && (l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180) {
			problems = append(problems, fmt.Sprintf("place %q: location %v,%v is off the globe", p.Name, l.Lat, l.Lon))
		}
	}
	return joinProblems(problems)
}

func checkEntity(e Entity) []string {
	var problems []string
	if e.Name == "" || e.ID == "" {
		problems = append(problems, fmt.Sprintf("entity %q/%q: name and id are required", e.Name, e.ID))
	}
	if e.Salience < 0 || e.Salience > 1 {
		problems = append(problems, fmt.Sprintf("entity %q: salience %v is outside [0, 1]", e.Name, e.Salience))
	}
	return problems
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %v", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: want an absolute http or https URL", raw)
	}
	return nil
}

func isLanguageCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

func joinProblems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
}

// IsPermanent reports whether err is a decoding or validation failure,
// which no retry can fix.
func IsPermanent(err error) bool {
	for _, target := range []error{ErrTooLarge, ErrNotUTF8, ErrInvalidJSON, ErrUnsupportedVersion, ErrInvalid} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Validate reports every way the story snapshot breaks the contract.
func (s *Story) Validate() error {
	if s.SchemaVersion != Version {
		return fmt.Errorf("%w: %d (this build understands %d)", ErrUnsupportedVersion, s.SchemaVersion, Version)
	}
	var problems []string
	if s.ID == "" {
		problems = append(problems, "id is required")
	}
	if s.MergedInto == s.ID && s.ID != "" {
		problems = append(problems, "merged_into names the story itself")
	}
	if s.Revision == 0 {
		problems = append(problems, "revision is required (it orders snapshots)")
	}
	if s.FirstSeen.IsZero() || s.LastSeen.Before(s.FirstSeen) {
		problems = append(problems, "first_seen is required and last_seen may not precede it")
	}
	if s.ArticleCount < 1 || s.OutletCount < 0 || s.OutletCount > s.ArticleCount {
		problems = append(problems, fmt.Sprintf("article_count %d must be >= 1 and outlet_count %d within [0, article_count]", s.ArticleCount, s.OutletCount))
	}
	for _, group := range [][]Entity{s.Persons, s.Organizations} {
		for _, e := range group {
			problems = append(problems, checkEntity(e)...)
		}
	}
	for _, p := range s.Places {
		problems = append(problems, checkEntity(p.Entity)...)
		if l := p.Location; l != nil && (l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180) {
			problems = append(problems, fmt.Sprintf("place %q: location %v,%v is off the globe", p.Name, l.Lat, l.Lon))
		}
	}
	return joinProblems(problems)
}
