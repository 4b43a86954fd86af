package search

import "github.com/blevesearch/bleve/v2/search/query"

// BleveQuery returns the Bleve query Run runs for req (its text and
// filters), for callers that read the same matches another way: the web
// UI's map facets their places, its export reads every match.
func BleveQuery(req Request) (query.Query, error) {
	return buildQuery(parseQuery(req.Query), req)
}
