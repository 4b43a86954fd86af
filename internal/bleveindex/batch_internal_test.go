package bleveindex

import (
	"testing"
	"time"
)

func TestPaceSet(t *testing.T) {
	p := newPace(500 * time.Millisecond)
	hurried := func() bool {
		select {
		case <-p.hurry:
			return true
		default:
			return false
		}
	}
	steps := []struct {
		set, want time.Duration
		hurry     bool
	}{
		{2 * time.Second, 2 * time.Second, false}, // longer: the batch being gathered may wait more
		{0, 500 * time.Millisecond, true},         // the option again, shorter: commit what is gathered
		{-1, -1, true},                            // no wait at all
		{time.Second, time.Second, false},
		{time.Second, time.Second, false}, // unchanged
	}
	for i, s := range steps {
		p.set(s.set)
		if got := p.current(); got != s.want {
			t.Errorf("step %d: set(%v): current = %v; want %v", i, s.set, got, s.want)
		}
		if got := hurried(); got != s.hurry {
			t.Errorf("step %d: set(%v): batch being gathered hurried = %v; want %v", i, s.set, got, s.hurry)
		}
	}
}
