package schema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDecodeRaw(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		wantErr error
		mention string
	}{
		{"text only", `{"text": "Hello world."}`, nil, ""},
		{"html only", `{"html": "<p>Hello</p>", "url": "https://example.com/a"}`, nil, ""},
		{"explicit version", `{"schema_version": 1, "text": "x"}`, nil, ""},
		{"unknown version", `{"schema_version": 2, "text": "x"}`, ErrUnsupportedVersion, "this build understands 1"},
		{"headline only", `{"title": "Quake hits Tonga"}`, nil, ""},
		{"nothing", `{"url": "https://example.com/a"}`, ErrInvalid, "title, text or html is required"},
		{"blank everything", `{"title": " ", "text": "  \n "}`, ErrInvalid, "title, text or html is required"},
		{"relative url", `{"text": "x", "url": "/news/1"}`, ErrInvalid, "absolute http or https"},
		{"bad date", `{"text": "x", "published_at": "yesterday-ish"}`, ErrInvalid, "published_at"},
		{"bad language", `{"text": "x", "language": "English"}`, ErrInvalid, "ISO 639-1"},
		{"two problems", `{"url": "ftp://x/y"}`, ErrInvalid, "; "},
		{"invalid json", `{"text": `, ErrInvalidJSON, ""},
		{"array", `[{"text": "x"}]`, ErrInvalidJSON, "expected a JSON object"},
		{"wrong type", `{"text": 42}`, ErrInvalidJSON, `field "text"`},
		{"trailing data", `{"text": "x"} {"text": "y"}`, ErrInvalidJSON, "trailing"},
		{"not utf-8", "{\"text\": \"caf\xe9\"}", ErrNotUTF8, "offset 13"},
		{"empty", ``, ErrInvalidJSON, "empty payload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := DecodeRaw([]byte(c.payload))
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("DecodeRaw: %v", err)
				}
				if a.SchemaVersion != Version {
					t.Errorf("schema_version = %d; want %d", a.SchemaVersion, Version)
				}
				return
			}
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v; want %v", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("err = %q; want it to mention %q", err, c.mention)
			}
			if !IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false", err)
			}
		})
	}
}

func TestDecodeRawTooLarge(t *testing.T) {
	payload := `{"text": "` + strings.Repeat("a", MaxArticleBytes) + `"}`
	if _, err := DecodeRaw([]byte(payload)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v; want ErrTooLarge", err)
	}
}

func TestDocumentValidate(t *testing.T) {
	valid := func() *Document {
		return &Document{SchemaVersion: 1, ID: "abc", Body: "Text.", IngestedAt: time.Now()}
	}
	cases := []struct {
		name    string
		edit    func(*Document)
		mention string
	}{
		{"valid", func(*Document) {}, ""},
		{"no id", func(d *Document) { d.ID = "" }, "id is required"},
		{"headline only", func(d *Document) { d.Title, d.Body = "Quake hits Tonga", "" }, ""},
		{"no title, no body", func(d *Document) { d.Body = " " }, "title and body are both empty"},
		{"self duplicate", func(d *Document) { d.DuplicateOf = "abc" }, "duplicate_of names the document itself"},
		{"similarity range", func(d *Document) { d.Similarity = &Similarity{Containment: 1.5} }, "[0, 1]"},
		{"salience range", func(d *Document) {
			d.Entities.Persons = []Entity{{Name: "A", ID: "Q1", Salience: 2}}
		}, "salience"},
		{"off the globe", func(d *Document) {
			d.Entities.Places = []Place{{Entity: Entity{Name: "X", ID: "geonames:1"}, Location: &GeoPoint{Lat: 91}}}
		}, "off the globe"},
		{"version", func(d *Document) { d.SchemaVersion = 0 }, "unsupported schema_version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := valid()
			c.edit(d)
			err := d.Validate()
			if c.mention == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.mention) {
				t.Errorf("err = %v; want it to mention %q", err, c.mention)
			}
		})
	}
}

