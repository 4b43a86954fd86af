// Package schema is the article contract of newsflow.
//
// Two shapes travel through the pipeline. A RawArticle is what scrapers
// publish on articles.raw: loose, possibly dirty, text or HTML. A Document is
// what ingest produces and every later stage enriches: clean text, a stable
// id, and the fields the search index holds. Both are versioned JSON; this
// build understands schema_version 1.
package schema

import (
	"time"
)

// Version is the schema version this package reads and writes.
const Version = 1

// MaxArticleBytes is the largest encoded article the pipeline accepts. It
// bounds the work any stage does for one message and stays well under the
// NATS default max payload once headers are added.
const MaxArticleBytes = 4 << 20

// RawArticle is what a scraper sends. Text or HTML is required; everything
// else is optional and is filled in by ingest where it can be inferred.
type RawArticle struct {
	// SchemaVersion is 1. Zero (absent) is read as 1 so that simple
	// scrapers need not send it; any other value is rejected.
	SchemaVersion int `json:"schema_version,omitempty"`
	// URL is the canonical address of the article, when known.
	URL string `json:"url,omitempty"`
	// Source is the publication's name, e.g. "BBC News".
	Source string `json:"source,omitempty"`
	// Title is the headline, when the scraper has it separately.
	Title string `json:"title,omitempty"`
	// Text is the article as plain text, possibly with escape residue.
	Text string `json:"text,omitempty"`
	// HTML is the article page, used when Text is empty.
	HTML string `json:"html,omitempty"`
	// PublishedAt is the publication time in any common format.
	PublishedAt string `json:"published_at,omitempty"`
	// ContentType is the HTTP Content-Type the page was served with.
	ContentType string `json:"content_type,omitempty"`
	// Charset is the page's declared character set, for HTML.
	Charset string `json:"charset,omitempty"`
	// Language is an ISO 639-1 code, when the scraper knows it.
	Language string `json:"language,omitempty"`
	// Metadata is free-form data kept alongside the article.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Document is a cleaned article as it travels from ingest to the index.
type Document struct {
	SchemaVersion int    `json:"schema_version"`
	ID            string `json:"id"`
	URL           string `json:"url,omitempty"`
	Source        Source `json:"source"`
	Title         string `json:"title"`
	// Body holds paragraphs separated by one blank line.
	Body        string     `json:"body"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	IngestedAt  time.Time  `json:"ingested_at"`
	// Language is an ISO 639-1 code, or empty when unknown.
	Language  string   `json:"language,omitempty"`
	WordCount int      `json:"word_count"`
	Cleaning  Cleaning `json:"cleaning"`
	// DuplicateOf is the id of the canonical article this one copies.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// ClusterID is the canonical article's id on every member of a
	// syndication group, the canonical included.
	ClusterID  string      `json:"cluster_id,omitempty"`
	Similarity *Similarity `json:"similarity,omitempty"`
	Entities   Entities    `json:"entities"`
	// StoryID is the story (the real-world event, across outlets) the
	// stories stage put this article in; a copy shares its canonical's.
	StoryID string `json:"story_id,omitempty"`
	// DedupeRevision is the revision of the article's dedupe decision
	// (the KV revision dedupe stored it at), which grows whenever the
	// article's cluster changes; 0 before dedupe. Only dedupe sets it:
	// ingest builds documents from raw articles, which have no such field,
	// and a scraper's metadata.dedupe_revision is just metadata. Version
	// orders by it.
	DedupeRevision uint64         `json:"dedupe_revision,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
}

// Source names where an article was published.
type Source struct {
	Name   string `json:"name,omitempty"`
	Domain string `json:"domain,omitempty"`
}

// Cleaning records what ingest did to the text, so analysts and later
// stages can tell a repaired article from a pristine one.
type Cleaning struct {
	// EscapeLayers counts the rounds of JSON and HTML unescaping applied.
	EscapeLayers int `json:"escape_layers,omitempty"`
	// MojibakeRepairs counts spans re-decoded from mis-read UTF-8.
	MojibakeRepairs int `json:"mojibake_repairs,omitempty"`
	// LostLetters counts letters lost to '?' by a bad re-encoding
	// (Çavu?o?lu); enrich uses it to resolve names.
	LostLetters int `json:"lost_letters,omitempty"`
	// BoilerplateLines counts site-furniture lines removed.
	BoilerplateLines int `json:"boilerplate_lines,omitempty"`
	// Banners counts notices removed, such as "This is a developing story".
	Banners int `json:"banners,omitempty"`
	// ControlChars counts control, zero-width and odd space characters
	// removed or normalised.
	ControlChars int `json:"control_chars,omitempty"`
	// BinaryBytes counts bytes of binary data (a compressed stream or an
	// image read as text) cut from the text.
	BinaryBytes int `json:"binary_bytes,omitempty"`
	// FromHTML is true when the body was extracted from an HTML page.
	FromHTML bool `json:"from_html,omitempty"`
	// TitleFromBody is true when the title was taken from the first line.
	TitleFromBody bool `json:"title_from_body,omitempty"`
	// TitleSiteName is true when the outlet's name was cut from the
	// start or the end of the title ("… - WFSB 3 Connecticut").
	TitleSiteName bool `json:"title_site_name,omitempty"`
	// DateFromBody is true when published_at was taken from the text.
	DateFromBody bool `json:"date_from_body,omitempty"`
	// Truncated is true when the body was cut to the size limit.
	Truncated bool `json:"truncated,omitempty"`
}

// Similarity describes how much of a copy is found in its canonical.
type Similarity struct {
	// Containment is shared shingles over the smaller side's shingles.
	Containment float64 `json:"containment"`
	// Jaccard is shared shingles over the union.
	Jaccard float64 `json:"jaccard"`
}

// Entities are the people, organisations and places an article mentions.
type Entities struct {
	Persons       []Entity `json:"persons,omitempty"`
	Organizations []Entity `json:"organizations,omitempty"`
	Places        []Place  `json:"places,omitempty"`
}

// Entity is one canonical person or organisation.
type Entity struct {
	// Name is the canonical display name.
	Name string `json:"name"`
	// ID is a Wikidata QID ("Q123"), a GeoNames id ("geonames:123") or a
	// stable local id ("local:person:sergei-lavrov").
	ID       string  `json:"id"`
	Mentions int     `json:"mentions"`
	Salience float64 `json:"salience"`
}

// Place is an Entity with a position on the map.
type Place struct {
	Entity
	Location *GeoPoint `json:"location,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code.
	Country string `json:"country,omitempty"`
}

// GeoPoint is a WGS84 coordinate.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Story is a group of reports of one real-world event across outlets, as
// the stories stage publishes it (a snapshot, whenever the story changes)
// and the indexer stores it in the story index.
type Story struct {
	SchemaVersion int    `json:"schema_version"`
	ID            string `json:"id"`
	// Title is the representative article's title.
	Title string `json:"title"`
	// RepresentativeID is the story's earliest full original article
	// (never a copy).
	RepresentativeID string    `json:"representative_id"`
	FirstSeen        time.Time `json:"first_seen"`
	LastSeen         time.Time `json:"last_seen"`
	// ArticleCount counts every member, copies included.
	ArticleCount int `json:"article_count"`
	// OutletCount counts distinct sources: a copy counts for its outlet
	// but not as new reporting.
	OutletCount int      `json:"outlet_count"`
	Sources     []string `json:"sources,omitempty"`
	Languages   []string `json:"languages,omitempty"`
	// Persons, Organizations and Places are the story's top entities by
	// summed salience; places keep their coordinates.
	Persons       []Entity `json:"persons,omitempty"`
	Organizations []Entity `json:"organizations,omitempty"`
	Places        []Place  `json:"places,omitempty"`
	// MergedInto is the surviving story's id when this one was merged.
	MergedInto string `json:"merged_into,omitempty"`
	// Revision grows with every snapshot of the story: the index keeps
	// the highest, so a late snapshot never overwrites a newer one.
	Revision uint64 `json:"revision"`
}
