package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// ErrTooLarge means an encoded article exceeds MaxArticleBytes.
var ErrTooLarge = errors.New("article too large")

// ErrNotUTF8 means the payload is not valid UTF-8, so it cannot be JSON.
var ErrNotUTF8 = errors.New("payload is not valid UTF-8")

// ErrInvalidJSON means the payload is not a single JSON object.
var ErrInvalidJSON = errors.New("invalid JSON")

// ErrUnsupportedVersion means schema_version names a version this build
// does not understand.
var ErrUnsupportedVersion = errors.New("unsupported schema_version")

// ErrInvalid means the article decoded but breaks the contract; the
// wrapped message says which fields and why.
var ErrInvalid = errors.New("invalid article")

// DecodeRaw parses and validates a scraper's article. Every error wraps one
// of the sentinel errors above, so callers can classify it with errors.Is.
//
// A member that is not a field of the article (a scraper's own "id", say)
// is kept in Metadata under its name rather than dropped; one that
// Metadata names as well is refused, as a field given twice is. An "id"
// that is an absolute http(s) URL is also the article's URL when the
// article gives none (urlFromID).
func DecodeRaw(data []byte) (*RawArticle, error) {
	var in rawWithOthers
	if err := decodeObject(data, &in); err != nil {
		return nil, err
	}
	a := in.RawArticle
	if err := keepOthers(&a, in.Others); err != nil {
		return nil, err
	}
	urlFromID(&a)
	if a.SchemaVersion == 0 {
		a.SchemaVersion = Version
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// rawWithOthers is a RawArticle and the members that are none of its
// fields.
type rawWithOthers struct {
	RawArticle
	Others map[string]jsontext.Value `json:",embed"`
}

// keepOthers moves the members that are not article fields into
// a.Metadata, decoded as Metadata's own values are.
func keepOthers(a *RawArticle, others map[string]jsontext.Value) error {
	if len(others) == 0 {
		return nil
	}
	if a.Metadata == nil {
		a.Metadata = make(map[string]any, len(others))
	}
	for name, raw := range others {
		if _, ok := a.Metadata[name]; ok {
			return fmt.Errorf("%w: field %q is given both as an article field and in metadata", ErrInvalidJSON, name)
		}
		var v any
		if err := json.Unmarshal(raw, &v, decodeOptions); err != nil {
			return decodeError(err)
		}
		a.Metadata[name] = v
	}
	return nil
}

// urlFromID makes a scraper's "id" member the article's URL when it is an
// absolute http(s) URL and the article has no url: scrapers and data sets
// that name an article by its address (the stories evaluation's Wikinews
// file, GDELT's DocumentIdentifier) then get what a url gives, the stable
// id, the source domain, and the day the address states (the stories
// stage's URL days). Any other id stays metadata only.
func urlFromID(a *RawArticle) {
	id, ok := a.Metadata["id"].(string)
	if a.URL != "" || !ok || CanonicalURL(id) == "" {
		return
	}
	a.URL = strings.TrimSpace(id)
}

// DecodeDocument parses and validates a document between stages.
func DecodeDocument(data []byte) (*Document, error) {
	var d Document
	if err := decodeObject(data, &d); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

func decodeObject(data []byte, v any) error {
	if len(data) > MaxArticleBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxArticleBytes)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: invalid byte at offset %d", ErrNotUTF8, firstInvalidUTF8(data))
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidJSON)
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("%w: expected a JSON object, got %q", ErrInvalidJSON, preview(trimmed))
	}
	if err := json.Unmarshal(trimmed, v, decodeOptions); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeOptions make the decoder match field names as encoding/json does
// (case-insensitively, "Title" for "title", but "published-at" is not
// "published_at"), so scrapers written against encoding/json keep
// working. Unlike encoding/json it rejects duplicate names, which would
// make an article mean different things to different parsers.
var decodeOptions = json.JoinOptions(json.MatchCaseInsensitiveNames(true), jsonv1.MatchCaseSensitiveDelimiter(true))

// decodeError turns a decoder error into an ErrInvalidJSON that names the
// field and the offset.
func decodeError(err error) error {
	var semErr *json.SemanticError
	if errors.As(err, &semErr) {
		field := fieldName(semErr.JSONPointer)
		if semErr.GoType != nil && semErr.JSONKind != 0 {
			return fmt.Errorf("%w: field %q: got a JSON %s, want %s", ErrInvalidJSON, field, kindName(semErr.JSONKind), semErr.GoType)
		}
		return fmt.Errorf("%w: field %q: %v", ErrInvalidJSON, field, semErr.Err)
	}
	var synErr *jsontext.SyntacticError
	if errors.As(err, &synErr) {
		if errors.Is(err, jsontext.ErrDuplicateName) {
			return fmt.Errorf("%w: field %q appears twice", ErrInvalidJSON, fieldName(synErr.JSONPointer))
		}
		if strings.Contains(synErr.Err.Error(), "after top-level value") {
			return fmt.Errorf("%w: trailing data after the object at offset %d", ErrInvalidJSON, synErr.ByteOffset)
		}
		return fmt.Errorf("%w: at offset %d: %v", ErrInvalidJSON, synErr.ByteOffset, synErr.Err)
	}
	return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
}

// fieldName writes a JSON pointer ("/source/name") as a dotted field path
// ("source.name").
func fieldName(p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		parts = append(parts, tok)
	}
	return strings.Join(parts, ".")
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return k.String()
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

func preview(b []byte) string {
	const n = 24
	s := string(b)
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// DecodeStory parses and validates a story snapshot.
func DecodeStory(data []byte) (*Story, error) {
	var s Story
	if err := decodeObject(data, &s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}
