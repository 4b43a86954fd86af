package search

import (
	"fmt"
	"io"
	"strings"
)

// Render prints resp for a person: ranked hits with source, date, copies
// and snippet, then the facets.
func Render(w io.Writer, resp *Response) error {
	ew := &errWriter{w: w}
	switch {
	case resp.Total == 0:
		ew.printf("No results.\n")
	case resp.CollapsedCopies() > 0:
		ew.printf("%d results (%d syndicated copies collapsed), showing %d\n", resp.Total, resp.CollapsedCopies(), len(resp.Hits))
	default:
		ew.printf("%d results, showing %d\n", resp.Total, len(resp.Hits))
	}
	for i, h := range resp.Hits {
		ew.printf("\n%2d. %s\n", i+1, oneLine(h.Title, "(untitled)"))
		meta := []string{oneLine(h.Source, "unknown source")}
		if h.PublishedAt != nil {
			meta = append(meta, h.PublishedAt.Format("2006-01-02 15:04 MST"))
		}
		meta = append(meta, fmt.Sprintf("score %.2f", h.Score))
		if h.ClusterSize > 1 {
			meta = append(meta, fmt.Sprintf("%d copies", h.ClusterSize))
		}
		ew.printf("    %s\n", strings.Join(meta, " · "))
		if h.URL != "" {
			ew.printf("    %s\n", h.URL)
		}
		if h.Snippet != "" {
			ew.printf("    %s\n", h.Snippet)
		}
		if ents := append(append(append([]string{}, h.Persons...), h.Organizations...), h.Places...); len(ents) > 0 {
			ew.printf("    [%s]\n", strings.Join(ents, ", "))
		}
		ew.printf("    id %s\n", h.ID)
	}
	for _, name := range []string{FacetSources, FacetPersons, FacetOrganizations, FacetPlaces} {
		fs := resp.Facets[name]
		if len(fs) == 0 {
			continue
		}
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = fmt.Sprintf("%s (%d)", f.Name, f.Count)
		}
		if name == FacetSources {
			ew.printf("\n")
		}
		ew.printf("%-14s %s\n", name+":", strings.Join(parts, ", "))
	}
	return ew.err
}

func oneLine(s, empty string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return empty
	}
	return s
}

// errWriter keeps the first write error so Render can return it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
