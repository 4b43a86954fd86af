package cluster

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
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
	// Other background frequencies of the same size: one count differs.
	bg := *s.bg
	bg.dfs = slices.Clone(bg.dfs)
	bg.dfs[len(bg.dfs)/2]++
	if _, err := DecodeState(good, s.p, &bg); !errors.Is(err, ErrSnapshot) {
		t.Errorf("other background counts: DecodeState error %v, want ErrSnapshot", err)
	}
	if err := s.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSnapshot(io.Discard); !errors.Is(err, ErrBatch) {
		t.Errorf("WriteSnapshot inside a tentative batch: %v, want ErrBatch", err)
	}
	if _, err := s.Copy(); !errors.Is(err, ErrBatch) {
		t.Errorf("Copy inside a tentative batch: %v, want ErrBatch", err)
	}
}

// A Copy is encoded while the state goes on: the copy's snapshot is the
// state's at the time of the copy, whatever the state applies meanwhile
// (joins, merges, expiry, evictions, saturated postings, a pruned
// document-frequency table). Under -race, encoding the copy while the
// state applies also shows that they share nothing written.
func TestCopyIsUnchangedByTheStateGoingOn(t *testing.T) {
	arts := stream(700, 6)
	s := tightState(t)
	for i, a := range arts[:250] {
		if _, err := s.Apply(uint64(i+1), s.Decide(a)); err != nil {
			t.Fatal(err)
		}
	}
	want := snapshotOf(t, s).Bytes()
	c, err := s.Copy()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, s) {
		t.Fatal("the copy differs from the state")
	}
	evicted, merged := s.Evicted(), len(s.merged)
	encoded := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		if err := c.WriteSnapshot(&buf); err != nil {
			t.Error(err)
		}
		encoded <- buf.Bytes()
	}()
	for i, a := range arts[250:] {
		ev := s.Decide(a)
		if i == 3 {
			// A merge of two stories the copy holds open.
			live, other := s.resolve(s.articles["a240"]), s.resolve(s.articles["a249"])
			if live != other {
				ev.Merges = append(ev.Merges, Merge{From: other, Into: live})
			}
		}
		if _, err := s.Apply(uint64(251+i), ev); err != nil {
			t.Fatal(err)
		}
	}
	if s.Evicted() == evicted || len(s.merged) == merged {
		t.Fatalf("the state should evict and merge after the copy: evicted %d -> %d, merged %d -> %d", evicted, s.Evicted(), merged, len(s.merged))
	}
	if got := <-encoded; !bytes.Equal(got, want) {
		t.Error("the copy encoded while the state went on differs from the state's snapshot at the copy")
	}
	if got := snapshotOf(t, c).Bytes(); !bytes.Equal(got, want) {
		t.Error("the copy, encoded after the state went on, differs from the state's snapshot at the copy")
	}
}

// stateDigests holds, for every SnapshotVersion and ModelVersion that
// has shipped, the digest of the encoded state that digestFixture
// applies. When Apply's behaviour (or the encoding) changes, the digest
// changes and TestSnapshotDigestNamesTheModel fails: bump ModelVersion
// (SnapshotVersion for the encoding) and add a line, so that no replica
// loads a snapshot its model did not make. Float sums are part of the
// state: the digests are those of amd64.
var stateDigests = map[[2]int]uint64{
	{1, 1}: 0xa730f176cb6005ed,
	{2, 1}: 0xf7671821312a1797, // entity mentions summed over the members
	{3, 2}: 0x143e5fbf3629b160, // the days the members were written (published, else their URL's day)
	{4, 3}: 0x1abf80ee790283e4, // the rare numbers the members state
	{5, 4}: 0xe5e11f3ce98b471a, // the weekdays the members name
	{5, 5}: 0xccde6b465e4f9937, // the parameters name the Outlet weight (the fingerprint; Apply unchanged)
	{5, 6}: 0x54685d1758e5d13c, // the parameters name the Crowd weight (the fingerprint; Apply unchanged)
	{5, 7}: 0x4906197c8425eb1,  // a full document-frequency table drops its rarest terms to three quarters of its bound
}

