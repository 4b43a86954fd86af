package bleveindex

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/newsflow/newsflow/pkg/schema"
)

// The ingested_at of every indexed document decides whether a new version
// replaces it. Mapping version 1 kept those times as one internal key per
// document. Scorch keeps the internal store as a map in every index
// snapshot: each batch and each merge copies the whole map into its new
// snapshot, and each persisted snapshot writes every key again to the
// bolt root file. With one key per document, the cost of a batch grew
// with the size of the index; at 100,000 documents the index spent most
// of its time copying and rewriting that map.
//
// Since mapping version 2 the time is a stored field of the document
// itself (exact to the nanosecond, as RFC 3339 text), replaced in the same
// batch as the rest of the document. The writer reads the stored times of
// a batch's ids with one search per batch. An index built with version 1
// keeps the internal keys (reading and writing them), so that it stays
// correct until it is rebuilt.

//
// Since mapping version 3 the dedupe revision (the document's
// dedupe_revision) is stored too: a dedupe merge re-sends an article with
// the same ingested_at and a corrected cluster, and may overtake the
// article's first decision on its way through enrich. Versions are
// compared by schema.VersionOf over the two, the rule Elasticsearch and
// the export follow, so the merge is kept whichever arrives last.
// Documents written by version 2 have no stored revision and count as
// revision 0.

// version is a document's schema.VersionOf, with the ingest time it was
// computed from (version 1 indexes store that time).
type version struct {
	ingestedAt time.Time
	order      int64
}

func versionOf(doc *schema.Document) version {
	return version{ingestedAt: doc.IngestedAt, order: doc.Version()}
}

func versionAt(ingestedAt time.Time, dedupeRevision uint64) version {
	return version{ingestedAt: ingestedAt, order: schema.VersionOf(ingestedAt, dedupeRevision)}
}

// before reports whether v is older than w.
func (v version) before(w version) bool { return v.order < w.order }

// indexedVersions returns the versions of the documents the index holds
// among the ids of batch; an id it does not hold is absent.
func (ix *Index) indexedVersions(batch map[string]*request) (map[string]version, error) {
	out := make(map[string]version, len(batch))
	if ix.legacyVersions {
		for id := range batch {
			cur, err := ix.idx.GetInternal([]byte(internalIngestedPfx + id))
			if err != nil {
				return nil, fmt.Errorf("read ingested_at of %s: %w", id, err)
			}
			if len(cur) == 8 {
				out[id] = versionAt(time.Unix(0, int64(binary.BigEndian.Uint64(cur))), 0)
			}
		}
		return out, nil
	}
	ids := make([]string, 0, len(batch))
	for id := range batch {
		ids = append(ids, id)
	}
	sr := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = []string{FieldIngestedAt, FieldRevision}
	sr.Score = "none"
	res, err := ix.idx.Search(sr)
	if err != nil {
		return nil, fmt.Errorf("read ingested_at of %d documents: %w", len(ids), err)
	}
	for _, h := range res.Hits {
		s, _ := h.Fields[FieldIngestedAt].(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			// Cannot happen for documents this package wrote; a
			// document without a readable time is replaced.
			ix.log.Warn("indexed document has no readable ingested_at; replacing it")
			continue
		}
		var rev uint64
		if s, ok := h.Fields[FieldRevision].(string); ok {
			rev, _ = strconv.ParseUint(s, 10, 64)
		}
		out[h.ID] = versionAt(t, rev)
	}
	return out, nil
}
