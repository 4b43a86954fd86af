package relay

import (
	"bytes"
	"encoding/json"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/newsflow/newsflow/pkg/schema"
)

// The runtime's per-hop cost beyond the raw relay is decoding the input
// document and encoding the output (profiles of BenchmarkRuntimeRelay).
// These benchmarks price both on the relay's ~5 KB document, with the
// standard library as schema and the runtime use it, and with
// goccy/go-json as a drop-in alternative. Run with GOEXPERIMENT=jsonv2
// to see encoding/json backed by json/v2.

func BenchmarkDecodeDocument(b *testing.B) {
	data := Payload(5000)(1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := schema.DecodeDocument(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeDocumentGoJSON(b *testing.B) {
	data := Payload(5000)(1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeGoJSON(data); err != nil {
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

func BenchmarkEncodeDocumentGoJSON(b *testing.B) {
	d, err := schema.DecodeDocument(Payload(5000)(1))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := gojson.Marshal(d); err != nil {
			b.Fatal(err)
		}
	}
}

// go-json must read the document exactly as encoding/json does, or the
// comparison above is meaningless.
func TestGoJSONDecodesTheSameDocument(t *testing.T) {
	data := Payload(5000)(3)
	want, err := schema.DecodeDocument(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeGoJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("go-json decoded\n%s\nwant\n%s", b, a)
	}
}

// DecodeGoJSON accepts and rejects what schema.DecodeDocument does.
func TestDecodeGoJSONAgreesWithSchema(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"relay document", Payload(2000)(1)},
		{"not UTF-8", []byte("{\"id\": \"\xff\"}")},
		{"not an object", []byte(`[1, 2]`)},
		{"truncated", Payload(2000)(1)[:100]},
		{"missing id", []byte(`{"schema_version": 1, "title": "t", "body": "b"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, wantErr := schema.DecodeDocument(tt.in)
			_, gotErr := DecodeGoJSON(tt.in)
			if (gotErr == nil) != (wantErr == nil) {
				t.Errorf("DecodeGoJSON err = %v; schema.DecodeDocument err = %v", gotErr, wantErr)
			}
		})
	}
}
