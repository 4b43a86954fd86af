package bleveindex

import (
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/pkg/schema"
)

// MappingVersion names the mapping below. It is stored in the index; an
// index built with another version is reported at Open so that an
// operator knows to rebuild it.
//
// Version 2 stores ingested_at (exact, RFC 3339 text) instead of indexing
// it and keeps the write-order times out of Bleve's internal store (see
// versions.go); it drops doc values from fields that are never sorted or
// faceted, the index from fields that are only displayed, and the empty
// "_all" composite field. Version 3 stores the dedupe revision beside
// ingested_at (versions.go). Version 4 stores the whole document but its
// body as JSON (FieldDocument, for the web UI's article page) and indexes
// each place's position as a facet key (FieldPlacePoint, for its map).
// Version 5 adds what search filters, sorts, collapses and draws on:
// timestamp (published, else ingested) and its day, story_id, the copy
// flag, word_count and repairs, and doc values on language (a facet).
// Version 6 keeps doc values on timestamp alone (the export's sort):
// search reads its facets, collapse key and days from the terms
// (internal/search/columns.go), never from doc values; and published_at
// is stored only (every filter and sort is on timestamp).
const MappingVersion = "6"

// Field names of the index, for queries, sorting and facets. Text fields
// use the English analyzer; the others are exact keywords unless noted.
const (
	FieldTitle       = "title"           // english, stored, term vectors
	FieldBody        = "body"            // english, stored, term vectors
	FieldURL         = "url"             // stored only
	FieldSourceName  = "source.name"     // keyword, stored, facet
	FieldSourceLower = "source.name_lc"  // lowercased keyword, for filters
	FieldDomain      = "source.domain"   // lowercased keyword, stored
	FieldLanguage    = "language"        // keyword, stored, facet
	FieldClusterID   = "cluster_id"      // keyword, stored; collapse key
	FieldDuplicateOf = "duplicate_of"    // stored only
	FieldPublishedAt = "published_at"    // stored only, RFC 3339
	FieldIngestedAt  = "ingested_at"     // stored only, RFC 3339 with nanoseconds; decides which version wins
	FieldRevision    = "dedupe_revision" // stored only, decimal; then decides which version wins
	FieldDocument    = "document"        // stored only: the schema.Document as JSON, without its body
	FieldTimestamp   = "timestamp"       // datetime: published_at, else ingested_at; stored, doc values (the export's sort), date filters
	FieldDay         = "day"             // keyword YYYY-MM-DD of timestamp (UTC): the date histogram
	FieldStoryID     = "story_id"        // keyword, stored, facet
	FieldCopy        = "copy"            // keyword "true" on a syndicated copy (duplicate_of set), absent otherwise
	FieldWordCount   = "word_count"      // stored only, decimal
	FieldRepairs     = "repairs"         // stored only, decimal: letters ingest found lost or mis-decoded

	FieldPersonName = "entities.persons.name" // keyword, stored, facet
	FieldPersonText = "entities.persons.name_text"
	FieldPersonID   = "entities.persons.id" // keyword, for filters
	FieldOrgName    = "entities.organizations.name"
	FieldOrgText    = "entities.organizations.name_text"
	FieldOrgID      = "entities.organizations.id"
	FieldPlaceName  = "entities.places.name"
	FieldPlaceText  = "entities.places.name_text" // standard analyzer, phrase-matchable
	FieldPlaceID    = "entities.places.id"
	FieldCountry    = "entities.places.country"
	// FieldPlacePoint is a keyword, one per place with a
	// location: "lat,lon|id|name" (see PlacePoint), so that a facet over
	// it gives the places of a search with their positions in one pass.
	FieldPlacePoint = "entities.places.point"
)

// allFields lists every field the mapping can create. BM25Stats needs an
// entry for each field a query may name, even one no document has yet.
var allFields = []string{
	FieldTitle, FieldBody, FieldURL, FieldSourceName, FieldSourceLower, FieldDomain, FieldLanguage,
	FieldClusterID, FieldDuplicateOf, FieldPublishedAt, FieldIngestedAt, FieldRevision,
	FieldTimestamp, FieldDay, FieldStoryID, FieldCopy, FieldWordCount, FieldRepairs,
	FieldPersonName, FieldPersonText, FieldPersonID, FieldOrgName, FieldOrgText, FieldOrgID,
	FieldPlaceName, FieldPlaceText, FieldPlaceID, FieldCountry, FieldDocument, FieldPlacePoint,
}

// EnglishAnalyzer is the analyzer of title and body; search uses it to
// find the query's terms in a stored body for snippets.
const EnglishAnalyzer = en.AnalyzerName

// lowerKeyword is a whole-value, lowercased keyword analyzer, for
// case-insensitive exact filters.
const lowerKeyword = "newsflow_keyword_lower"

