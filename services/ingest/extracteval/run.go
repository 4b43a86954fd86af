package extracteval

import (
	"context"
	"io"

	"github.com/newsflow/newsflow/services/ingest/clean"
	"github.com/newsflow/newsflow/services/ingest/extract"
)

// Run scores this module's extractor (extract.Extract, raw output) on the
// dataset folder, in either layout, and writes the report to w.
func Run(ctx context.Context, dataset string, w io.Writer) (Scores, error) {
	return Evaluate(ctx, dataset, Extract, w)
}

// RunCleaned is Run with the text cleanup (clean.Clean) applied to the
// extractor's body, as the ingest stage does.
func RunCleaned(ctx context.Context, dataset string, w io.Writer) (Scores, error) {
	return Evaluate(ctx, dataset, ExtractCleaned, w)
}

// Extract is the Extractor backed by extract.Extract.
func Extract(page []byte, url string) (string, error) {
	res, err := extract.Extract(page, extract.Options{URL: url})
	if err != nil {
		return "", err
	}
	return res.Body, nil
}

// ExtractCleaned is Extract followed by clean.Clean, with the page's
// title given so that cleanup does not take a first line for it.
func ExtractCleaned(page []byte, url string) (string, error) {
	res, err := extract.Extract(page, extract.Options{URL: url})
	if err != nil {
		return "", err
	}
	return clean.Clean(res.Body, clean.Options{Title: res.Title}).Body, nil
}
