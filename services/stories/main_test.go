package stories

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind, but
// for one that nats.go (v1.55.0) itself leaks: every ObjectStore.Put (the
// state snapshot's write) makes its own JetStream context, whose first
// PublishAsync starts resetPendingAcksOnReconnect, and Put's deferred
// cleanup sets the status channel that goroutine reads to nil; when the
// goroutine had not yet run (a loaded machine), it waits on the nil
// channel for ever (jetstream/object.go, publish.go).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect"))
}