func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	im.DefaultAnalyzer = en.AnalyzerName
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	if err := im.AddCustomAnalyzer(lowerKeyword, map[string]any{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}

	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = true
		f.IncludeTermVectors = true // phrase queries
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	// No doc values on keywords: search reads facets, the collapse key
	// and days from each segment's terms and postings (its columns,
	// internal/search/columns.go), and Bleve's own facets and sorts are
	// not used on them. Doc values are a column per field that every
	// segment builds and every merge rewrites, for nobody.
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	lower := func(name string) *mapping.FieldMapping {
		f := kw(false)
		f.Analyzer = lowerKeyword
		f.Name = name
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text())
	doc.AddFieldMappingsAt("body", text())
	doc.AddFieldMappingsAt("url", stored())
	doc.AddFieldMappingsAt("language", kw(true))
	doc.AddFieldMappingsAt("cluster_id", kw(true))
	doc.AddFieldMappingsAt("duplicate_of", stored())
	// Read back, never searched: a datetime field would index 16 prefix
	// terms of it and its doc values.
	doc.AddFieldMappingsAt("published_at", stored())
	// Date filters (its prefix terms), the exact times search reads (its
	// terms of full precision), and the export's sort: Bleve's sort reads
	// doc values, and without them uninverts the field's terms in every
	// segment it visits.
	timestamp := bleve.NewDateTimeFieldMapping()
	timestamp.Store = true
	timestamp.IncludeInAll = false
	timestamp.DocValues = true
	doc.AddFieldMappingsAt("timestamp", timestamp)
	doc.AddFieldMappingsAt("day", kw(false))
	doc.AddFieldMappingsAt("story_id", kw(true))
	doc.AddFieldMappingsAt("copy", kw(false))
	doc.AddFieldMappingsAt("word_count", stored())
	doc.AddFieldMappingsAt("repairs", stored())
	// Not indexed: a datetime field indexes a dozen prefix terms, and
	// nanosecond times are all distinct, so the term dictionary would
	// grow by about ten terms per document for a field nobody queries.
	doc.AddFieldMappingsAt("ingested_at", stored())
	doc.AddFieldMappingsAt("dedupe_revision", stored())
	doc.AddFieldMappingsAt("document", stored())

	source := bleve.NewDocumentStaticMapping()
	source.AddFieldMappingsAt("name", kw(true), lower("name_lc"))
	domain := lower("")
	domain.Store = true
	source.AddFieldMappingsAt("domain", domain)
	doc.AddSubDocumentMapping("source", source)

	entities := bleve.NewDocumentStaticMapping()
	for _, group := range []string{"persons", "organizations", "places"} {
		g := bleve.NewDocumentStaticMapping()
		nameText := bleve.NewTextFieldMapping()
		nameText.Name = "name_text"
		nameText.Analyzer = standard.Name
		nameText.IncludeTermVectors = true
		nameText.IncludeInAll = false
		nameText.DocValues = false
		g.AddFieldMappingsAt("name", kw(true), nameText)
		g.AddFieldMappingsAt("id", kw(false))
		if group == "places" {
			g.AddFieldMappingsAt("country", kw(false))
			g.AddFieldMappingsAt("point", kw(false))
		}
		entities.AddSubDocumentMapping(group, g)
	}
	doc.AddSubDocumentMapping("entities", entities)

	// No "_all" composite field: every field is excluded from it and
	// every query names its fields, yet building the empty composite
	// still walked every token of every document (6% of the CPU at
	// 100,000 documents).
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())

	im.DefaultMapping = doc
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// indexed is the shape of a document in the index: the searchable and
// displayable parts of a schema.Document, with entities flattened into
// parallel keyword arrays per type.
func indexed(d *schema.Document) map[string]any {
	ts := d.IngestedAt
	if d.PublishedAt != nil {
		ts = *d.PublishedAt
	}
	ts = ts.UTC()
	m := map[string]any{
		"title":       d.Title,
		"body":        d.Body,
		"ingested_at": d.IngestedAt.UTC().Format(time.RFC3339Nano),
		"timestamp":   ts.Format(time.RFC3339),
		"day":         ts.Format(time.DateOnly),
		"word_count":  strconv.Itoa(d.WordCount),
		"repairs":     strconv.Itoa(d.Cleaning.LostLetters + d.Cleaning.MojibakeRepairs),
		"source":      map[string]any{},
	}
	setStr := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	setStr(m, "url", d.URL)
	setStr(m, "language", d.Language)
	setStr(m, "cluster_id", d.ClusterID)
	setStr(m, "duplicate_of", d.DuplicateOf)
	setStr(m, "story_id", d.StoryID)
	if d.DuplicateOf != "" {
		m["copy"] = "true"
	}
	if d.DedupeRevision > 0 {
		m["dedupe_revision"] = strconv.FormatUint(d.DedupeRevision, 10)
	}
	if d.PublishedAt != nil {
		m["published_at"] = d.PublishedAt.UTC().Format(time.RFC3339)
	}
	src := m["source"].(map[string]any)
	setStr(src, "name", d.Source.Name)
	setStr(src, "domain", d.Source.Domain)

	group := func(es []schema.Entity) map[string]any {
		names := make([]any, 0, len(es))
		ids := make([]any, 0, len(es))
		for _, e := range es {
			names = append(names, e.Name)
			ids = append(ids, e.ID)
		}
		return map[string]any{"name": names, "id": ids}
	}
	places := make([]schema.Entity, 0, len(d.Entities.Places))
	countries := make([]any, 0, len(d.Entities.Places))
	points := make([]any, 0, len(d.Entities.Places))
	for _, p := range d.Entities.Places {
		places = append(places, p.Entity)
		if p.Country != "" {
			countries = append(countries, p.Country)
		}
		if p.Location != nil {
			points = append(points, PlacePoint{Lat: p.Location.Lat, Lon: p.Location.Lon, ID: p.ID, Name: p.Name}.String())
		}
	}
	pg := group(places)
	pg["country"] = countries
	pg["point"] = points
	m["document"] = storedDocument(d)
	m["entities"] = map[string]any{
		"persons":       group(d.Entities.Persons),
		"organizations": group(d.Entities.Organizations),
		"places":        pg,
	}
	return m
}
