// Package esindex is newsflow's index layout in Elasticsearch: the index
// template, the shape of an indexed article, which index an article goes
// to, and the administrative calls that install the template, create
// indices and move the read alias.
//
// Articles live in monthly indices named PREFIX-YYYY.MM (PREFIX is
// "newsflow-articles" by default), chosen from published_at and falling
// back to ingested_at. Readers use the alias "newsflow-articles", which the
// writer attaches to every index it creates. A replay writes a new
// generation of indices under another prefix, invisible to readers until
// SwapAlias moves the alias onto it in one atomic _aliases call.
//
// Stories live in one index, "newsflow-stories": one document per story,
// its latest snapshot (see story.go).
//
// template.json (articles) and stories_template.json in this directory are
// the canonical templates; the copies in deploy/elasticsearch/ are checked
// identical by a test.
package esindex

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

//go:embed template.json
var templateJSON []byte

//go:embed stories_template.json
var storiesTemplateJSON []byte

// Names of the layout.
const (
	// TemplateName is the name of the composable index template.
	TemplateName = "newsflow-articles"
	// Alias is the read alias over every live index.
	Alias = "newsflow-articles"
	// DefaultPrefix starts the name of every live index: PREFIX-YYYY.MM.
	DefaultPrefix = "newsflow-articles"
	// PatternPrefix is what every index name must start with for the
	// template to apply to it.
	PatternPrefix = "newsflow-articles-"
	// StoriesTemplateName names the story index template.
	StoriesTemplateName = "newsflow-stories"
	// DefaultStoryIndex is the story index: one document per story.
	DefaultStoryIndex = "newsflow-stories"
)

// ErrBadPrefix means an index prefix would produce indices the template
// does not cover, or names Elasticsearch rejects.
var ErrBadPrefix = errors.New("bad index prefix")

// IndexTemplate is one of newsflow's composable index templates.
type IndexTemplate struct {
	// Name is the template's name: PUT _index_template/{Name}.
	Name string
	body []byte
}

// Articles is the template of the article indices (template.json).
var Articles = IndexTemplate{Name: TemplateName, body: templateJSON}

// Stories is the template of the story index (stories_template.json).
var Stories = IndexTemplate{Name: StoriesTemplateName, body: storiesTemplateJSON}

// Templates are every template the indexer installs, in order.
func Templates() []IndexTemplate { return []IndexTemplate{Articles, Stories} }

// Body returns the template as installed by PUT _index_template/{Name}.
func (t IndexTemplate) Body() []byte { return bytes.Clone(t.body) }

// Version returns the template's "version". Install never replaces a
// template whose version is equal or newer.
func (t IndexTemplate) Version() int64 {
	var v struct {
		Version int64 `json:"version"`
	}
	if err := json.Unmarshal(t.body, &v); err != nil {
		panic("esindex: embedded template " + t.Name + " is not JSON: " + err.Error())
	}
	return v.Version
}

var prefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// CheckPrefix reports whether prefix yields index names the template
// applies to: DefaultPrefix itself, or a name starting with PatternPrefix.
func CheckPrefix(prefix string) error {
	if !prefixRE.MatchString(prefix) {
		return fmt.Errorf("%w: %q: want lowercase letters, digits, '.', '_' or '-'", ErrBadPrefix, prefix)
	}
	if prefix != DefaultPrefix && (len(prefix) <= len(PatternPrefix) || prefix[:len(PatternPrefix)] != PatternPrefix) {
		return fmt.Errorf("%w: %q: must be %q or start with %q so the index template applies", ErrBadPrefix, prefix, DefaultPrefix, PatternPrefix)
	}
	return nil
}

// futureSlack is how far published_at may lie after ingested_at before it
// is treated as wrong: time zones and embargoes explain a day, not more.
const futureSlack = 48 * time.Hour

// Timestamp is the time an article is filed under: published_at, or
// ingested_at when published_at is missing, before 1970 or more than two
// days after ingestion (a mis-parsed date must not create an index for a
// month that has not happened yet).
func Timestamp(doc *schema.Document) time.Time {
	if p := doc.PublishedAt; p != nil && !p.IsZero() && p.Year() >= 1970 &&
		!p.After(doc.IngestedAt.Add(futureSlack)) {
		return p.UTC()
	}
	return doc.IngestedAt.UTC()
}

// IndexName returns the monthly index an article belongs to under prefix.
func IndexName(prefix string, doc *schema.Document) string {
	return prefix + "-" + Timestamp(doc).Format("2006.01")
}
