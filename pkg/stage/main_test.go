package stage_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every consumer, keep-alive loop and connection a test starts must be
// gone when it ends. With STAGE_TEST_MAIN=1 the binary is instead a
// service process for serviceProcess (service_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("STAGE_TEST_MAIN") == "1" {
		os.Exit(probeMain())
	}
	goleak.VerifyTestMain(m)
}
