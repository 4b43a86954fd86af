package bleveindex

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/newsflow/newsflow/pkg/schema"
)

// storedDocument is the JSON kept in FieldDocument: the whole document but
// its body, which FieldBody stores already.
func storedDocument(d *schema.Document) string {
	c := *d
	c.Body = ""
	js, err := json.Marshal(&c)
	if err != nil {
		// Only free-form metadata can fail to encode; keep the rest.
		c.Metadata = nil
		js, _ = json.Marshal(&c)
	}
	return string(js)
}

// Document returns the indexed document id with its body, or ErrNotFound.
// A document indexed before mapping version 4 has no stored JSON: it comes
// back with the fields the index stores (no entity ids, salience or
// cleaning record).
func (ix *Index) Document(ctx context.Context, id string) (*schema.Document, error) {
	docs, err := ix.Documents(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if docs[id] == nil {
		return nil, fmt.Errorf("%w: document %q", ErrNotFound, id)
	}
	return docs[id], nil
}

// documentFields are the stored fields a document is read from.
var documentFields = []string{FieldDocument, FieldBody, FieldTitle, FieldURL, FieldSourceName, FieldDomain,
	FieldLanguage, FieldPublishedAt, FieldIngestedAt, FieldClusterID, FieldDuplicateOf,
	FieldPersonName, FieldOrgName, FieldPlaceName}

// Documents returns the indexed documents among ids, as Document does,
// keyed by id; an id the index does not hold is absent.
func (ix *Index) Documents(ctx context.Context, ids []string) (map[string]*schema.Document, error) {
	out := make(map[string]*schema.Document, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = documentFields
	sr.Score = "none"
	res, err := ix.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("bleve read documents: %w", err)
	}
	for _, m := range res.Hits {
		d, err := fromStored(m.ID, m.Fields)
		if err != nil {
			return nil, err
		}
		out[m.ID] = d
	}
	return out, nil
}

func fromStored(id string, f map[string]any) (*schema.Document, error) {
	d := &schema.Document{ID: id}
	if js := storedString(f[FieldDocument]); js != "" {
		if err := json.Unmarshal([]byte(js), d); err != nil {
			return nil, fmt.Errorf("stored document %s: %w", id, err)
		}
	} else {
		d.Title = storedString(f[FieldTitle])
		d.URL = storedString(f[FieldURL])
		d.Source = schema.Source{Name: storedString(f[FieldSourceName]), Domain: storedString(f[FieldDomain])}
		d.Language = storedString(f[FieldLanguage])
		d.ClusterID = storedString(f[FieldClusterID])
		d.DuplicateOf = storedString(f[FieldDuplicateOf])
		if t, err := time.Parse(time.RFC3339, storedString(f[FieldPublishedAt])); err == nil {
			d.PublishedAt = &t
		}
		if t, err := time.Parse(time.RFC3339Nano, storedString(f[FieldIngestedAt])); err == nil {
			d.IngestedAt = t
		}
		for _, n := range storedStrings(f[FieldPersonName]) {
			d.Entities.Persons = append(d.Entities.Persons, schema.Entity{Name: n})
		}
		for _, n := range storedStrings(f[FieldOrgName]) {
			d.Entities.Organizations = append(d.Entities.Organizations, schema.Entity{Name: n})
		}
		for _, n := range storedStrings(f[FieldPlaceName]) {
			d.Entities.Places = append(d.Entities.Places, schema.Place{Entity: schema.Entity{Name: n}})
		}
	}
	d.Body = storedString(f[FieldBody])
	return d, nil
}

// PlacePoint is one value of FieldPlacePoint: a place and its position.
type PlacePoint struct {
	Lat, Lon float64
	ID, Name string
}

// String encodes p as it is indexed: "lat,lon|id|name".
func (p PlacePoint) String() string {
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon, 'f', -1, 64) + "|" + p.ID + "|" + p.Name
}

// ParsePlacePoint decodes a FieldPlacePoint value (a facet term).
func ParsePlacePoint(s string) (PlacePoint, error) {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 {
		return PlacePoint{}, fmt.Errorf("place point %q: want lat,lon|id|name", s)
	}
	lat, lon, ok := strings.Cut(parts[0], ",")
	if !ok {
		return PlacePoint{}, fmt.Errorf("place point %q: want lat,lon|id|name", s)
	}
	p := PlacePoint{ID: parts[1], Name: parts[2]}
	var err1, err2 error
	p.Lat, err1 = strconv.ParseFloat(lat, 64)
	p.Lon, err2 = strconv.ParseFloat(lon, 64)
	if err1 != nil || err2 != nil {
		return PlacePoint{}, fmt.Errorf("place point %q: bad coordinates", s)
	}
	return p, nil
}

func storedString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return storedString(x[0])
		}
	}
	return ""
}

func storedStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
