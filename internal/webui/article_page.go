package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// errNotFound is a page whose subject does not exist: 404.
var errNotFound = errors.New("not found")

type articleData struct {
	Doc *schema.Document
	// Title is the document's, or derived from its text (TitleDerived).
	Title        string
	TitleDerived bool
	StoryURL     string
	Paragraphs   [][]textPart
	Entities     []entityRow
	Cleanup      []string
	Copies       []copyRow
	// Canonical is the original this article copies, when it is a copy.
	Canonical *copyRow
}

// textPart is a run of body text; a mention of an entity links to the
// search filtered by it.
type textPart struct {
	Text, URL, Kind string
}

type entityRow struct {
	Kind, Name, ID, WikidataURL, SearchURL string
	Mentions                               int
	Salience                               float64
	Filterable                             bool
}

type copyRow struct {
	ID, Title, Source string
	PublishedAt       *time.Time
	Current           bool
	Original          bool
}

var qid = regexp.MustCompile(`^Q[0-9]+$`)

func (s *Server) articlePage(r *http.Request) (view, error) {
	id := r.PathValue("id")
	doc, err := s.opts.Index.Document(r.Context(), id)
	if errors.Is(err, bleveindex.ErrNotFound) {
		return view{}, fmt.Errorf("%w: no article %q in the index", errNotFound, id)
	}
	if err != nil {
		return view{}, err
	}
	d := &articleData{Doc: doc, Cleanup: cleanupNotes(doc)}
	d.Entities = entityRows(doc)
	d.Paragraphs = highlight(doc.Body, d.Entities)
	copies, err := s.copies(r.Context(), doc)
	if err != nil {
		return view{}, err
	}
	for i := range copies {
		if copies[i].Original && !copies[i].Current {
			d.Canonical = &copies[i]
		}
	}
	if len(copies) > 1 {
		d.Copies = copies
	}
	d.Title, d.TitleDerived = search.DisplayTitle(doc.Title, doc.Body)
	if d.Title == "" {
		d.Title = "(untitled)"
	}
	if doc.StoryID != "" {
		d.StoryURL = storyURL(doc.StoryID)
	}
	return view{Page: "article", Title: d.Title, Data: d}, nil
}

func entityRows(doc *schema.Document) []entityRow {
	var out []entityRow
	add := func(kind, param string, e schema.Entity) {
		row := entityRow{Kind: kind, Name: e.Name, ID: e.ID, Mentions: e.Mentions, Salience: e.Salience}
		if qid.MatchString(e.ID) {
			row.WikidataURL = "https://www.wikidata.org/wiki/" + e.ID
		}
		if param != "" {
			row.Filterable = true
			row.SearchURL = "/?" + url.Values{param: {e.Name}}.Encode()
		}
		out = append(out, row)
	}
	for _, e := range doc.Entities.Persons {
		add("person", "person", e)
	}
	for _, e := range doc.Entities.Organizations {
		add("organisation", "organization", e)
	}
	for _, p := range doc.Entities.Places {
		add("place", "place", p.Entity)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Salience > out[j].Salience })
	return out
}

// highlight splits body into paragraphs and marks every whole-word mention
// of an entity's name; where names overlap the longer wins.
func highlight(body string, ents []entityRow) [][]textPart {
	type span struct {
		start, end int
		e          *entityRow
	}
	var out [][]textPart
	for _, para := range strings.Split(body, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		var spans []span
		for i := range ents {
			name := ents[i].Name
			if len(name) < 2 {
				continue
			}
			for off := 0; ; {
				j := strings.Index(para[off:], name)
				if j < 0 {
					break
				}
				start, end := off+j, off+j+len(name)
				if wordBoundary(para, start, end) {
					spans = append(spans, span{start, end, &ents[i]})
				}
				off = end
			}
		}
		sort.Slice(spans, func(i, j int) bool {
			if spans[i].start != spans[j].start {
				return spans[i].start < spans[j].start
			}
			return spans[i].end > spans[j].end
		})
		var parts []textPart
		pos := 0
		for _, sp := range spans {
			if sp.start < pos {
				continue // inside a longer mention
			}
			if sp.start > pos {
				parts = append(parts, textPart{Text: para[pos:sp.start]})
			}
			parts = append(parts, textPart{Text: para[sp.start:sp.end], URL: sp.e.SearchURL, Kind: sp.e.Kind})
			pos = sp.end
		}
		if pos < len(para) {
			parts = append(parts, textPart{Text: para[pos:]})
		}
		out = append(out, parts)
	}
	return out
}

