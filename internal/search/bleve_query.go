package search

import (
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/newsflow/newsflow/internal/bleveindex"
)

// BleveQuery returns the Bleve query Run runs for req on ix (its text and
// filters), for callers that read the same matches another way: the web
// UI's map facets their places, its export reads every match.
func BleveQuery(ix *bleveindex.Index, req Request) query.Query {
	return buildQuery(analyzable(parseQuery(req.Query), englishAnalyzer(ix.Bleve())), req)
}
