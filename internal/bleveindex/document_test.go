package bleveindex_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	index "github.com/blevesearch/bleve_index_api"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/pkg/schema"
)

func TestDocumentRoundTripsWithBody(t *testing.T) {
	ix := open(t, filepath.Join(t.TempDir(), "ix"))
	defer ix.Close()
	ctx := context.Background()
	in := doc("a1", "Ada in London", "Ada Lovelace spoke in London.\n\nSecond paragraph.", t0)
	in.Cleaning = schema.Cleaning{MojibakeRepairs: 2, BoilerplateLines: 3}
	in.StoryID = "story-1"
	in.Entities.Places[0].Location = &schema.GeoPoint{Lat: 51.5072, Lon: -0.1276}
	if err := ix.Index(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Document(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != in.Body || got.Cleaning != in.Cleaning || got.StoryID != "story-1" ||
		!reflect.DeepEqual(got.Entities, in.Entities) || !got.IngestedAt.Equal(in.IngestedAt) {
		t.Fatalf("Document(a1) = %+v\nwant %+v", got, in)
	}
	if _, err := ix.Document(ctx, "missing"); !errors.Is(err, bleveindex.ErrNotFound) {
		t.Fatalf("Document(missing) = %v, want ErrNotFound", err)
	}
}

func TestPlacePointFacetGivesPositions(t *testing.T) {
	ix := open(t, filepath.Join(t.TempDir(), "ix"))
	defer ix.Close()
	ctx := context.Background()
	for _, id := range []string{"a1", "a2"} {
		d := doc(id, "Ada", "Ada Lovelace in London.", t0)
		d.Entities.Places[0].Location = &schema.GeoPoint{Lat: 51.5072, Lon: -0.1276}
		if err := ix.Index(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	d := doc("a3", "Nowhere", "No position for this place.", t0) // London without a location
	if err := ix.Index(ctx, d); err != nil {
		t.Fatal(err)
	}
	// Search counts the point facet from the field's terms and postings
	// (internal/search/columns.go), as this dictionary does.
	dict, err := ix.Bleve().FieldDict(bleveindex.FieldPlacePoint)
	if err != nil {
		t.Fatal(err)
	}
	var terms []*index.DictEntry
	for {
		e, err := dict.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		terms = append(terms, e)
	}
	if err := dict.Close(); err != nil {
		t.Fatal(err)
	}
	if len(terms) != 1 || terms[0].Count != 2 {
		t.Fatalf("point terms = %+v, want one term in two documents", terms)
	}
	p, err := bleveindex.ParsePlacePoint(terms[0].Term)
	if err != nil {
		t.Fatal(err)
	}
	if want := (bleveindex.PlacePoint{Lat: 51.5072, Lon: -0.1276, ID: "Q84", Name: "London"}); p != want {
		t.Fatalf("ParsePlacePoint = %+v, want %+v", p, want)
	}
	if _, err := bleveindex.ParsePlacePoint("51.5|Q84"); err == nil {
		t.Fatal("ParsePlacePoint accepted a value without a name")
	}
}
