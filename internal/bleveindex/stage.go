package bleveindex

import (
	"context"
	"errors"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// Stage returns `newsflow run`'s indexer: the sink stage that indexes every
// storied document into ix, under the indexer's name (stage.NameIndex:
// its durable consumer, metrics and articles.dead.indexer), then hands it
// to indexed (nil for nothing more). A document that cannot be indexed at
// all is dead-lettered; any other failure is retried.
func (ix *Index) Stage(indexed func(*schema.Document) error) stage.Stage[*schema.Document, *schema.Document] {
	return stage.Stage[*schema.Document, *schema.Document]{
		Name:   stage.NameIndex,
		Input:  stage.SubjectStoried,
		Decode: schema.DecodeDocument,
		Process: func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
			err := ix.Index(ctx, d)
			if errors.Is(err, ErrInvalidDocument) {
				return nil, stage.Permanent(err)
			}
			if err != nil || indexed == nil {
				return nil, err
			}
			return nil, indexed(d)
		},
	}
}
