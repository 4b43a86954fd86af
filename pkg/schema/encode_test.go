package schema

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// encodingJSON is what AppendJSON must write: encoding/json's bytes with
// HTML escaping off, without the newline its Encoder adds.
func encodingJSON(d *Document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// trickyStrings are the characters where JSON encoders differ: quotes,
// backslashes, every kind of control character, HTML, DEL, invalid UTF-8,
// the line and paragraph separators, and multi-byte text.
var trickyStrings = []string{
	"", "plain", `say "hi"`, `back\slash`, "tab\there", "line\nbreak\r\n", "\b\f\x00\x01\x1f\x7f",
	"<b>Tom & Jerry</b>", "caf\xe9 \xff\xfe", "end\xe2\x82", "sep\u2028para\u2029", "Zoë Łódź 東京 🙂",
	"\u00a0nbsp", strings.Repeat("long text ", 50),
}

// randomDocument fills every field of a Document, sometimes leaving
// out what omitempty drops, from r.
func randomDocument(r *rand.Rand) *Document {
	str := func() string {
		if r.IntN(3) == 0 {
			return trickyStrings[r.IntN(len(trickyStrings))]
		}
		var sb strings.Builder
		for range r.IntN(40) {
			t := trickyStrings[r.IntN(len(trickyStrings))]
			sb.WriteString(t[:min(3, len(t))]) // may cut a character: invalid UTF-8
			sb.WriteRune(rune(r.IntN(0x3000)))
		}
		return sb.String()
	}
	floats := []float64{0, math.Copysign(0, -1), 1, 0.5, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1e-300, 1e20, 1e21, 1.5e21, -2.75, 123456789.125, 5e-324}
	float := func() float64 {
		if r.IntN(2) == 0 {
			return floats[r.IntN(len(floats))]
		}
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(50)-25))
	}
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+30*60), time.FixedZone("X", -8*3600)}
	tm := func() time.Time {
		return time.Unix(r.Int64N(4e9), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))])
	}
	entity := func() Entity {
		return Entity{Name: str(), ID: str(), Mentions: r.IntN(20) - 2, Salience: float()}
	}
	d := &Document{
		SchemaVersion:  r.IntN(3),
		ID:             str(),
		URL:            str(),
		Source:         Source{Name: str(), Domain: str()},
		Title:          str(),
		Body:           str(),
		IngestedAt:     tm(),
		Language:       str(),
		WordCount:      r.IntN(5000) - 1,
		DuplicateOf:    str(),
		ClusterID:      str(),
		StoryID:        str(),
		DedupeRevision: uint64(r.IntN(3)) * r.Uint64(),
		Cleaning: Cleaning{
			EscapeLayers: r.IntN(3), MojibakeRepairs: r.IntN(3) - 1, LostLetters: r.IntN(2), BoilerplateLines: r.IntN(9),
			Banners: r.IntN(2), ControlChars: r.IntN(2), BinaryBytes: r.IntN(2), FromHTML: r.IntN(2) == 0, TitleFromBody: r.IntN(2) == 0, TitleSiteName: r.IntN(2) == 0,
			DateFromBody: r.IntN(2) == 0, Truncated: r.IntN(2) == 0,
		},
	}
	if r.IntN(2) == 0 {
		p := tm()
		d.PublishedAt = &p
	}
	if r.IntN(2) == 0 {
		d.Similarity = &Similarity{Containment: float(), Jaccard: float()}
	}
	for range r.IntN(4) {
		d.Entities.Persons = append(d.Entities.Persons, entity())
	}
	if r.IntN(4) == 0 {
		d.Entities.Organizations = []Entity{} // empty, not nil: omitted all the same
	}
	for range r.IntN(3) {
		d.Entities.Organizations = append(d.Entities.Organizations, entity())
	}
	for range r.IntN(4) {
		p := Place{Entity: entity(), Country: str()}
		if r.IntN(2) == 0 {
			p.Location = &GeoPoint{Lat: float(), Lon: float()}
		}
		d.Entities.Places = append(d.Entities.Places, p)
	}
	switch r.IntN(3) {
	case 0:
		d.Metadata = map[string]any{"feed": str(), "<tag>": []any{1.5, "a&b", nil, true}, "n": map[string]any{"z": 1e-9, "a": str()}}
	case 1:
		d.Metadata = map[string]any{} // empty: omitted
	}
	return d
}

