package esindex

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Article is the document stored in Elasticsearch for one schema.Document.
// Entities are flattened into top-level keyword arrays (names and ids per
// type) and a top-level geo_point array, because Kibana filters, facets and
// Maps work on plain fields and cannot draw geo_points inside nested
// objects. The full entity records (mentions, salience, per-place
// location) are kept, unindexed, under "entities" so a reader can
// reconstruct the Document.
type Article struct {
	Timestamp       time.Time          `json:"@timestamp"`
	ID              string             `json:"id"`
	URL             string             `json:"url,omitempty"`
	Title           string             `json:"title"`
	Body            string             `json:"body"`
	PublishedAt     *time.Time         `json:"published_at,omitempty"`
	IngestedAt      time.Time          `json:"ingested_at"`
	Language        string             `json:"language,omitempty"`
	WordCount       int                `json:"word_count"`
	Source          schema.Source      `json:"source"`
	ClusterID       string             `json:"cluster_id,omitempty"`
	DuplicateOf     string             `json:"duplicate_of,omitempty"`
	IsDuplicate     bool               `json:"is_duplicate"`
	StoryID         string             `json:"story_id,omitempty"`
	Similarity      *schema.Similarity `json:"similarity,omitempty"`
	Persons         []string           `json:"persons,omitempty"`
	PersonIDs       []string           `json:"person_ids,omitempty"`
	Organizations   []string           `json:"organizations,omitempty"`
	OrganizationIDs []string           `json:"organization_ids,omitempty"`
	Places          []string           `json:"places,omitempty"`
	PlaceIDs        []string           `json:"place_ids,omitempty"`
	PlaceCountries  []string           `json:"place_countries,omitempty"`
	PlaceLocations  []schema.GeoPoint  `json:"place_locations,omitempty"`
	Entities        schema.Entities    `json:"entities"`
	Cleaning        schema.Cleaning    `json:"cleaning"`
	Metadata        map[string]any     `json:"metadata,omitempty"`
	SchemaVersion   int                `json:"schema_version"`
}

// NewArticle flattens a document into its indexed form. Entity names and
// ids keep the enricher's order (most salient first) without repeats.
func NewArticle(doc *schema.Document) *Article {
	a := &Article{
		Timestamp:     Timestamp(doc),
		ID:            doc.ID,
		URL:           doc.URL,
		Title:         doc.Title,
		Body:          doc.Body,
		PublishedAt:   doc.PublishedAt,
		IngestedAt:    doc.IngestedAt,
		Language:      doc.Language,
		WordCount:     doc.WordCount,
		Source:        doc.Source,
		ClusterID:     doc.ClusterID,
		DuplicateOf:   doc.DuplicateOf,
		IsDuplicate:   doc.DuplicateOf != "",
		StoryID:       doc.StoryID,
		Similarity:    doc.Similarity,
		Entities:      doc.Entities,
		Cleaning:      doc.Cleaning,
		Metadata:      doc.Metadata,
		SchemaVersion: doc.SchemaVersion,
	}
	if a.ClusterID == "" {
		// Every article is in a cluster, alone if need be, so that
		// collapsing on cluster_id never merges unrelated articles that
		// merely lack the field.
		a.ClusterID = doc.ID
	}
	a.Persons, a.PersonIDs = namesAndIDs(doc.Entities.Persons)
	a.Organizations, a.OrganizationIDs = namesAndIDs(doc.Entities.Organizations)
	seenCountry := map[string]bool{}
	seenLoc := map[schema.GeoPoint]bool{}
	places := make([]schema.Entity, 0, len(doc.Entities.Places))
	for _, p := range doc.Entities.Places {
		places = append(places, p.Entity)
		if p.Country != "" && !seenCountry[p.Country] {
			seenCountry[p.Country] = true
			a.PlaceCountries = append(a.PlaceCountries, p.Country)
		}
		if p.Location != nil && !seenLoc[*p.Location] {
			seenLoc[*p.Location] = true
			a.PlaceLocations = append(a.PlaceLocations, *p.Location)
		}
	}
	a.Places, a.PlaceIDs = namesAndIDs(places)
	return a
}

func namesAndIDs(es []schema.Entity) (names, ids []string) {
	seenName := map[string]bool{}
	seenID := map[string]bool{}
	for _, e := range es {
		if e.Name != "" && !seenName[e.Name] {
			seenName[e.Name] = true
			names = append(names, e.Name)
		}
		if e.ID != "" && !seenID[e.ID] {
			seenID[e.ID] = true
			ids = append(ids, e.ID)
		}
	}
	return names, ids
}

// Encode returns the JSON source of a document's indexed form.
func Encode(doc *schema.Document) ([]byte, error) {
	b, err := json.Marshal(NewArticle(doc))
	if err != nil {
		return nil, fmt.Errorf("encode article %s: %w", doc.ID, err)
	}
	return b, nil
}

// Document rebuilds a schema.Document from an indexed article's source.
func Document(source []byte) (*schema.Document, error) {
	var a Article
	if err := json.Unmarshal(source, &a); err != nil {
		return nil, fmt.Errorf("decode article: %w", err)
	}
	return &schema.Document{
		SchemaVersion: a.SchemaVersion,
		ID:            a.ID,
		URL:           a.URL,
		Source:        a.Source,
		Title:         a.Title,
		Body:          a.Body,
		PublishedAt:   a.PublishedAt,
		IngestedAt:    a.IngestedAt,
		Language:      a.Language,
		WordCount:     a.WordCount,
		Cleaning:      a.Cleaning,
		DuplicateOf:   a.DuplicateOf,
		ClusterID:     a.ClusterID,
		Similarity:    a.Similarity,
		Entities:      a.Entities,
		StoryID:       a.StoryID,
		Metadata:      a.Metadata,
	}, nil
}