func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// cleanupNotes says in words what ingest did to the text.
func cleanupNotes(doc *schema.Document) []string {
	c := doc.Cleaning
	var out []string
	count := func(n int, one, many string) {
		switch {
		case n == 1:
			out = append(out, one)
		case n > 1:
			out = append(out, fmt.Sprintf(many, n))
		}
	}
	if c.FromHTML {
		out = append(out, "text extracted from an HTML page")
	}
	count(c.EscapeLayers, "one layer of JSON/HTML escaping undone", "%d layers of JSON/HTML escaping undone")
	count(c.MojibakeRepairs, "one span of mojibake repaired", "%d spans of mojibake repaired")
	count(c.LostLetters, "one letter lost to '?' by a bad re-encoding", "%d letters lost to '?' by a bad re-encoding")
	count(c.BoilerplateLines, "one boilerplate line removed", "%d boilerplate lines removed")
	count(c.Banners, "one notice removed", "%d notices removed")
	count(c.ControlChars, "one control or odd space character removed", "%d control or odd space characters removed")
	count(c.BinaryBytes, "one byte of binary data cut", "%d bytes of binary data cut")
	if c.TitleFromBody {
		out = append(out, "title taken from the first line")
	}
	if c.TitleSiteName {
		out = append(out, "the outlet's name cut from the title")
	}
	if c.DateFromBody {
		out = append(out, "date taken from the text")
	}
	if c.Truncated {
		out = append(out, "body cut to the size limit")
	}
	return out
}

// maxCopies bounds the copies an article page lists.
const maxCopies = 100

// copies lists the members of doc's syndication cluster, the original
// first, then by date.
func (s *Server) copies(ctx context.Context, doc *schema.Document) ([]copyRow, error) {
	cluster := doc.ClusterID
	if cluster == "" {
		cluster = doc.ID
	}
	t := bleve.NewTermQuery(cluster)
	t.SetField(bleveindex.FieldClusterID)
	q := bleve.NewDisjunctionQuery(t, bleve.NewDocIDQuery([]string{cluster}))
	sr := bleve.NewSearchRequestOptions(q, maxCopies, 0, false)
	sr.Fields = []string{bleveindex.FieldTitle, bleveindex.FieldBody, bleveindex.FieldSourceName, bleveindex.FieldDomain,
		bleveindex.FieldPublishedAt, bleveindex.FieldDuplicateOf}
	sr.Score = "none"
	res, err := s.opts.Index.Bleve().SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("copies of %s: %w", doc.ID, err)
	}
	var out []copyRow
	for _, m := range res.Hits {
		c := copyRow{ID: m.ID, Current: m.ID == doc.ID, Original: m.ID == cluster}
		c.Title, _ = search.DisplayTitle(stored(m.Fields[bleveindex.FieldTitle]), stored(m.Fields[bleveindex.FieldBody]))
		c.Source = stored(m.Fields[bleveindex.FieldSourceName])
		if c.Source == "" {
			c.Source = stored(m.Fields[bleveindex.FieldDomain])
		}
		if c.Source == "" {
			c.Source = "unknown outlet"
		}
		if ts, err := time.Parse(time.RFC3339, stored(m.Fields[bleveindex.FieldPublishedAt])); err == nil {
			c.PublishedAt = &ts
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Original != out[j].Original {
			return out[i].Original
		}
		a, b := out[i].PublishedAt, out[j].PublishedAt
		switch {
		case a == nil || b == nil:
			return b == nil && a != nil
		default:
			return a.Before(*b)
		}
	})
	return out, nil
}

func stored(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return stored(x[0])
		}
	}
	return ""
}
