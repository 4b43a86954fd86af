package stage_test

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The shutdown hooks run at the same time: each of these two waits until
// the other has started, which one after the other never happens.
func TestShutdownHooksRunAtTheSameTime(t *testing.T) {
	e := newEnv(t)
	rt := e.runtime()
	started := []chan struct{}{make(chan struct{}), make(chan struct{})}
	errLonely := errors.New("the other hook never started")
	for i := range started {
		rt.OnShutdown(func(ctx context.Context) error {
			close(started[i])
			select {
			case <-started[1-i]:
				return nil
			case <-time.After(2 * time.Second):
				return errLonely
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
