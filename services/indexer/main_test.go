package indexer_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/newsflow/newsflow/pkg/stage"
	"github.com/newsflow/newsflow/services/indexer"
)

// TestMain fails the package when a test leaves a goroutine running. Idle
// keep-alive connections of the Elasticsearch client's transport are not
// leaks: the client is meant to live as long as the process. With
// INDEXER_TEST_MAIN=1 the binary is instead the indexer as cmd/indexer
// runs it, for the tests about the process (startwait_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("INDEXER_TEST_MAIN") == "1" {
		cfg := indexer.DefaultConfig()
		os.Exit(stage.Main(indexer.NewService(&cfg), nil, os.Stderr))
	}
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}