func TestDocumentID(t *testing.T) {
	same := [][2]string{
		{"https://www.example.com/news/1?utm_source=x#top", "http://example.com/news/1/"},
		{"https://example.com/a?b=2&a=1", "https://EXAMPLE.com/a?a=1&b=2&fbclid=zz"},
	}
	for _, p := range same {
		if a, b := DocumentID("Example", p[0], "", "x"), DocumentID("Other", p[1], "", "y"); a != b {
			t.Errorf("DocumentID(%q) = %s, DocumentID(%q) = %s; want equal", p[0], a, p[1], b)
		}
	}
	if a, b := DocumentID("", "https://example.com/1", "", ""), DocumentID("", "https://example.com/2", "", ""); a == b {
		t.Error("different URLs share an id")
	}
	// Without a URL the id follows the outlet and the normalised content:
	// the same text from another outlet is another article.
	a := DocumentID("Example News", "", "Title", "Body  text,\n\nmore.")
	b := DocumentID("example news", "", "title", "body text more")
	c := DocumentID("Example News", "", "title", "other body")
	d := DocumentID("Other Wire", "", "title", "body text more")
	if a != b || a == c || a == d {
		t.Errorf("content ids: %s %s %s %s; want the first two equal, the others different", a, b, c, d)
	}
	if len(a) != 2*idBytes {
		t.Errorf("len(id) = %d; want %d", len(a), 2*idBytes)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2022, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"2022-03-10", "10 March 2022", "March 10, 2022", "Mar 10, 2022", "Thursday, 10 March 2022", "March 10th, 2022", "2022/03/10", "20220310"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	got, err := ParseTime("Thu, 10 Mar 2022 09:30:00 +0100")
	if wantT := time.Date(2022, 3, 10, 8, 30, 0, 0, time.UTC); err != nil || !got.Equal(wantT) {
		t.Errorf("RFC 1123Z = %v, %v; want %v", got, err, wantT)
	}
	for _, s := range []string{"03/04/2022", "soon", "", "1066-10-14"} {
		if _, err := ParseTime(s); !errors.Is(err, ErrUnknownTimeFormat) {
			t.Errorf("ParseTime(%q) err = %v; want ErrUnknownTimeFormat", s, err)
		}
	}
}

func TestDomain(t *testing.T) {
	if got := Domain("https://WWW.BBC.co.uk/news/1"); got != "bbc.co.uk" {
		t.Errorf("Domain = %q; want bbc.co.uk", got)
	}
	if got := CountWords("It's 3 o'clock — in Zürich."); got != 7 {
		t.Errorf("CountWords = %d; want 7", got)
	}
}

// FuzzDecodeRaw: decoding never panics, and whatever it accepts is valid
// UTF-8 and passes validation again after a round trip.
func FuzzDecodeRaw(f *testing.F) {
	for _, seed := range []string{
		`{"text": "x"}`, `{"html": "<p>x</p>", "url": "https://a.b/c"}`, `{"schema_version": 3}`,
		`{"text": "\u0022quoted\u0022", "metadata": {"k": [1, 2, {"n": null}]}}`, "{\"text\": \"\xff\"}", `[]`, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeRaw(data)
		if err != nil {
			if !IsPermanent(err) {
				t.Fatalf("error %v is not classified permanent", err)
			}
			return
		}
		if !utf8.ValidString(a.Text) || !utf8.ValidString(a.HTML) {
			t.Fatal("accepted invalid UTF-8")
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted article fails validation: %v", err)
		}
	})
}

// FuzzDecodeDocument: every stage after ingest decodes documents from the
// wire. Decoding never panics, every error is classified permanent, and an
// accepted document survives a round trip unchanged and still valid.
func FuzzDecodeDocument(f *testing.F) {
	for _, seed := range []string{
		`{"schema_version": 1, "id": "a", "body": "b", "ingested_at": "2026-11-21T09:00:00Z"}`,
		`{"schema_version": 1, "id": "a", "body": "b", "ingested_at": "2026-11-21T09:00:00Z", "entities": {"places": [{"name": "Kyiv", "id": "geonames:703448", "location": {"lat": 50.45, "lon": 30.52}}]}}`,
		`{"schema_version": 2}`, `{"id": 5}`, "{\"body\": \"\xff\"}", `[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeDocument(data)
		if err != nil {
			if !IsPermanent(err) {
				t.Fatalf("error %v is not classified permanent", err)
			}
			return
		}
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := DecodeDocument(again)
		if err != nil {
			t.Fatalf("re-decoding an accepted document: %v", err)
		}
		if d2.ID != d.ID || d2.Body != d.Body || d2.SchemaVersion != d.SchemaVersion {
			t.Fatalf("round trip changed the document: %+v vs %+v", d, d2)
		}
	})
}

// Ids are bounded (dedupe stores them with a one-byte length): a longer
// one is refused with a message that says so, never truncated later.
func TestDocumentIDsAreBounded(t *testing.T) {
	doc := func(id, dup string) []byte {
		return []byte(`{"schema_version":1,"id":"` + id + `","duplicate_of":"` + dup + `","body":"b","ingested_at":"2026-11-21T09:00:00Z"}`)
	}
	if _, err := DecodeDocument(doc(strings.Repeat("a", MaxIDBytes), "c")); err != nil {
		t.Errorf("%d-byte id: %v", MaxIDBytes, err)
	}
	_, err := DecodeDocument(doc(strings.Repeat("a", 128), strings.Repeat("c", 200)))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "id is 128 bytes, longer than 127") ||
		!strings.Contains(err.Error(), "duplicate_of is 200 bytes, longer than 127") {
		t.Errorf("long ids: %v; want ErrInvalid naming both", err)
	}
}
