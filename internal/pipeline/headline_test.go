package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// TestHeadlinesWithoutBodiesAreIndexedInStories runs headline-feed
// articles (a title, no text, no html) through every stage of the embedded
// pipeline: each ends in the search index with an empty body and a story,
// two outlets' headlines of one event share their story, a headline of
// another event does not, and an article with no title, text or html is
// dead-lettered by ingest with its reason.
func TestHeadlinesWithoutBodiesAreIndexedInStories(t *testing.T) {
	ctx, p, _ := startEmbedded(t, 4*time.Minute)
	js := p.Runtime().JetStream()
	dead, err := js.CreateOrUpdateConsumer(ctx, stage.StreamDead, jetstream.ConsumerConfig{
		FilterSubject: stage.SubjectDeadPrefix + "ingest", AckPolicy: jetstream.AckNonePolicy,
	})
	if err != nil {
		t.Fatal(err)
	}

	raws := []schema.RawArticle{
		{URL: "https://wire.example/2023/06/02/quake", Source: "Example Wire", PublishedAt: "2023-06-02T10:00:00Z",
			Title: "Strong earthquake hits Ferrandina in southern Italy, dozens injured"},
		{URL: "https://daily.example/world/ferrandina-quake", Source: "Example Daily", PublishedAt: "2023-06-02T10:40:00Z",
			Title: "Earthquake in southern Italy: dozens injured as strong quake hits Ferrandina"},
		{URL: "https://daily.example/politics/budget", Source: "Example Daily", PublishedAt: "2023-06-02T11:00:00Z",
			Title: "Parliament passes the budget after a night of votes"},
		{URL: "https://wire.example/2023/06/02/nothing", Source: "Example Wire", Title: "  "},
	}
	for _, raw := range raws {
		publishRaw(ctx, t, js, raw)
	}
	if err := p.WaitIdle(ctx, nil); err != nil {
		t.Fatal(err)
	}

	stories := make([]string, 3)
	for i, raw := range raws[:3] {
		id := schema.DocumentID(raw.Source, raw.URL, raw.Title, "")
		doc, err := p.Index().Document(ctx, id)
		if err != nil {
			t.Fatalf("headline %d: %v", i, err)
		}
		if doc.Title != raw.Title || doc.Body != "" || doc.StoryID == "" {
			t.Errorf("headline %d indexed with title %q, body %q, story %q; want its title, no body and a story", i, doc.Title, doc.Body, doc.StoryID)
		}
		stories[i] = doc.StoryID
	}
	if stories[0] != stories[1] {
		t.Errorf("two outlets' headlines of one quake in stories %s and %s; want one", stories[0], stories[1])
	}
	if stories[2] == stories[0] {
		t.Errorf("the budget headline joined the quake story %s", stories[0])
	}

	// Search finds a headline by its title words and shows it with its
	// title and an empty snippet.
	res, err := search.ForIndex(p.Index()).Search(ctx, search.Request{Query: "Ferrandina", IncludeDuplicates: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || len(res.Hits) != 2 {
		t.Fatalf("search Ferrandina: %d hits (total %d); want the two quake headlines", len(res.Hits), res.Total)
	}
	for _, h := range res.Hits {
		if h.Title == "" || h.DisplayTitle != h.Title || h.TitleDerived || h.StoryID != stories[0] {
			t.Errorf("hit %+v; want the headline's own title and the quake story", h)
		}
	}

	msgs, err := dead.Fetch(5, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range msgs.Messages() {
		n++
		if reason := m.Headers().Get(stage.HeaderDeadReason); !strings.Contains(reason, "title, text or html is required") {
			t.Errorf("dead-letter reason %q; want it to say an article needs a title, text or html", reason)
		}
	}
	if n != 1 {
		t.Errorf("%d dead letters from ingest; want the one article with nothing in it", n)
	}
}