func TestSnapshotDigestNamesTheModel(t *testing.T) {
	s := digestFixture(t)
	h := fnv.New64a()
	if err := s.encode(h); err != nil {
		t.Fatal(err)
	}
	got := h.Sum64()
	want, ok := stateDigests[[2]int{SnapshotVersion, ModelVersion}]
	switch {
	case !ok:
		t.Fatalf("no digest for SnapshotVersion %d, ModelVersion %d: add {%d, %d}: %#x to stateDigests",
			SnapshotVersion, ModelVersion, SnapshotVersion, ModelVersion, got)
	case got != want:
		t.Fatalf("the state Apply makes of the fixture changed (digest %#x, want %#x): bump ModelVersion "+
			"(SnapshotVersion if the encoding changed) and add {%d, %d}: %#x to stateDigests",
			got, want, SnapshotVersion, ModelVersion+1, got)
	}
	for v, d := range stateDigests {
		if v != [2]int{SnapshotVersion, ModelVersion} && d == got {
			t.Errorf("versions %v have the current digest: a bump without a change", v)
		}
	}
}

// digestFixture applies a fixed log, built without Decide, text
// analysis or the shipped parameters and background (those change
// without Apply changing; the fingerprint covers the last two), that
// opens, joins, copies, merges, expires, evicts, saturates postings and
// overflows the document-frequency table.
func digestFixture(t *testing.T) *State {
	t.Helper()
	p := Params{
		Model:     Model{Title: 1, Body: 1, Bias: -1},
		Threshold: 0.5, MergeThreshold: 0.9,
		TimeScale: time.Hour, Horizon: 6 * time.Hour,
		BackgroundWeight: 1,
		MaxBodyTerms:     12, MaxCentroidTerms: 10,
		CandidateTerms: 4, MaxPosting: 5, MaxCandidates: 8,
		MaxStories: 12, MaxTerms: 200,
	}
	bg := &Background{Docs: 50}
	for k := range 40 {
		bg.terms = append(bg.terms, uint64(k)*7919+1)
		bg.dfs = append(bg.dfs, uint32(k%9+1))
	}
	s, err := NewState(p, bg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(18, 1))
	terms := func(e, n int) []TermCount {
		var out []TermCount
		for k := range n {
			term := uint64(r.IntN(40))*7919 + 1 // shared, some in the background
			if k%3 != 0 {
				term = uint64(e)<<20 | uint64(r.IntN(15)) // the event's own
			}
			out = append(out, TermCount{Term: term, Count: uint32(1 + r.IntN(3))})
		}
		slices.SortFunc(out, func(a, b TermCount) int { return cmp.Compare(a.Term, b.Term) })
		return slices.CompactFunc(out, func(a, b TermCount) bool { return a.Term == b.Term })
	}
	opened := map[int]string{}
	for i := range 600 {
		e := r.IntN(i/8 + 1)
		a := &Article{
			ID: fmt.Sprintf("d%d", i), Source: fmt.Sprintf("s%d", r.IntN(4)), Lang: []string{"en", "de"}[r.IntN(2)],
			Title: fmt.Sprintf("event %d", e), Time: t0.Add(time.Duration(i) * 4 * time.Minute).UnixMilli(), Undated: i%7 == 0,
			Titles: terms(e, 5), Bodies: terms(e, 30), Numbers: []TermCount{{Term: NumberHash(fmt.Sprint(10 + e%50)), Count: 1}},
			Entities: []EntityRef{{ID: fmt.Sprintf("Q%d", e), Name: "n", Kind: 'p', Salience: 0.4, Mentions: 1 + e%4}, {ID: fmt.Sprintf("L%d", e%3), Name: "l", Kind: 'l', Salience: 0.2, HasPoint: true, Lat: 1, Lon: 2}},
		}
		if i%14 == 0 {
			a.URLDay = t0.Add(time.Duration(i/50) * 24 * time.Hour).Truncate(24 * time.Hour).UnixMilli() // an undated report's URL day
		}
		if i%5 == 0 {
			a.Weekdays = 1 << (e % 7) // a weekday the report names
		}
		story, ok := opened[e]
		if !ok || s.stories[s.resolve(story)] == nil {
			story = StoryIDFor(a.ID)
			opened[e] = story
		}
		ev := Event{Article: a, Story: story}
		switch {
		case i%11 == 5 && i > 0:
			a.CopyOf = fmt.Sprintf("d%d", i-1) // a syndicated copy
			ev.Story = s.resolve(s.articles[a.CopyOf])
		case i%37 == 0 && len(opened) > 1:
			other := opened[r.IntN(e+1)]
			ev.Merges = []Merge{{From: other, Into: story}}
		}
		if _, err := s.Apply(uint64(i+1), ev); err != nil {
			t.Fatal(err)
		}
	}
	if s.Evicted() == 0 || len(s.merged) == 0 || len(s.saturated) == 0 {
		t.Fatalf("the fixture should evict, merge and saturate: %d evicted, %d merged, %d saturated", s.Evicted(), len(s.merged), len(s.saturated))
	}
	return s
}

func snapshotOf(t *testing.T, s *State) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	if err := s.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}
