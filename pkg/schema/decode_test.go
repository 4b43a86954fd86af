package schema

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The decoder is stricter than encoding/json in one way only: it refuses
// duplicate field names. Anything else it accepts, encoding/json accepts
// too and reads the same way.
func TestDecodeErrorsNameTheProblem(t *testing.T) {
	cases := []struct{ payload, mention string }{
		{`{"text": "a", "text": "b"}`, `field "text" appears twice`},
		{`{"text": "x", "source": {"name": 5}}`, `field "source": got a JSON object, want string`},
		{`{"text": "x", "schema_version": 1.5}`, `field "schema_version": got a JSON number, want int`},
		{`{"text": "x",}`, "at offset 12"},
	}
	for _, c := range cases {
		_, err := DecodeRaw([]byte(c.payload))
		if !errors.Is(err, ErrInvalidJSON) || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("DecodeRaw(%s) = %v; want ErrInvalidJSON mentioning %q", c.payload, err, c.mention)
		}
	}
}

func TestDecodeMatchesNamesLikeEncodingJSON(t *testing.T) {
	a, err := DecodeRaw([]byte(`{"TEXT": "y", "Title": "t", "published-at": "2026-11-21"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "y" || a.Title != "t" {
		t.Errorf("case-insensitive names not matched: %+v", a)
	}
	if a.PublishedAt != "" {
		t.Errorf("published-at matched published_at (%q); encoding/json does not", a.PublishedAt)
	}
}

func FuzzDecodeAgreesWithEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"text": "x", "Title": "t", "metadata": {"k": [1, 2.5e3, {"n": null}], "s": "\u00e9\ud83d\ude00"}}`,
		`{"schema_version": 1, "id": "a", "body": "b", "ingested_at": "2026-11-21T09:00:00.5+01:00", "published_at": null,
		  "entities": {"places": [{"name": "Kyiv", "id": "geonames:703448", "mentions": 2, "salience": 0.5, "location": {"lat": 50.45, "lon": 30.52}}]},
		  "similarity": {"containment": 1, "jaccard": 0.25}, "cleaning": {"from_html": true}}`,
		`{"text": "x", "text": "y"}`, `{"TEXT": "x", "text": "y"}`, `{"text": "x", "word_count": -0}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		agree(t, data, &RawArticle{}, &RawArticle{})
		agree(t, data, &Document{}, &Document{})
	})
}

// agree checks that when decodeObject accepts data into got, encoding/json
// accepts it too and reads the same value into want.
func agree[T any](t *testing.T, data []byte, got, want *T) {
	t.Helper()
	if decodeObject(data, got) != nil {
		return
	}
	if err := stdjson.Unmarshal(bytes.TrimSpace(data), want); err != nil {
		t.Fatalf("decodeObject accepted %q; encoding/json refused it: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeObject and encoding/json read %q differently:\n got %+v\nwant %+v", data, *got, *want)
	}
}

// An id that is an absolute http(s) URL is the article's URL when the
// article gives none; it stays in metadata, and any other id is metadata
// only.
func TestDecodeRawTakesAnIDThatIsAURLForTheURL(t *testing.T) {
	for _, tc := range []struct{ in, url string }{
		{`{"id": "http://www.bbc.co.uk/news/uk-england-20618520", "text": "x"}`, "http://www.bbc.co.uk/news/uk-england-20618520"},
		{`{"id": " https://example.com/2021/05/06/a ", "text": "x"}`, "https://example.com/2021/05/06/a"},
		{`{"id": "https://example.com/a", "url": "https://example.org/b", "text": "x"}`, "https://example.org/b"},
		{`{"id": "10_1ecb", "text": "x"}`, ""},
		{`{"id": "ftp://example.com/2021/05/06/a", "text": "x"}`, ""},
		{`{"id": 17, "text": "x"}`, ""},
		{`{"text": "x", "metadata": {"id": "https://example.com/a"}}`, "https://example.com/a"},
	} {
		a, err := DecodeRaw([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if a.URL != tc.url {
			t.Errorf("%s: url %q, want %q", tc.in, a.URL, tc.url)
		}
		if _, ok := a.Metadata["id"]; !ok {
			t.Errorf("%s: the id left metadata: %#v", tc.in, a.Metadata)
		}
	}
}

// A member that is no field of the article is kept in metadata, not
// dropped; one that metadata also names is refused.
func TestDecodeRawKeepsOtherMembersInMetadata(t *testing.T) {
	a, err := DecodeRaw([]byte(`{"id": "wire/123", "Text": "x", "kind": {"copy": [1, "two"]}, "score": 2.5,
		"metadata": {"feed": "world"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"feed": "world", "id": "wire/123", "kind": map[string]any{"copy": []any{1.0, "two"}}, "score": 2.5}
	if a.Text != "x" || !reflect.DeepEqual(a.Metadata, want) {
		t.Errorf("text %q, metadata %#v; want x and %#v", a.Text, a.Metadata, want)
	}
	a, err = DecodeRaw([]byte(`{"text": "x", "source": "Wire"}`))
	if err != nil || a.Metadata != nil {
		t.Errorf("an article of fields only: metadata %#v, err %v", a, err)
	}
	_, err = DecodeRaw([]byte(`{"text": "x", "id": "a", "metadata": {"id": "b"}}`))
	if !errors.Is(err, ErrInvalidJSON) || !strings.Contains(err.Error(), `"id"`) {
		t.Errorf("id at the top and in metadata: %v, want ErrInvalidJSON naming id", err)
	}
}
