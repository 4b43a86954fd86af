package relay

import (
	"encoding/json"
	"testing"

	"github.com/newsflow/newsflow/pkg/schema"
)

// The runtime's per-hop cost beyond the raw relay is decoding the input
// document and encoding the output (profiles of BenchmarkRuntimeRelay).
// These benchmarks price both on the relay's ~5 KB document:
// schema.DecodeDocument (go-json-experiment/json, encoding/json v2) beside
// encoding/json's Unmarshal of the same bytes, for the ratio in one run.

func BenchmarkDecodeDocument(b *testing.B) {
	data := Payload(5000)(1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := schema.DecodeDocument(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeDocumentEncodingJSON(b *testing.B) {
	data := Payload(5000)(1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var d schema.Document
		if err := json.Unmarshal(data, &d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeDocument(b *testing.B) {
	d, err := schema.DecodeDocument(Payload(5000)(1))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := json.Marshal(d); err != nil {
			b.Fatal(err)
		}
	}
}
