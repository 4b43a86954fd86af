package extracteval

import (
	"context"
	"io"

	"github.com/newsflow/newsflow/services/ingest/extract"
)

// Run scores this module's extractor (extract.Extract, raw output) on the
// dataset folder, in either layout, and writes the report to w.
func Run(ctx context.Context, dataset string, w io.Writer) (Scores, error) {
	return Evaluate(ctx, dataset, Extract, w)
}

// Extract is the Extractor backed by extract.Extract.
func Extract(page []byte, url string) (string, error) {
	res, err := extract.Extract(page, extract.Options{URL: url})
	if err != nil {
		return "", err
	}
	return res.Body, nil
}
