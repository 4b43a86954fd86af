package bleveindex

import (
	"context"
	"errors"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// StageName names the embedded index's consumer of articles.enriched: its
// durable consumer, metrics and dead-letter subject (articles.dead.search).
// It differs from stage.NameIndex so that the Elasticsearch indexer and
// the embedded index can consume the same documents independently.
const StageName = "search"

// Stage returns the sink stage that indexes every enriched document into
// ix. A document that cannot be indexed at all is dead-lettered; any other
// failure is retried.
func (ix *Index) Stage() stage.Stage[*schema.Document, *schema.Document] {
	return stage.Stage[*schema.Document, *schema.Document]{
		Name:   StageName,
		Input:  stage.SubjectEnriched,
		Decode: schema.DecodeDocument,
		Process: func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
			err := ix.Index(ctx, d)
			if errors.Is(err, ErrInvalidDocument) {
				return nil, stage.Permanent(err)
			}
			return nil, err
		},
	}
}
