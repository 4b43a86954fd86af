package search

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Warm reads the columns of the segments of the index's current
// snapshot that no search has read yet (see columns.go), so that the
// next search does not, and returns how many it read. The first search
// after opening 100,000 documents, or after merging them into one
// segment, otherwise reads them all (0.76 s).
func (s *IndexSearcher) Warm() (int, error) {
	adv, err := s.ix.Bleve().Advanced()
	if err != nil {
		return 0, fmt.Errorf("bleve index: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return 0, fmt.Errorf("bleve reader: %w", err)
	}
	defer reader.Close()
	cols, err := s.cache.columns(reader)
	if err != nil {
		return 0, err
	}
	return cols.read, nil
}

// KeepWarm calls Warm in a goroutine at once, and then every every, so
// that the segments commits and merges bring are read before a search
// needs them (a Warm that finds nothing new costs a snapshot's list of
// segments); with every 0 it warms once, for an index that does not
// change (opened read-only). stop ends the goroutine and waits for it
// (at most the read of one segment): call it before closing the index.
func (s *IndexSearcher) KeepWarm(every time.Duration, log *zap.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		var tick <-chan time.Time
		if every > 0 {
			t := time.NewTicker(every)
			defer t.Stop()
			tick = t.C
		}
		lastErr := ""
		for {
			started := time.Now()
			switch n, err := s.Warm(); {
			case err != nil && err.Error() != lastErr:
				// Searches meet the same error and answer with it;
				// logged once until it changes.
				lastErr = err.Error()
				log.Warn("reading the search columns ahead of searches", zap.Error(err))
			case err == nil && n > 0:
				lastErr = ""
				log.Debug("read the search columns ahead of searches", zap.Int("segments", n),
					zap.Duration("took", time.Since(started)))
			case err == nil:
				lastErr = ""
			}
			if tick == nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
