package ner

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSecondSlotsLikeStage2Keys checks that the rows decodeSecond adds for
// a token (secondSlots, most of them from t.second's arrays) are exactly
// the rows the keys of stage2Keys find in the feature table, for every
// first-stage tag, neighbour tag, majority type and tag history.
func TestSecondSlotsLikeStage2Keys(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.stages) < 2 {
		t.Skip("the model has one stage")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	checked, found := 0, 0
	for _, at := range firstSentenceAttrs(t, tg, equivTexts(t)) {
		for round := range 3 {
			for i := range at {
				at[i].s1 = uint8(rng.IntN(nTags))
				at[i].histMaj = uint8(rng.IntN(int(histNone) + 1))
				at[i].histMask = rng.Uint32() & (1<<nTags - 1)
				if round == 0 {
					at[i].histMask = 0
				}
			}
			for i := range at {
				var want []int32
				for _, k := range stage2Keys(nil, at, i) {
					if j := tg.feats.find(k); j != nil {
						want = append(want, *j)
					}
				}
				var got []int32
				for _, j := range tg.secondSlots(nil, at, i) {
					if j >= 0 {
						got = append(got, j)
					}
				}
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("token %d (s1 %d, histMaj %d, histMask %b): rows %v, stage2Keys find %v", i, at[i].s1, at[i].histMaj, at[i].histMask, got, want)
				}
				checked++
				found += len(want)
			}
		}
	}
	if checked == 0 || found == 0 {
		t.Fatalf("%d tokens checked, %d rows found: nothing compared", checked, found)
	}
}

// TestFirstSlotsLikeIndexedKeys checks that the rows decodeFirst takes from
// t.first's arrays are the rows the keys of indexedKeys find in the
// feature table, for every set of flags and document casing, at a
// sentence's ends and inside it, in lines in capitals and not.
func TestFirstSlotsLikeIndexedKeys(t *testing.T) {
	tg, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	checked, found := 0, 0
	for _, at := range firstSentenceAttrs(t, tg, equivTexts(t)) {
		for round := range 3 {
			if round > 0 {
				for i := range at {
					at[i].flags = uint16(rng.IntN(int(flagsEnd)))
					at[i].docCase = uint8(rng.IntN(nCaseClass))
				}
			}
			for i := range at {
				for _, capsLine := range []bool{false, true} {
					var want []int32
					for _, k := range indexedKeys(nil, at, i, capsLine) {
						if j := tg.feats.find(k); j != nil {
							want = append(want, *j)
						}
					}
					var got []int32
					for _, j := range tg.firstSlots(nil, at, i, capsLine) {
						if j >= 0 {
							got = append(got, j)
						}
					}
					slices.Sort(want)
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Fatalf("token %d (flags %b, docCase %d, caps line %v): rows %v, indexedKeys find %v", i, at[i].flags, at[i].docCase, capsLine, got, want)
					}
					checked++
					found += len(want)
				}
			}
		}
	}
	if checked == 0 || found == 0 {
		t.Fatalf("%d tokens checked, %d rows found: nothing compared", checked, found)
	}
}
