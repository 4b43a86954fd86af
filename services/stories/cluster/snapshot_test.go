package cluster

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// A state encoded and decoded is the same state: deeply equal, the same
// bytes again, and it decides the rest of the stream as the original.
func TestStateSnapshotRoundTrip(t *testing.T) {
	arts := stream(400, 4)
	s := tightState(t)
	for i, a := range arts[:300] {
		if _, err := s.Apply(uint64(i+1), s.Decide(a)); err != nil {
			t.Fatal(err)
		}
	}
	// A merge, so the state holds a closed, merged story.
	ev := s.Decide(arts[300])
	live, other := s.resolve(s.articles["a298"]), s.resolve(s.articles["a299"])
	if live != other {
		ev.Merges = append(ev.Merges, Merge{From: other, Into: live})
	}
	if _, err := s.Apply(301, ev); err != nil {
		t.Fatal(err)
	}
	buf := snapshotOf(t, s)
	back, err := DecodeState(buf.Bytes(), s.p, s.bg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatal("decoded state differs from the encoded one")
	}
	if again := snapshotOf(t, back); !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("the decoded state encodes to other bytes")
	}
	for i, a := range arts[301:] {
		want := s.Decide(a)
		if got := back.Decide(a); !reflect.DeepEqual(got, want) {
			t.Fatalf("article %s: decoded state decides %+v, the original %+v", a.ID, got, want)
		}
		for _, st := range []*State{s, back} {
			if _, err := st.Apply(uint64(302+i), want); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatal("after the rest of the stream the states differ")
	}
}

func TestCorruptOrForeignSnapshotsAreRefused(t *testing.T) {
	s := tightState(t)
	for i, a := range stream(50, 5) {
		if _, err := s.Apply(uint64(i+1), s.Decide(a)); err != nil {
			t.Fatal(err)
		}
	}
	buf := snapshotOf(t, s)
	good := buf.Bytes()
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	other := s.p
	other.Threshold = 0.6
	// A snapshot of another format version: a valid gzip whose header
	// says version 2.
	var v2 bytes.Buffer
	zw := gzip.NewWriter(&v2)
	head := binary.AppendUvarint(nil, uint64(len(snapshotMagic)))
	head = append(head, snapshotMagic...)
	head = binary.AppendUvarint(head, SnapshotVersion+1)
	zw.Write(head)
	zw.Close()
	for name, c := range map[string]struct {
		data []byte
		p    Params
	}{
		"flipped byte":     {flipped, s.p},
		"truncated":        {good[:len(good)-9], s.p},
		"not gzip":         {[]byte("state"), s.p},
		"other version":    {v2.Bytes(), s.p},
		"other parameters": {good, other},
	} {
		if _, err := DecodeState(c.data, c.p, s.bg); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: DecodeState error %v, want ErrSnapshot", name, err)
		}
	}
	if err := s.Begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EncodeState(); err == nil {
		t.Error("EncodeState inside a tentative batch = nil error")
	}
}

func snapshotOf(t *testing.T, s *State) *bytes.Buffer {
	t.Helper()
	encoded, err := s.EncodeState()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := CompressState(&buf, encoded); err != nil {
		t.Fatal(err)
	}
	return &buf
}
