package bleveindex

import (
	"context"
	"errors"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

// Stage returns an indexer sink stage that writes every storied document
// into ix as it comes, story id untouched (Stories.Stage resolves merged
// stories first: it is the one `newsflow run` uses).
func (ix *Index) Stage(indexed func(*schema.Document) error) stage.Stage[*schema.Document, *schema.Document] {
	return sinkStage(ix.Index, indexed)
}

// Stage returns `newsflow run`'s indexer: the sink stage that indexes every
// storied document through IndexArticle (so an article of a story merged
// before it arrived takes the surviving story's id), under the indexer's
// name (stage.NameIndex: its durable consumer, metrics and
// articles.dead.indexer), then hands it to indexed (nil for nothing more).
func (s *Stories) Stage(indexed func(*schema.Document) error) stage.Stage[*schema.Document, *schema.Document] {
	return sinkStage(s.IndexArticle, indexed)
}

// sinkStage writes with write; a document that cannot be indexed at all is
// dead-lettered, any other failure is retried.
func sinkStage(write func(context.Context, *schema.Document) error, indexed func(*schema.Document) error) stage.Stage[*schema.Document, *schema.Document] {
	return stage.Stage[*schema.Document, *schema.Document]{
		Name:   stage.NameIndex,
		Input:  stage.SubjectStoried,
		Decode: schema.DecodeDocument,
		Process: func(ctx context.Context, d *schema.Document) (*schema.Document, error) {
			err := write(ctx, d)
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
