package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/pkg/stage/natstest"
)

func newIngester(t *testing.T, ctx context.Context, js jetstream.JetStream, cfg Config) *Ingester {
	t.Helper()
	i, err := New(ctx, js, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(i.Stop)
	i.now = func() time.Time { return time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC) }
	return i
}

func TestProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	i := newIngester(t, ctx, natstest.JetStream(t), DefaultConfig())

	t.Run("escaped text with metadata glued on", func(t *testing.T) {
		raw := &schema.RawArticle{
			URL:    "https://www.Dunmere-Gazette.example/news/flood?utm_source=x",
			Source: "Dunmere Gazette",
			Text:   ` date 2023-05-14 This is a developing news story... Check back for possible updates... The river Wend burst its banks on Sunday.\r\n\r\nThe mayor said: \u0022We didn\u0026#039;t expect it.\u0022\r\nLeave a comment`,
		}
		doc, err := i.Process(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		wantBody := "The river Wend burst its banks on Sunday.\n\nThe mayor said: \"We didn't expect it.\""
		if doc.Body != wantBody {
			t.Errorf("body = %q; want %q", doc.Body, wantBody)
		}
		if doc.PublishedAt == nil || !doc.PublishedAt.Equal(time.Date(2023, 5, 14, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("published_at = %v; want 2023-05-14", doc.PublishedAt)
		}
		c := doc.Cleaning
		if c.EscapeLayers != 2 || c.Banners != 2 || c.BoilerplateLines != 1 || !c.DateFromBody || c.FromHTML {
			t.Errorf("cleaning = %+v", c)
		}
		if doc.Source != (schema.Source{Name: "Dunmere Gazette", Domain: "dunmere-gazette.example"}) {
			t.Errorf("source = %+v", doc.Source)
		}
		if doc.ID != schema.DocumentID(raw.Source, raw.URL, "", wantBody) || doc.WordCount != schema.CountWords(wantBody) {
			t.Errorf("id %s, words %d", doc.ID, doc.WordCount)
		}
		if doc.Language != "en" || doc.SchemaVersion != schema.Version || doc.IngestedAt.IsZero() {
			t.Errorf("language %q, version %d, ingested %v", doc.Language, doc.SchemaVersion, doc.IngestedAt)
		}
	})

	t.Run("headline on the first line, date from the scraper", func(t *testing.T) {
		doc, err := i.Process(ctx, &schema.RawArticle{
			Text:        "Dunmere cafÃ© reopens after flood\n\nThe cafÃ© on Market Street reopened on Friday, three weeks after the flood.",
			PublishedAt: "2023-06-02T10:00:00Z",
			Language:    "en",
		})
		if err != nil {
			t.Fatal(err)
		}
		if doc.Title != "Dunmere café reopens after flood" || !doc.Cleaning.TitleFromBody || doc.Cleaning.MojibakeRepairs != 2 {
			t.Errorf("title %q, cleaning %+v", doc.Title, doc.Cleaning)
		}
		if doc.PublishedAt == nil || doc.PublishedAt.Hour() != 10 || doc.Cleaning.DateFromBody {
			t.Errorf("published_at %v, date from body %v", doc.PublishedAt, doc.Cleaning.DateFromBody)
		}
		if doc.Source.Domain != "" || doc.URL != "" {
			t.Errorf("no URL, yet source %+v", doc.Source)
		}
	})

	t.Run("headline without a body", func(t *testing.T) {
		raw := &schema.RawArticle{
			URL:         "https://wire.example/2023/06/quake",
			Source:      "Example Wire",
			Title:       "BREAKING: Strong earthquake shakes the coast of Tonga, no tsunami warning issued",
			PublishedAt: "2023-06-02T10:00:00Z",
		}
		doc, err := i.Process(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		wantTitle := "Strong earthquake shakes the coast of Tonga, no tsunami warning issued"
		if doc.Title != wantTitle || doc.Body != "" || doc.WordCount != 0 {
			t.Errorf("title %q, body %q, words %d; want the cleaned title and no body", doc.Title, doc.Body, doc.WordCount)
		}
		if doc.ID != schema.DocumentID(raw.Source, raw.URL, wantTitle, "") || doc.Source != (schema.Source{Name: "Example Wire", Domain: "wire.example"}) {
			t.Errorf("id %s, source %+v", doc.ID, doc.Source)
		}
		if doc.PublishedAt == nil || !doc.PublishedAt.Equal(time.Date(2023, 6, 2, 10, 0, 0, 0, time.UTC)) || doc.Language != "en" {
			t.Errorf("published_at %v, language %q", doc.PublishedAt, doc.Language)
		}
		if err := doc.Validate(); err != nil {
			t.Errorf("headline document is invalid: %v", err)
		}
	})

	t.Run("the outlet's name in the title", func(t *testing.T) {
		for _, raw := range []*schema.RawArticle{
			{Source: "wdnr.example", Title: "Bridge closed after flood | WDNR 7 Dunmere", Text: "The old bridge in Dunmere was closed on Monday after engineers found cracks in two of its arches."},
			{URL: "https://www.wdnr.example/2023/bridge", Title: "Bridge closed after flood - WDNR 7 Dunmere"},
		} {
			doc, err := i.Process(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != "Bridge closed after flood" || !doc.Cleaning.TitleSiteName {
				t.Errorf("title %q, title_site_name %v; want the headline without the outlet", doc.Title, doc.Cleaning.TitleSiteName)
			}
		}
	})

	t.Run("html instead of text", func(t *testing.T) {
		page := `<html><head><title>Bridge closed after flood</title></head><body><article><h1>Bridge closed after flood</h1>` +
			`<p>The old bridge in Dunmere was closed on Monday after engineers found cracks in two of its arches.</p>` +
			`<p>The council said a temporary crossing would open within a fortnight, and that repairs could take a year.</p></article></body></html>`
		for _, raw := range []*schema.RawArticle{{HTML: page}, {Text: page}} {
			doc, err := i.Process(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			if !doc.Cleaning.FromHTML || !strings.Contains(doc.Body, "The old bridge in Dunmere was closed on Monday") ||
				!strings.Contains(doc.Body, "The council said") || strings.Contains(doc.Body, "<") {
				t.Errorf("body %q, from html %v", doc.Body, doc.Cleaning.FromHTML)
			}
			if doc.Title != "Bridge closed after flood" {
				t.Errorf("title %q", doc.Title)
			}
		}
	})
}

func TestProcessRejects(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.LearnBoilerplate = false
	cfg.MaxHTMLBytes = 4096
	i := newIngester(t, ctx, nil, cfg)
	tests := []struct {
		name string
		raw  *schema.RawArticle
		want error
	}{
		{"nil", nil, ErrNoInput},
		{"no title, text or html", &schema.RawArticle{URL: "https://example.com/a", Title: " \t"}, ErrNoInput},
		{"title that cleans to nothing", &schema.RawArticle{Title: "\u200b\u00a0"}, ErrNoInput},
		{"empty after cleaning", &schema.RawArticle{Text: "Leave a comment\nShare this article\n\u200b\u00a0"}, ErrEmpty},
		{"only escapes", &schema.RawArticle{Text: `\r\n\r\n`}, nil},
		{"html with no article", &schema.RawArticle{HTML: "<html><body><nav><a href=/>Home</a></nav></body></html>"}, nil},
		{"html too large", &schema.RawArticle{HTML: "<p>" + strings.Repeat("word ", 2000) + "</p>"}, ErrHTMLTooLarge},
		{"binary garbage", &schema.RawArticle{Text: "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\ufffd\ufffdword\x00\x00\x01\x02 more text here"}, ErrBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := i.Process(ctx, tt.raw)
			if err == nil {
				t.Fatalf("got a document %+v; want an error", doc)
			}
			if !stage.IsPermanent(err) {
				t.Errorf("error %v is not permanent", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v; want %v", err, tt.want)
			}
		})
	}
}

// A scraper that read a compressed response as text appends a block of
// binary data to a good article: the block is cut and counted, the article
// kept; a text that is nothing but binary is refused.
func TestProcessCutsBinaryBesideText(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.LearnBoilerplate = false
	i := newIngester(t, ctx, nil, cfg)
	article := "The council met on Tuesday and agreed a new budget for the city's libraries after a long debate.\n\n" +
		"Three branches will open on Sundays from March, the council's leader said."
	var junk strings.Builder
	for n := range 600 { // bytes a gzip stream might hold, read as text
		c := byte(n*131 + n*n*7)
		if c >= 0x80 || c < 0x20 && c != '\n' {
			junk.WriteRune('\ufffd')
		} else {
			junk.WriteByte(c)
		}
	}
	if share := strings.Count(junk.String(), "\ufffd") * 20; share <= 600 {
		t.Fatalf("fixture: only %d of 600 junk bytes are odd", share/20)
	}
	doc, err := i.Process(ctx, &schema.RawArticle{URL: "https://example.org/a", Title: "Libraries open on Sundays", Text: article + "\n\n" + junk.String()})
	if err != nil {
		t.Fatalf("article with a binary tail refused: %v", err)
	}
	if strings.ContainsRune(doc.Body, '\ufffd') || !strings.Contains(doc.Body, "council's leader said.") {
		t.Errorf("body = %q; want the article without the binary block", doc.Body)
	}
	if doc.Cleaning.BinaryBytes < len(junk.String())-8 {
		t.Errorf("cleaning.binary_bytes = %d; want about %d", doc.Cleaning.BinaryBytes, len(junk.String()))
	}
	if _, err := i.Process(ctx, &schema.RawArticle{Text: junk.String() + " a few words"}); !errors.Is(err, ErrBinary) {
		t.Errorf("binary with a few words: err = %v, want ErrBinary", err)
	}
}

func TestProcessLearnsSourceBoilerplate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := natstest.JetStream(t)
	i := newIngester(t, ctx, js, DefaultConfig())
	plug := "Get the Dunmere Gazette delivered for £1 a week"
	var last *schema.Document
	for n := 1; n <= 4; n++ {
		doc, err := i.Process(ctx, &schema.RawArticle{
			URL:  fmt.Sprintf("https://dunmere-gazette.example/news/%d", n),
			Text: fmt.Sprintf("Story number %d is about the river and the town council, which met again this week.\n%s", n, plug),
		})
		if err != nil {
			t.Fatal(err)
		}
		last = doc
		if err := i.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n <= 3 && !strings.Contains(doc.Body, plug) {
			t.Fatalf("article %d lost the line before it was learned: %q", n, doc.Body)
		}
	}
	if strings.Contains(last.Body, plug) || last.Cleaning.BoilerplateLines != 1 {
		t.Errorf("4th article still carries the learned line: %q (%+v)", last.Body, last.Cleaning)
	}
	// Another source is not affected.
	other, err := i.Process(ctx, &schema.RawArticle{URL: "https://other.example/a", Text: "A different paper reports on the flood in the valley.\n" + plug})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(other.Body, plug) {
		t.Errorf("line learned for one source removed from another: %q", other.Body)
	}
	// A second replica shares what was learned.
	j := newIngester(t, ctx, js, DefaultConfig())
	doc, err := j.Process(ctx, &schema.RawArticle{URL: "https://dunmere-gazette.example/news/5", Text: "A fifth story about the weather in the hills.\n" + plug})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc.Body, plug) {
		t.Errorf("second replica kept the learned line: %q", doc.Body)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := ok
	bad.MinWords, bad.BoilerplateMinArticles, bad.KVReplicas, bad.LanguageMinConfidence = 0, 1, 2, 1.5
	err := bad.Validate()
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("Validate = %v; want ErrConfig", err)
	}
	for _, env := range []string{"NEWSFLOW_INGEST_MIN_WORDS", "NEWSFLOW_INGEST_BOILERPLATE_MIN_ARTICLES", "NEWSFLOW_INGEST_KV_REPLICAS", "NEWSFLOW_INGEST_LANGUAGE_MIN_CONFIDENCE"} {
		if !strings.Contains(err.Error(), env) {
			t.Errorf("error does not name %s: %v", env, err)
		}
	}
}

// FuzzProcess: any text or page gives a valid document or a permanent
// error, never a panic.
func FuzzProcess(f *testing.F) {
	cfg := DefaultConfig()
	cfg.LearnBoilerplate = false
	i, err := New(context.Background(), nil, cfg, zap.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Headline here\n\nBody text, with a sentence.", "")
	f.Add("", "<html><body><p>Some article text in a paragraph here.</p></body></html>")
	f.Add(`\u0026amp;#039;\r\n`, "<p")
	f.Fuzz(func(t *testing.T, text, page string) {
		doc, err := i.Process(context.Background(), &schema.RawArticle{Text: text, HTML: page})
		if err != nil {
			if !stage.IsPermanent(err) {
				t.Fatalf("error not permanent: %v", err)
			}
			return
		}
		if err := doc.Validate(); err != nil {
			t.Fatalf("invalid document: %v", err)
		}
	})
}

// TestProcessFollowsItsSettings changes each text setting from its
// default and checks what Process then does with the same article:
// NEWSFLOW_INGEST_MIN_WORDS refuses a short body, _MAX_TEXT_BYTES cuts a
// long one, _LANGUAGE_MIN_CONFIDENCE leaves the language empty.
func TestProcessFollowsItsSettings(t *testing.T) {
	ctx := context.Background()
	short := &schema.RawArticle{URL: "https://example.com/short", Text: "The bridge reopened today."}
	long := &schema.RawArticle{URL: "https://example.com/long", Text: strings.Repeat("The council met on Tuesday to discuss the new budget for the town library.\n\n", 40)}
	// Russian has no stop-word list here, so the detector's confidence
	// decides (a stop-word decision is certain); on this sentence it is
	// far from sure (it says Bulgarian).
	russian := &schema.RawArticle{URL: "https://example.com/ru", Text: "Река вышла из берегов в воскресенье после трёх дней сильных дождей, и мэр попросил жителей нижнего города покинуть свои дома до наступления темноты."}
	withConfig := func(change func(*Config)) *Ingester {
		cfg := DefaultConfig()
		cfg.LearnBoilerplate = false
		change(&cfg)
		return newIngester(t, ctx, nil, cfg)
	}
	defaults := withConfig(func(*Config) {})

	if _, err := defaults.Process(ctx, short); err != nil {
		t.Fatalf("default MinWords: %v", err)
	}
	if _, err := withConfig(func(c *Config) { c.MinWords = 5 }).Process(ctx, short); !errors.Is(err, ErrEmpty) {
		t.Errorf("MinWords 5, a 4-word body: %v; want ErrEmpty", err)
	}

	doc, err := defaults.Process(ctx, long)
	if err != nil || doc.Cleaning.Truncated {
		t.Fatalf("default MaxTextBytes: truncated %v, %v", doc != nil && doc.Cleaning.Truncated, err)
	}
	doc, err = withConfig(func(c *Config) { c.MaxTextBytes = 1024 }).Process(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Cleaning.Truncated || len(doc.Body) > 1024 {
		t.Errorf("MaxTextBytes 1024: truncated %v, body %d bytes; want cut to at most 1024", doc.Cleaning.Truncated, len(doc.Body))
	}

	doc, err = defaults.Process(ctx, russian)
	if err != nil || doc.Language == "" {
		t.Fatalf("default LanguageMinConfidence: language %q, %v; want one", doc.Language, err)
	}
	doc, err = withConfig(func(c *Config) { c.LanguageMinConfidence = 1 }).Process(ctx, russian)
	if err != nil || doc.Language != "" {
		t.Errorf("LanguageMinConfidence 1: language %q, %v; want none", doc.Language, err)
	}
}
