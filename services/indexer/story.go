package indexer

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer/bulk"
)

// StoriesStageName names the indexer's second stage, the sink of
// stories.snapshots: its durable consumer (on the STORIES stream), its
// metrics (newsflow_indexer_stories_*) and its dead-letter subject
// (articles.dead.indexer_stories).
const StoriesStageName = "indexer_stories"

// StoriesStage is the stage that writes every story snapshot to the story
// index with ProcessStory. The indexer process runs it beside the article
// stage, on its own durable consumer.
func (ix *Indexer) StoriesStage() stage.Stage[*schema.Story, *schema.Document] {
	return stage.Stage[*schema.Story, *schema.Document]{
		Name: StoriesStageName, Input: stage.SubjectStories,
		Decode: schema.DecodeStory, Process: ix.ProcessStory,
	}
}

// ProcessStory is the story stage's function, the sink of
// stories.snapshots: it writes the snapshot to the story index (kept
// only if its revision is the highest so far) and, when the snapshot says
// the story was merged into another, re-points the merged story's
// articles in the article index to the story it ended in, following
// merged_into through the story index (followMerge: a chain of merges
// whose snapshots arrive in any order still ends in the last survivor).
// It returns (nil, nil) once both are done; errors are classified as
// Process's are, and a failed re-point is retried with the snapshot
// (whose second write is a 409, i.e. success).
func (ix *Indexer) ProcessStory(ctx context.Context, st *schema.Story) (*schema.Document, error) {
	err := ix.w.IndexStory(ctx, st)
	if errors.Is(err, bulk.ErrRequest) || errors.Is(err, bulk.ErrUnavailable) {
		return nil, stage.Unavailable(err)
	}
	if err != nil || st.MergedInto == "" {
		return nil, err
	}
	into, n, err := ix.followMerge(ctx, st.ID)
	if err != nil {
		return nil, mergeError(ctx, err)
	}
	ix.log.Info("merged story's articles re-pointed", zap.String("story_id", st.ID),
		zap.String("merged_into", into), zap.Int64("articles", n))
	return nil, nil
}
