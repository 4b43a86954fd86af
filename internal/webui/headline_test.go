package webui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// A headline feed's article (a title, an empty body) is found by its
// title's words, listed with its title, and its page shows the title and
// says there is no text.
func TestHeadlineWithoutBody(t *testing.T) {
	pub := t0
	doc := &schema.Document{SchemaVersion: schema.Version, ID: "quake-headline", Title: "Strong earthquake hits Ferrandina",
		Source: schema.Source{Name: "Example Wire", Domain: "wire.example"}, PublishedAt: &pub,
		IngestedAt: t0.Add(time.Minute), Language: "en", StoryID: "story-quake"}
	_, srv := serveIndex(t, indexOf(t, doc), nil)

	res, page := get(t, srv, "/?q=Ferrandina")
	if res.StatusCode != 200 {
		t.Fatalf("search: status %d", res.StatusCode)
	}
	mustContain(t, page, `href="/articles/quake-headline"`, "Strong earthquake hits Ferrandina")
	if strings.Contains(page, `class="snippet"`) {
		t.Errorf("search page shows a snippet for an article without text")
	}

	res, page = get(t, srv, "/articles/quake-headline")
	if res.StatusCode != 200 {
		t.Fatalf("article: status %d", res.StatusCode)
	}
	mustContain(t, page, "<h1>Strong earthquake hits Ferrandina</h1>", "A headline without text", `href="/stories/story-quake"`)
}

// An article without a publication date is listed with when it was
// received, as the story page and the CLI show it, not without a date.
func TestUndatedHitShowsWhenReceived(t *testing.T) {
	doc := &schema.Document{SchemaVersion: schema.Version, ID: "undated", Title: "Harbour reopens after the storm",
		Body: "The harbour reopened on Monday.", Source: schema.Source{Name: "Example Wire"},
		IngestedAt: t0.Add(90 * time.Minute), Language: "en"}
	_, srv := serveIndex(t, indexOf(t, doc), nil)
	_, page := get(t, srv, "/?q=harbour")
	mustContain(t, page, `href="/articles/undated"`,
		`<time datetime="`+t0.Add(90*time.Minute).Format(time.RFC3339)+`">`, "(received)")
	// The article's own page says so too, rather than only "undated".
	_, page = get(t, srv, "/articles/undated")
	mustContain(t, page, `undated, received <time datetime="`+t0.Add(90*time.Minute).Format(time.RFC3339)+`">`)
}
