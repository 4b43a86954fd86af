package relay

import (
	"context"
	"testing"
)

func BenchmarkRuntimeRelay(b *testing.B) {
	s := Setup{Articles: 3000, Concurrency: 16, Batch: 256, Payload: Payload(5000)}
	for range b.N {
		if _, err := Run(context.Background(), "runtime", s); err != nil {
			b.Fatal(err)
		}
	}
}
