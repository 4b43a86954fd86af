package stage

import "testing"

// A chain of stages' backlog (newsflow run's hold on its ingest) is read
// five times as often as one stage's: read every 250 ms, the chain ran
// out of work between two readings while its first stage still waited.
func TestChainBacklogIsReadMoreOften(t *testing.T) {
	chain := NewStagesBacklog(nil, 256, SubjectCleaned, SubjectDeduped, SubjectEnriched)
	one := NewBacklog(nil, SubjectDeduped, 256)
	if chain.every != chainBacklogRefresh || one.every != backlogRefresh {
		t.Errorf("refresh every %s for a chain, %s for one stage; want %s and %s", chain.every, one.every, chainBacklogRefresh, backlogRefresh)
	}
	if chainBacklogRefresh >= backlogRefresh {
		t.Errorf("a chain's backlog is read every %s, not more often than one stage's (%s)", chainBacklogRefresh, backlogRefresh)
	}
}
