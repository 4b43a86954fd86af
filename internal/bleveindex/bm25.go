package bleveindex

import (
	"encoding/binary"
	"sync"

	bsearch "github.com/blevesearch/bleve/v2/search"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Bleve's BM25 takes a field's average length to be its number of
// distinct terms over the number of documents, which for an English body
// of ~400 words comes out near 11 tokens instead of ~230. Length
// normalisation then crushes every body match against title matches. So
// the index counts the analysed tokens of title and body itself, and
// BM25Stats hands the true averages to searches as bleve pre-search data.
//
// The counts cover every version ever indexed, so a replaced document is
// counted twice; as an estimate of the average length that is harmless.
// They are written to the internal store with the next batch (and at
// Close), so a crash loses at most one batch's worth.

const internalLengthsKey = "newsflow:field_lengths"

type fieldLengths struct {
	mu                    sync.Mutex
	versions, title, body uint64
}

func (l *fieldLengths) add(docs []*request) {
	var t, b uint64
	for _, r := range docs {
		r.doc.VisitFields(func(f bindex.Field) {
			switch f.Name() {
			case FieldTitle:
				t += uint64(f.AnalyzedLength())
			case FieldBody:
				b += uint64(f.AnalyzedLength())
			}
		})
	}
	l.mu.Lock()
	l.versions += uint64(len(docs))
	l.title += t
	l.body += b
	l.mu.Unlock()
}

func (l *fieldLengths) encode() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var buf [24]byte
	binary.BigEndian.PutUint64(buf[0:], l.versions)
	binary.BigEndian.PutUint64(buf[8:], l.title)
	binary.BigEndian.PutUint64(buf[16:], l.body)
	return buf[:]
}

func (l *fieldLengths) decode(buf []byte) {
	if len(buf) != 24 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.versions = binary.BigEndian.Uint64(buf[0:])
	l.title = binary.BigEndian.Uint64(buf[8:])
	l.body = binary.BigEndian.Uint64(buf[16:])
}

// averages returns the mean analysed length of title and body, and false
// when nothing has been counted.
func (l *fieldLengths) averages() (title, body float64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.versions == 0 {
		return 0, 0, false
	}
	n := float64(l.versions)
	return float64(l.title) / n, float64(l.body) / n, true
}

// BM25Stats returns corrected BM25 statistics for a search: pass them as
// req.PreSearchData[search.BM25PreSearchDataKey]. It returns nil when the
// index has no counts yet (an index built before they were kept), in
// which case bleve's own estimate applies.
func (ix *Index) BM25Stats() (*bsearch.BM25Stats, error) {
	title, body, ok := ix.lengths.averages()
	if !ok {
		return nil, nil
	}
	n, err := ix.idx.DocCount()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	fields, err := ix.idx.Fields()
	if err != nil {
		return nil, err
	}
	// bleve divides the "cardinality" by the document count (rounding up)
	// to get the average length, and needs an entry for every field a
	// term query may touch. Keyword fields hold about one token.
	st := &bsearch.BM25Stats{DocCount: float64(n), FieldCardinality: make(map[string]int, len(fields)+len(allFields))}
	for _, f := range append(fields, allFields...) {
		st.FieldCardinality[f] = int(n)
	}
	// A filter (scoring off) of term queries on several fields is
	// merged by scorch into one searcher on the field "*", which still
	// looks its statistics up.
	st.FieldCardinality["*"] = int(n)
	st.FieldCardinality[FieldTitle] = int(max(1, title) * float64(n))
	st.FieldCardinality[FieldBody] = int(max(1, body) * float64(n))
	return st, nil
}
