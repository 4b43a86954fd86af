package webui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/newsflow/newsflow/internal/bleveindex"
	"github.com/newsflow/newsflow/internal/search"
	"github.com/newsflow/newsflow/pkg/schema"
)

// ExportLimit bounds the documents one export writes.
const ExportLimit = 10_000

// exportPage is how many documents an export reads per search.
const exportPage = 500

// csvHeader names the export's CSV columns; entity columns join names with
// "; ".
var csvHeader = []string{"id", "title", "source", "domain", "url", "published_at", "language",
	"cluster_id", "duplicate_of", "story_id", "word_count", "persons", "organizations", "places"}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	var cw *csv.Writer
	s.export(w, r, "text/csv; charset=utf-8", "csv", func(d *schema.Document) error {
		if cw == nil {
			cw = csv.NewWriter(w)
			if err := cw.Write(csvHeader); err != nil {
				return err
			}
		}
		published := ""
		if d.PublishedAt != nil {
			published = d.PublishedAt.UTC().Format(time.RFC3339)
		}
		names := func(es []schema.Entity) string {
			n := make([]string, len(es))
			for i, e := range es {
				n[i] = e.Name
			}
			return strings.Join(n, "; ")
		}
		places := make([]schema.Entity, len(d.Entities.Places))
		for i, p := range d.Entities.Places {
			places[i] = p.Entity
		}
		err := cw.Write([]string{d.ID, d.Title, d.Source.Name, d.Source.Domain, d.URL, published, d.Language,
			d.ClusterID, d.DuplicateOf, d.StoryID, strconv.Itoa(d.WordCount),
			names(d.Entities.Persons), names(d.Entities.Organizations), names(places)})
		cw.Flush()
		return errors.Join(err, cw.Error())
	}, func() error {
		if cw == nil { // no document: the header alone
			cw = csv.NewWriter(w)
			_ = cw.Write(csvHeader)
		}
		cw.Flush()
		return cw.Error()
	})
}

func (s *Server) exportJSONL(w http.ResponseWriter, r *http.Request) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	s.export(w, r, "application/x-ndjson; charset=utf-8", "jsonl", func(d *schema.Document) error {
		return enc.Encode(d)
	}, func() error { return nil })
}

// export writes the documents of the search in r's parameters, in the
// search's order (relevance, or newest first without query words), one
// document per syndication cluster (the original) unless
// include_duplicates is set, up to
// ExportLimit. A bad request gets 400 before anything is written; an
// error after the first document can only end the download early.
func (s *Server) export(w http.ResponseWriter, r *http.Request, contentType, ext string,
	write func(*schema.Document) error, finish func() error) {
	securityHeaders(w)
	req, err := search.ParseRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="newsflow-search.%s"`, ext))
	w.Header().Set("Cache-Control", "no-store")
	err = s.eachMatch(r.Context(), search.BleveQuery(s.opts.Index, req), req, func(d *schema.Document) error { return write(d) })
	if err == nil {
		err = finish()
	}
	if err != nil && r.Context().Err() == nil {
		s.opts.Log.Sugar().Errorw("export ended early", "error", err)
	}
}

// eachMatch calls fn with every document q matches, in the search's order
// (score, then newest first: a search without words scores every match
// alike), one per syndication cluster unless req includes duplicates (its
// original, where its best-ranked member ranks), up to ExportLimit.
func (s *Server) eachMatch(ctx context.Context, q query.Query, req search.Request, fn func(*schema.Document) error) error {
	st, err := s.opts.Index.BM25Stats()
	if err != nil {
		return err
	}
	written := 0
	seen := map[string]bool{}
	for from := 0; written < ExportLimit; from += exportPage {
		sr := bleve.NewSearchRequestOptions(q, exportPage, from, false)
		sr.SortByCustom(bsearch.SortOrder{
			&bsearch.SortScore{Desc: true},
			&bsearch.SortField{Field: bleveindex.FieldTimestamp, Desc: true, Type: bsearch.SortFieldAsDate, Missing: bsearch.SortFieldMissingLast},
			&bsearch.SortDocID{},
		})
		if st != nil {
			sr.PreSearchData = map[string]any{bsearch.BM25PreSearchDataKey: st}
		}
		res, err := s.opts.Index.Bleve().SearchInContext(ctx, sr)
		if err != nil {
			return fmt.Errorf("export search: %w", err)
		}
		ids := make([]string, len(res.Hits))
		for i, m := range res.Hits {
			ids[i] = m.ID
		}
		docs, err := s.opts.Index.Documents(ctx, ids)
		if err != nil {
			return err
		}
		if !req.IncludeDuplicates {
			// One per cluster, written as its original, where the first
			// of its members ranks.
			var reps, missing []string
			member := map[string]*schema.Document{}
			for _, id := range ids {
				d := docs[id]
				if d == nil {
					continue
				}
				rep := d.ClusterID
				if rep == "" {
					rep = d.ID
				}
				if seen[rep] {
					continue
				}
				seen[rep] = true
				reps = append(reps, rep)
				member[rep] = d
				if docs[rep] == nil {
					missing = append(missing, rep)
				}
			}
			originals, err := s.opts.Index.Documents(ctx, missing)
			if err != nil {
				return err
			}
			for _, rep := range missing {
				if originals[rep] != nil {
					docs[rep] = originals[rep]
				} else {
					docs[rep] = member[rep] // the original is not indexed: the copy stands in
				}
			}
			ids = reps
		}
		for _, id := range ids {
			d := docs[id]
			if d == nil {
				continue // deleted since the search
			}
			if err := fn(d); err != nil {
				return err
			}
			if written++; written == ExportLimit {
				return nil
			}
		}
		if len(res.Hits) < exportPage {
			return nil
		}
	}
	return nil
}
