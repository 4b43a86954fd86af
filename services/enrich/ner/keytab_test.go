package ner

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func TestKeyTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[uint64]int{}
	// Keys that share their low bits probe past each other.
	for i := 0; i < 1000; i++ {
		k := rng.Uint64()
		if i%3 == 0 {
			k = k<<20 | 7
		}
		want[k] = i
	}
	tab := newKeyTable[int](len(want))
	for k, v := range want {
		p, added := tab.put(k)
		if !added {
			t.Fatalf("put(%x): already present", k)
		}
		*p = v
	}
	if got := tab.len(); got != len(want) {
		t.Errorf("len = %d, want %d", got, len(want))
	}
	if 2*tab.len() > len(tab.keys) {
		t.Errorf("%d keys in %d slots: load above 1/2", tab.len(), len(tab.keys))
	}
	for k, v := range want {
		if p := tab.find(k); p == nil || *p != v {
			t.Errorf("find(%x) = %v, want %d", k, p, v)
		}
		if j := tab.index(k); j < 0 || tab.vals[j] != v {
			t.Errorf("index(%x) = %d, want the slot of %d", k, j, v)
		}
		if p, added := tab.put(k); added || *p != v {
			t.Errorf("put(%x) again: added %v, value %d, want false, %d", k, added, *p, v)
		}
	}
	for i := 0; i < 1000; i++ {
		k := rng.Uint64()
		if _, ok := want[k]; ok {
			continue
		}
		if tab.find(k) != nil || tab.index(k) != -1 {
			t.Errorf("absent key %x found", k)
		}
	}
	keys, vals := tab.sorted()
	if !slices.IsSorted(keys) || len(keys) != len(want) {
		t.Fatalf("sorted: %d keys, sorted %v", len(keys), slices.IsSorted(keys))
	}
	for i, k := range keys {
		if *vals[i] != want[k] {
			t.Errorf("sorted: %x has %d, want %d", k, *vals[i], want[k])
		}
	}
	var none *keyTable[int]
	if none.len() != 0 {
		t.Error("nil table: len != 0")
	}
}

func TestUnionSize(t *testing.T) {
	tests := []struct {
		a, b []uint64
		want int
	}{
		{nil, nil, 0},
		{[]uint64{1, 2, 3}, nil, 3},
		{[]uint64{1, 3, 5}, []uint64{2, 3, 4, 5, 9}, 6},
		{[]uint64{1, 2}, []uint64{1, 2}, 2},
		{[]uint64{5, 1}, []uint64{1}, 3}, // unsorted: an upper bound
	}
	for _, tt := range tests {
		if got := unionSize(tt.a, tt.b); got != tt.want {
			t.Errorf("unionSize(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestEmbeddedTableSize checks that the shared table is sized for the
// distinct features of both stages, not for their sum.
func TestEmbeddedTableSize(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	n, slots := tg.feats.len(), len(tg.feats.keys)
	if len(tg.rows) != n {
		t.Errorf("%d weight rows for %d distinct features: want one each", len(tg.rows), n)
	}
	if sum := tg.stages[0].n + tg.stages[1].n; n >= sum {
		t.Errorf("%d distinct features, %d in the stages together: want fewer distinct", n, sum)
	}
	if 2*n > slots || 4*n <= slots {
		t.Errorf("%d features in %d slots: want load in (1/4, 1/2]", n, slots)
	}
}

// fuzzSeed is a small weights file, decompressed. The fuzzing engine runs
// FuzzDecode again and again, so the training runs once.
var fuzzSeed = sync.OnceValues(func() ([]byte, error) {
	tg, err := Train(context.Background(), synthDocs(1, 3), TrainOptions{Epochs: 1, Folds: 2, MinCount: 40})
	if err != nil {
		return nil, err
	}
	var good bytes.Buffer
	if err := tg.Save(&good); err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(good.Bytes()))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
})

// FuzzDecode checks that decoding never panics or hangs and that a
// tagger it accepts tags without panicking. It fuzzes the decompressed
// format (gzip has its own checks).
func FuzzDecode(f *testing.F) {
	raw, err := fuzzSeed()
	if err != nil {
		f.Fatal(err)
	}
	if len(raw) > 4000 {
		f.Fatalf("seed of %d bytes: too big to fuzz quickly", len(raw))
	}
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte("NERW\x02\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, stages, err := parseWeights(in)
		if err == nil {
			err = d.setStages(stages)
		}
		if err != nil {
			return
		}
		d.TagDocument(Sentences("Olaf Scholz met Emmanuel Macron in Paris.\nTALKS END"))
	})
}
