package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/newsflow/newsflow/pkg/schema"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"golang.org/x/text/encoding/charmap"
)

// writeTree writes files (path -> content) under a new temp folder;
// paths ending in .gz are gzipped.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(content)
		if strings.HasSuffix(name, ".gz") {
			data = gz(t, data)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func latin1(t *testing.T, s string) string {
	b, err := charmap.ISO8859_1.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type readResult struct {
	place string
	title string
	text  string
	html  string
	url   string
	err   error
}

func readAll(t *testing.T, paths ...string) []readResult {
	t.Helper()
	var got []readResult
	err := ReadPaths(context.Background(), paths, func(it Item) error {
		r := readResult{place: it.String(), err: it.Err}
		if it.Raw != nil {
			r.title, r.text, r.html, r.url = it.Raw.Title, it.Raw.Text, it.Raw.HTML, it.Raw.URL
		}
		if (it.Raw == nil) == (it.Err == nil) {
			t.Errorf("%s: want exactly one of Raw and Err, got %v and %v", it, it.Raw, it.Err)
		}
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadPathsFormats(t *testing.T) {
	obj := func(url, text string) string { return string(article(url, text)) }
	dir := writeTree(t, map[string]string{
		"a/headline.txt":    "Council votes to rebuild the bridge\n\nThe council voted on Tuesday.\n\nSecond paragraph.",
		"a/lede.txt":        "The council voted on Tuesday to rebuild the bridge.\n\nSecond paragraph.",
		"a/stopped.txt":     "Council votes to rebuild the bridge.\n\nThe council voted on Tuesday to rebuild the old bridge over the river, at a cost of two million pounds.",
		"a/README.txt":      "Articles for the tests.\n\nNot an article.",
		"a/LICENCE":         "All rights reserved.",
		"a/latin1.txt":      latin1(t, "Café owners protest\n\nLe café est fermé."),
		"a/nobody.txt":      "   \n",
		"b/one.json":        obj("https://example.org/1", "One."),
		"b/many.json":       "[" + obj("https://example.org/2", "Two.") + `, {"source": "no title, text or html"}, ` + obj("https://example.org/3", "Three.") + "]",
		"b/broken.json":     `{"text": `,
		"c/lines.jsonl":     obj("https://example.org/4", "Four.") + "\n\nnot json\n" + obj("https://example.org/5", "Five.") + "\n",
		"c/lines.ndjson.gz": obj("https://example.org/6", "Six.") + "\n",
		"d/page.html":       "<html><head><meta charset=\"iso-8859-1\"></head><body><p>" + latin1(t, "Déjà vu") + "</p></body></html>",
		"d/page.htm.gz":     `<html><head><link href="https://example.org/story?a=1&amp;b=2" rel="canonical"></head><body><p>Gzipped page</p></body></html>`,
		"d/text.txt.gz":     "Gzipped headline here\n\nGzipped body.",
		"d/one.json.gz":     obj("https://example.org/7", "Seven."),
		"e/README.md":       "not an article",
		".hidden/x.txt":     "Hidden headline\n\nhidden body",
	})
	got := readAll(t, dir)
	rel := func(p string) string { return strings.TrimPrefix(p, dir+string(filepath.Separator)) }
	type want struct {
		place, title, text string
		err                error
	}
	wants := []want{
		{place: "a/headline.txt", title: "Council votes to rebuild the bridge", text: "The council voted on Tuesday.\n\nSecond paragraph."},
		{place: "a/latin1.txt", title: "Café owners protest", text: "Le café est fermé."},
		{place: "a/lede.txt", text: "The council voted on Tuesday to rebuild the bridge.\n\nSecond paragraph."},
		{place: "a/nobody.txt", err: schema.ErrInvalid},
		{place: "a/stopped.txt", title: "Council votes to rebuild the bridge.", text: "The council voted on Tuesday to rebuild the old bridge over the river, at a cost of two million pounds."},
		{place: "b/broken.json", err: schema.ErrInvalidJSON},
		{place: "b/many.json:1", title: "A title", text: "Two."},
		{place: "b/many.json:2", err: schema.ErrInvalid},
		{place: "b/many.json:3", title: "A title", text: "Three."},
		{place: "b/one.json", title: "A title", text: "One."},
		{place: "c/lines.jsonl:1", title: "A title", text: "Four."},
		{place: "c/lines.jsonl:3", err: schema.ErrInvalidJSON},
		{place: "c/lines.jsonl:4", title: "A title", text: "Five."},
		{place: "c/lines.ndjson.gz:1", title: "A title", text: "Six."},
		{place: "d/one.json.gz", title: "A title", text: "Seven."},
		{place: "d/page.htm.gz"},
		{place: "d/page.html"},
		{place: "d/text.txt.gz", title: "Gzipped headline here", text: "Gzipped body."},
	}
	if len(got) != len(wants) {
		var places []string
		for _, g := range got {
			places = append(places, rel(g.place))
		}
		t.Fatalf("read %d items %v, want %d", len(got), places, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if rel(g.place) != w.place {
			t.Errorf("item %d: place = %s, want %s", i, rel(g.place), w.place)
			continue
		}
		if w.err != nil {
			if !errors.Is(g.err, w.err) {
				t.Errorf("%s: err = %v, want %v", w.place, g.err, w.err)
			}
			continue
		}
		if g.err != nil {
			t.Errorf("%s: unexpected error %v", w.place, g.err)
			continue
		}
		if g.title != w.title || (g.html == "" && g.text != w.text) {
			t.Errorf("%s: title, text = %q, %q; want %q, %q", w.place, g.title, g.text, w.title, w.text)
		}
	}
	if html := got[16].html; !strings.Contains(html, "<p>Déjà vu</p>") {
		t.Errorf("latin-1 page not decoded to UTF-8: %q", html)
	}
	if html := got[15].html; !strings.Contains(html, "Gzipped page") {
		t.Errorf("gzipped page: %q", html)
	}
	if got[15].url != "https://example.org/story?a=1&b=2" || got[16].url != "" {
		t.Errorf("page urls = %q, %q; want the canonical link, then none", got[15].url, got[16].url)
	}
}

func TestReadPathsNamedFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{"notes.md": "x", "bad.json.gz": "{}"})
	// A .gz that is not gzip.
	if err := os.WriteFile(filepath.Join(dir, "fake.txt.gz"), []byte("plain"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, filepath.Join(dir, "notes.md"), filepath.Join(dir, "fake.txt.gz"))
	if len(got) != 2 || !errors.Is(got[0].err, ErrUnsupportedFile) || got[1].err == nil {
		t.Errorf("got %+v, want unsupported file then a gunzip error", got)
	}
	if err := ReadPaths(context.Background(), []string{filepath.Join(dir, "missing")}, func(Item) error { return nil }); err == nil {
		t.Error("a missing path: want an error")
	}
}

func TestReadPathsLimits(t *testing.T) {
	big := strings.Repeat("word ", schema.MaxArticleBytes/5+10)
	dir := writeTree(t, map[string]string{
		"big.txt":     big,
		"big.html.gz": "<p>" + big + "</p>",
		"cut.json":    `[{"text": "one"}, {"text": "tw`,
	})
	got := readAll(t, dir)
	if len(got) != 4 {
		t.Fatalf("got %d items, want 4: %+v", len(got), got)
	}
	for i, want := range []error{schema.ErrTooLarge, schema.ErrTooLarge, nil, schema.ErrInvalidJSON} {
		if !errors.Is(got[i].err, want) {
			t.Errorf("%s: err = %v, want %v", got[i].place, got[i].err, want)
		}
	}
}

// TestFilesSourceAndSkipped: before, a folder's README was ingested as an
// article, and articles of plain files had no source.
func TestFilesSourceAndSkipped(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"bbc/README.TXT":            "About this data set\n\nNot an article.",
		"bbc/LICENSE-data.txt":      "Rights reserved.",
		"bbc/business/001.txt":      "Ad sales boost Time Warner profit\n\nQuarterly profits rose.",
		"bbc/business/readers.txt":  "Readers write in\n\nLetters.",
		"bbc/business/copying.html": "<p>x</p>",
		"loose/one.txt":             "A loose story here\n\nIts body.",
	})
	list, err := Files([]string{filepath.Join(dir, "bbc"), filepath.Join(dir, "loose", "one.txt")}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range list.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, rel+"="+f.Source)
	}
	if want := []string{"bbc/business/001.txt=bbc", "bbc/business/readers.txt=bbc", "loose/one.txt=loose"}; !slices.Equal(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
	if len(list.Skipped) != 3 {
		t.Errorf("skipped = %v, want README.TXT, LICENSE-data.txt, copying.html", list.Skipped)
	}
	list, _ = Files([]string{filepath.Join(dir, "bbc")}, "BBC News")
	if list.Files[0].Source != "BBC News" {
		t.Errorf("with a source: %q, want BBC News", list.Files[0].Source)
	}
	// A README named directly is read: the person asked for it.
	list, _ = Files([]string{filepath.Join(dir, "bbc", "README.TXT")}, "")
	if len(list.Files) != 1 || len(list.Skipped) != 0 {
		t.Errorf("README named directly: %+v, want it listed", list)
	}
}

func TestLooksLikeHeadline(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"Ad sales boost Time Warner profit", true},
		{"Ukraine war: what we know on day 100", true},
		{"Is this the end of the euro?", true},
		{"iTunes now selling Band Aid song", true},
		{"Rivals of the £400 Apple...", true},
		{"£5m deal for stadium", true},
		{"Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December.", false},
		// A standalone line ending with a full stop: a headline when it
		// is one short sentence.
		{"The council voted on Tuesday.", true},
		{"Mr. Smith goes to Washington.", true},
		{"U.S. stocks fall on rate fears.", true},
		{"Talks fail. Ceasefire holds.", false},
		{"The council voted on Tuesday to close the library, the pool and two schools by March.", false},
		{"Said:", false},
		{"Word", false},
		{"lowercase start of a sentence that wraps", false},
		{strings.Repeat("Long ", 30), false},
	}
	for _, tt := range tests {
		if got := LooksLikeHeadline(tt.line); got != tt.want {
			t.Errorf("LooksLikeHeadline(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestPublishPaths(t *testing.T) {
	js, st := startJetStream(t, nil)
	var lines []string
	for i := range 5 {
		lines = append(lines, string(article(fmt.Sprintf("https://example.org/p/%d", i), "Text.")))
	}
	lines = append(lines, `{"text": 1}`, `not json`, `{"source": "no title, text or html"}`)
	dir := writeTree(t, map[string]string{
		"batch.jsonl": strings.Join(lines, "\n"),
		"story.txt":   "A headline for the story\n\nThe body of the story.",
		"broken.json": "{",
		"README.txt":  "About these files\n\nThey are for a test.",
	})
	pub := NewPublisher(js, nil)
	var calls int
	var last Progress
	sum, err := pub.PublishPaths(context.Background(), []string{dir}, func(p Progress) {
		calls++
		if p.Bytes < last.Bytes || p.Bytes > p.BytesTotal {
			t.Errorf("progress went from %+v to %+v", last, p)
		}
		last = p
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 6 || sum.Rejected != 4 {
		t.Errorf("summary = %+v, want 6 accepted and 4 rejected", sum)
	}
	if len(sum.Skipped) != 1 || !strings.Contains(sum.String(), "skipped 1 file(s) that describe a folder, not an article: "+filepath.Join(dir, "README.txt")) {
		t.Errorf("summary does not note the skipped README:\n%s", sum.String())
	}
	if len(sum.Reasons) == 0 || sum.Reasons[0].Reason != schema.ErrInvalidJSON.Error() || sum.Reasons[0].Count != 3 {
		t.Errorf("reasons = %+v, want invalid JSON x3 first", sum.Reasons)
	}
	if last.Files != 3 || last.FilesTotal != 3 || last.Bytes != last.BytesTotal || last.Accepted != 6 {
		t.Errorf("final progress = %+v", last)
	}
	if calls < 10 {
		t.Errorf("progress called %d times, want once per item and file", calls)
	}
	if got := storedIDs(t, st); len(got) != 6 {
		t.Errorf("stored %d messages, want 6", len(got))
	}
	// Publishing the same files again stores nothing new.
	if _, err := pub.PublishPaths(context.Background(), []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if got := storedIDs(t, st); len(got) != 6 {
		t.Errorf("after a re-run stored %d messages, want 6", len(got))
	}
	if s := sum.String(); !strings.Contains(s, "accepted 6, rejected 4") {
		t.Errorf("summary text %q", s)
	}
}

func TestPublishPathsWaitsWhileFull(t *testing.T) {
	js, st := startJetStream(t, func(c *jetstream.StreamConfig) {
		c.MaxMsgs = 1
		c.Discard = jetstream.DiscardNew
	})
	dir := writeTree(t, map[string]string{
		"a.json": string(article("https://example.org/w/1", "One.")),
		"b.json": string(article("https://example.org/w/2", "Two.")),
	})
	// When the publisher reports that it waits, make room: the retry
	// must then store the second article.
	var retries int
	log := zaptest.NewLogger(t, zaptest.WrapOptions(zap.Hooks(func(e zapcore.Entry) error {
		if strings.Contains(e.Message, "retrying") {
			retries++
			if err := st.Purge(context.Background()); err != nil {
				t.Error(err)
			}
		}
		return nil
	})))
	sum, err := NewPublisher(js, log).PublishPaths(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 2 || sum.Rejected != 0 || retries != 1 {
		t.Errorf("summary = %+v after %d retries, want 2 accepted after 1 retry", sum, retries)
	}
	ids := storedIDs(t, st)
	if want := schema.DocumentID("", "https://example.org/w/2", "", ""); len(ids) != 1 || ids[0] != want {
		t.Errorf("stored %v, want [%s]", ids, want)
	}

	// While it stays full, cancelling stops the wait without rejecting.
	ctx, cancel := context.WithCancel(context.Background())
	log = zaptest.NewLogger(t, zaptest.WrapOptions(zap.Hooks(func(e zapcore.Entry) error {
		if strings.Contains(e.Message, "retrying") {
			cancel()
		}
		return nil
	})))
	dir2 := writeTree(t, map[string]string{"c.json": string(article("https://example.org/w/3", "Three."))})
	sum, err = NewPublisher(js, log).PublishPaths(ctx, []string{dir2}, nil)
	if !errors.Is(err, context.Canceled) || sum.Rejected != 0 {
		t.Errorf("err = %v, summary = %+v; want context.Canceled and nothing rejected", err, sum)
	}
}
