package stage_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every consumer, keep-alive loop and connection a test starts must be
// gone when it ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