func TestAppendJSONWritesWhatEncodingJSONWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		d := randomDocument(r)
		want, err := encodingJSON(d)
		if err != nil {
			t.Fatalf("document %d: encoding/json: %v", i, err)
		}
		prefix := []byte("kept")
		got, err := d.AppendJSON(prefix)
		if err != nil {
			t.Fatalf("document %d: AppendJSON: %v", i, err)
		}
		if !bytes.HasPrefix(got, prefix) {
			t.Fatalf("document %d: AppendJSON dropped what the buffer held: %q", i, got[:min(len(got), 10)])
		}
		if got = got[len(prefix):]; !bytes.Equal(got, want) {
			t.Fatalf("document %d:\n got %s\nwant %s", i, got, want)
		}
		var back Document
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("document %d: does not decode: %v", i, err)
		}
	}
}

func TestAppendJSONRoundTripsAValidDocument(t *testing.T) {
	published := time.Date(2022, 3, 10, 9, 30, 0, 123000000, time.UTC)
	d := &Document{
		SchemaVersion: Version, ID: "0123456789abcdef01234567", URL: "https://example.com/a?b=1&c=<2>",
		Source: Source{Name: "BBC", Domain: "bbc.co.uk"}, Title: `Talks "resume"`, Body: "Para one.\n\nPara two.",
		PublishedAt: &published, IngestedAt: published.Add(time.Hour), Language: "en", WordCount: 4,
		DuplicateOf: "abcdef0123456789abcdef01", ClusterID: "abcdef0123456789abcdef01",
		Similarity: &Similarity{Containment: 0.93, Jaccard: 0.71},
		Entities: Entities{
			Persons: []Entity{{Name: "Sergei Lavrov", ID: "Q182924", Mentions: 3, Salience: 0.8}},
			Places:  []Place{{Entity: Entity{Name: "Geneva", ID: "Q71", Mentions: 1, Salience: 0.2}, Location: &GeoPoint{Lat: 46.2, Lon: 6.15}, Country: "CH"}},
		},
		StoryID: "s-1", DedupeRevision: 2, Metadata: map[string]any{"feed": "world"},
	}
	b, err := d.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeDocument(b)
	if err != nil {
		t.Fatalf("DecodeDocument: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("round trip changed the document:\n got %+v\nwant %+v", back, d)
	}
}

func TestAppendJSONRefusesWhatJSONCannotCarry(t *testing.T) {
	cases := map[string]func(*Document){
		"NaN salience":       func(d *Document) { d.Entities.Persons = []Entity{{Name: "x", Salience: math.NaN()}} },
		"infinite latitude":  func(d *Document) { d.Entities.Places = []Place{{Location: &GeoPoint{Lat: math.Inf(1)}}} },
		"NaN similarity":     func(d *Document) { d.Similarity = &Similarity{Jaccard: math.NaN()} },
		"year 10000":         func(d *Document) { d.IngestedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"metadata's channel": func(d *Document) { d.Metadata = map[string]any{"c": make(chan int)} },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			d := &Document{ID: "x"}
			spoil(d)
			if _, err := encodingJSON(d); err == nil {
				t.Fatal("encoding/json took it; the case is wrong")
			}
			if b, err := d.AppendJSON(nil); err == nil {
				t.Errorf("AppendJSON wrote %s, want an error as encoding/json gives", b)
			}
		})
	}
}

func FuzzAppendJSONAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, 0.5, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, x float64, unix int64) {
		at := time.Unix(unix%4e9, 0).UTC()
		d := &Document{ID: s, Title: s, Body: s, IngestedAt: at, Similarity: &Similarity{Containment: x},
			Entities: Entities{Places: []Place{{Entity: Entity{Name: s, Salience: x}, Country: s}}}}
		want, werr := encodingJSON(d)
		got, gerr := d.AppendJSON(nil)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json error %v, AppendJSON error %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkEncodeDocument compares the encoder every stage uses with
// encoding/json's, on a document of about the size of a news article.
func BenchmarkEncodeDocument(b *testing.B) {
	d := randomDocument(rand.New(rand.NewPCG(3, 4)))
	d.Metadata = nil
	d.Body = strings.Repeat("The minister said talks would resume on Monday in Geneva. ", 60)
	b.Run("encoding_json", func(b *testing.B) {
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 16<<10)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = d.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
