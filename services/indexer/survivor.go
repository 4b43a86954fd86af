package indexer

import (
	"context"
	"sync"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/newsflow/newsflow/services/indexer/esindex"
)

// The merge window. The stories stage may merge story B into story A
// while an article of B is already on its way to the index. The merge
// snapshot re-points B's indexed articles (ProcessStory), but only those
// written before it; and the snapshots go to whichever indexer replica
// fetches them, so no replica can rely on having seen a merge. So every
// article, once written, looks its story up in the story index (a
// realtime read, the same on every replica) and re-points the story's
// articles itself when the story was merged. Either the look-up sees the
// merge, or the merge snapshot was written after the look-up, hence
// after the article, and its own re-point (which refreshes first) finds
// the article: every article ends with its surviving story.

// survivors batches the story look-ups of concurrent writes: the caller
// that finds none running sends one _mget for every story id queued
// meanwhile, and goes on until the queue is empty, so a burst of articles
// costs a few requests, not one each.
type survivors struct {
	es    *elasticsearch.Client
	index string

	mu      sync.Mutex
	queued  map[string][]chan survivorResult
	running bool
}

type survivorResult struct {
	id  string
	err error
}

func newSurvivors(es *elasticsearch.Client, index string) *survivors {
	return &survivors{es: es, index: index, queued: map[string][]chan survivorResult{}}
}

// of returns the story that story id ended in (id itself when it was
// not merged).
func (s *survivors) of(ctx context.Context, id string) (string, error) {
	ch := make(chan survivorResult, 1)
	s.mu.Lock()
	s.queued[id] = append(s.queued[id], ch)
	lead := !s.running
	s.running = true
	s.mu.Unlock()
	if lead {
		s.serve(ctx)
	}
	select {
	case r := <-ch:
		return r.id, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// serve sends the queued look-ups, a batch at a time, until none is left.
// A failed batch fails each of its callers (their messages are retried).
func (s *survivors) serve(ctx context.Context) {
	for {
		s.mu.Lock()
		batch := s.queued
		if len(batch) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.queued = map[string][]chan survivorResult{}
		s.mu.Unlock()
		ids := make([]string, 0, len(batch))
		for id := range batch {
			ids = append(ids, id)
		}
		got, err := esindex.Survivors(ctx, s.es, s.index, ids)
		for id, chs := range batch {
			r := survivorResult{id: id, err: err}
			if into, ok := got[id]; ok {
				r.id = into
			}
			for _, ch := range chs {
				ch <- r
			}
		}
	}
}
