package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// ErrUnsupportedValue means a document holds a value JSON cannot carry:
// a NaN or infinite number.
var ErrUnsupportedValue = errors.New("json: unsupported value")

// AppendJSON appends d's JSON encoding to b and returns the extended
// buffer: the bytes encoding/json writes for d with HTML escaping off
// (json.Encoder.SetEscapeHTML(false)), without its trailing newline. Every
// stage encodes its output with it, so the fields are written in code
// rather than found by reflection; only Metadata, free-form by contract,
// goes through encoding/json. On error b's contents past its original
// length are undefined.
func (d *Document) AppendJSON(b []byte) ([]byte, error) {
	if need := d.encodedSizeHint(); cap(b)-len(b) < need {
		// One allocation of about the right size, rather than append's
		// growth in steps of a quarter.
		b = append(make([]byte, 0, len(b)+need), b...)
	}
	var err error
	b = append(b, `{"schema_version":`...)
	b = strconv.AppendInt(b, int64(d.SchemaVersion), 10)
	b = append(b, `,"id":`...)
	b = appendString(b, d.ID)
	if d.URL != "" {
		b = append(b, `,"url":`...)
		b = appendString(b, d.URL)
	}
	b = append(b, `,"source":{`...)
	first := true
	b = appendStringField(b, &first, "name", d.Source.Name)
	b = appendStringField(b, &first, "domain", d.Source.Domain)
	b = append(b, `},"title":`...)
	b = appendString(b, d.Title)
	b = append(b, `,"body":`...)
	b = appendString(b, d.Body)
	if d.PublishedAt != nil {
		b = append(b, `,"published_at":`...)
		if b, err = appendTime(b, *d.PublishedAt); err != nil {
			return b, err
		}
	}
	b = append(b, `,"ingested_at":`...)
	if b, err = appendTime(b, d.IngestedAt); err != nil {
		return b, err
	}
	if d.Language != "" {
		b = append(b, `,"language":`...)
		b = appendString(b, d.Language)
	}
	b = append(b, `,"word_count":`...)
	b = strconv.AppendInt(b, int64(d.WordCount), 10)
	b = append(b, `,"cleaning":`...)
	b = d.Cleaning.appendJSON(b)
	if d.DuplicateOf != "" {
		b = append(b, `,"duplicate_of":`...)
		b = appendString(b, d.DuplicateOf)
	}
	if d.ClusterID != "" {
		b = append(b, `,"cluster_id":`...)
		b = appendString(b, d.ClusterID)
	}
	if s := d.Similarity; s != nil {
		b = append(b, `,"similarity":`...)
		if b, err = appendFloatPair(b, "containment", s.Containment, "jaccard", s.Jaccard); err != nil {
			return b, err
		}
	}
	b = append(b, `,"entities":{`...)
	first = true
	if len(d.Entities.Persons) > 0 {
		b = appendKey(b, &first, "persons")
		if b, err = appendEntities(b, d.Entities.Persons); err != nil {
			return b, err
		}
	}
	if len(d.Entities.Organizations) > 0 {
		b = appendKey(b, &first, "organizations")
		if b, err = appendEntities(b, d.Entities.Organizations); err != nil {
			return b, err
		}
	}
	if len(d.Entities.Places) > 0 {
		b = appendKey(b, &first, "places")
		if b, err = appendPlaces(b, d.Entities.Places); err != nil {
			return b, err
		}
	}
	b = append(b, '}')
	if d.StoryID != "" {
		b = append(b, `,"story_id":`...)
		b = appendString(b, d.StoryID)
	}
	if d.DedupeRevision != 0 {
		b = append(b, `,"dedupe_revision":`...)
		b = strconv.AppendUint(b, d.DedupeRevision, 10)
	}
	if len(d.Metadata) > 0 {
		b = append(b, `,"metadata":`...)
		if b, err = appendAny(b, d.Metadata); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// encodedSizeHint is about the size of d's encoding: its text as it is,
// and a bound on the rest's for an ordinary number of entities.
func (d *Document) encodedSizeHint() int {
	entities := len(d.Entities.Persons) + len(d.Entities.Organizations) + len(d.Entities.Places)
	return len(d.Title) + len(d.Body) + len(d.URL) + 512 + 128*entities
}

func (c *Cleaning) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	b = appendIntField(b, &first, "escape_layers", c.EscapeLayers)
	b = appendIntField(b, &first, "mojibake_repairs", c.MojibakeRepairs)
	b = appendIntField(b, &first, "lost_letters", c.LostLetters)
	b = appendIntField(b, &first, "boilerplate_lines", c.BoilerplateLines)
	b = appendIntField(b, &first, "banners", c.Banners)
	b = appendIntField(b, &first, "control_chars", c.ControlChars)
	b = appendIntField(b, &first, "binary_bytes", c.BinaryBytes)
	b = appendTrueField(b, &first, "from_html", c.FromHTML)
	b = appendTrueField(b, &first, "title_from_body", c.TitleFromBody)
	b = appendTrueField(b, &first, "title_site_name", c.TitleSiteName)
	b = appendTrueField(b, &first, "date_from_body", c.DateFromBody)
	b = appendTrueField(b, &first, "truncated", c.Truncated)
	return append(b, '}')
}

func appendEntities(b []byte, es []Entity) ([]byte, error) {
	b = append(b, '[')
	for i := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		var err error
		if b, err = es[i].appendFields(b); err != nil {
			return b, err
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func appendPlaces(b []byte, ps []Place) ([]byte, error) {
	b = append(b, '[')
	for i := range ps {
		p := &ps[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		var err error
		if b, err = p.Entity.appendFields(b); err != nil {
			return b, err
		}
		if p.Location != nil {
			b = append(b, `,"location":`...)
			if b, err = appendFloatPair(b, "lat", p.Location.Lat, "lon", p.Location.Lon); err != nil {
				return b, err
			}
		}
		if p.Country != "" {
			b = append(b, `,"country":`...)
			b = appendString(b, p.Country)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendFields writes e's fields without the braces, so a Place can add
// its own after them as encoding/json flattens the embedded Entity.
func (e *Entity) appendFields(b []byte) ([]byte, error) {
	b = append(b, `"name":`...)
	b = appendString(b, e.Name)
	b = append(b, `,"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"mentions":`...)
	b = strconv.AppendInt(b, int64(e.Mentions), 10)
	b = append(b, `,"salience":`...)
	return appendFloat(b, e.Salience)
}

// appendKey writes an object's key, after a comma unless it is the
// object's first.
func appendKey(b []byte, first *bool, key string) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func appendStringField(b []byte, first *bool, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(appendKey(b, first, key), v)
}

func appendIntField(b []byte, first *bool, key string, v int) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(appendKey(b, first, key), int64(v), 10)
}

func appendTrueField(b []byte, first *bool, key string, v bool) []byte {
	if !v {
		return b
	}
	return append(appendKey(b, first, key), "true"...)
}

// appendTime writes t as time.Time's MarshalJSON does: RFC 3339 with
// nanoseconds, an error outside what RFC 3339 can write.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return b, err
	}
	return append(b, '"'), nil
}

// appendFloat writes f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21
// on.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, ErrUnsupportedValue
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendFloatPair writes an object of two numbers: a Similarity, a
// GeoPoint.
func appendFloatPair(b []byte, k1 string, v1 float64, k2 string, v2 float64) ([]byte, error) {
	first := true
	b = appendKey(append(b, '{'), &first, k1)
	b, err := appendFloat(b, v1)
	if err != nil {
		return b, err
	}
	b = appendKey(b, &first, k2)
	if b, err = appendFloat(b, v2); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendAny writes a free-form value with encoding/json, HTML escaping
// off like the rest of the document.
func appendAny(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string as encoding/json does with HTML
// escaping off: quotes, backslashes and control characters escaped,
// invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
