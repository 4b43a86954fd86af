package minhash

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mojibake replaces every non-ASCII character with '?', as a bad
// re-encoding does.
func mojibake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= utf8.RuneSelf {
			b.WriteByte('?')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name, text string
		min, edge  int
		want       []string
	}{
		{"lowercase and punctuation", "Mr Fox's comments, made on Tuesday.", 0, 0, []string{"mr", "fox", "s", "comments", "made", "on", "tuesday"}},
		{"non-ascii letters split like punctuation", "Çavuşoğlu paid £30m", 0, 0, []string{"avu", "o", "lu", "paid", "30m"}},
		{"question marks match them", "?avu?o?lu paid ?30m", 0, 0, []string{"avu", "o", "lu", "paid", "30m"}},
		{"short lines dropped", "Headline here\n\none two three four five six seven eight\nBy a reporter", 8, 0, []string{"one", "two", "three", "four", "five", "six", "seven", "eight"}},
		{"short edge lines dropped", "New headline\nthis line has at least eight tokens in it\nsubscribe for more", 0, 8, []string{"this", "line", "has", "at", "least", "eight", "tokens", "in", "it"}},
		{"edge trimming keeps long lines", "one two three four\na b\nfive six seven eight", 0, 4, []string{"one", "two", "three", "four", "a", "b", "five", "six", "seven", "eight"}},
		{"mostly non-latin keeps letters", "Москва заявила об этом в понедельник", 0, 0, []string{"москва", "заявила", "об", "этом", "в", "понедельник"}},
		{"han characters one token each", "東京都は月曜日に発表した", 0, 0, []string{"東", "京", "都", "は", "月", "曜", "日", "に", "発", "表", "し", "た"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Tokens(tt.text, tt.min, tt.edge)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestMojibakeCopyKeepsEveryShingle(t *testing.T) {
	orig := fixture(t, "original.txt")
	a, b := Shingles(orig, DefaultParams), Shingles(mojibake(orig), DefaultParams)
	if !slices.Equal(a, b) {
		t.Errorf("mojibake copy shares %v of the original's shingles, want all", Compare(b, NewSketch(a, 1<<20)))
	}
	if len(a) < 100 {
		t.Fatalf("fixture gives %d shingles, want a realistic article", len(a))
	}
}

func TestSimilarityOfFixtures(t *testing.T) {
	orig := fixture(t, "original.txt")
	paras := strings.Split(orig, "\n\n")
	excerpt := "Breaking: barrier vote\n\n" + mojibake(strings.Join(paras[1:4], " ")) + "\n\n" + fixture(t, "boilerplate.txt")
	p := DefaultParams
	o := Analyze(orig, p).Sketch(p.SketchSize)
	tests := []struct {
		name             string
		text             string
		minC, maxC, maxJ float64
	}{
		{"excerpt is contained, furniture left out", excerpt, 0.97, 1, 0.5},
		{"same story is not", fixture(t, "samestory.txt"), 0, 0.35, 1},
		{"unrelated shares nothing", fixture(t, "unrelated.txt"), 0, 0.05, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CompareFingerprint(Analyze(tt.text, p), o)
			if got.Containment < tt.minC || got.Containment > tt.maxC || got.Jaccard > tt.maxJ {
				t.Errorf("got %+v, want containment in [%v, %v] and jaccard <= %v", got, tt.minC, tt.maxC, tt.maxJ)
			}
		})
	}
}

func TestFurnitureIsNoEvidence(t *testing.T) {
	p := DefaultParams
	boiler := fixture(t, "boilerplate.txt")
	paras := strings.Split(fixture(t, "original.txt"), "\n\n")
	story := func(i int) string { return "Headline\n\n" + paras[i] + "\n\n" + boiler }
	a, b := Analyze(story(2), p), Analyze(story(5), p)
	got := CompareFingerprint(a, b.Sketch(p.SketchSize))
	if got.Shared == 0 || got.Core != 0 {
		t.Errorf("two pages sharing only furniture: shared %d core %d, want shared > 0 and core 0", got.Shared, got.Core)
	}
	if n, c := len(a.Shingles), len(a.Core()); c >= n || c == 0 {
		t.Errorf("core of a page with furniture has %d of %d shingles, want fewer but some", c, n)
	}
	list := "one two three four five six seven eight nine\nten eleven twelve thirteen fourteen fifteen sixteen seventeen"
	if f := Analyze(list, p); len(f.Short) != 0 || len(f.Core()) != len(f.Shingles) {
		t.Errorf("text of short lines only: %d short lines, core %d of %d; want all core", len(f.Short), len(f.Core()), len(f.Shingles))
	}
	// A one-paragraph excerpt whose furniture is a third of its shingles:
	// only the few shingles spanning the paragraph's end and the first
	// furniture line stay unshared.
	ex := Analyze(paras[2]+"\n"+boiler, p)
	if s := CompareFingerprint(ex, Analyze(paras[2]+"\n\n"+paras[3], p).Sketch(p.SketchSize)); s.Containment < 0.9 {
		t.Errorf("excerpt with furniture: containment %v, want >= 0.9", s.Containment)
	}
}

// randomSet returns n distinct sorted hashes.
func randomSet(r *rand.Rand, n int) []uint32 {
	seen := map[uint32]bool{}
	for len(seen) < n {
		seen[r.Uint32()] = true
	}
	out := make([]uint32, 0, n)
	for h := range seen {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

func TestSketchEstimatesContainment(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name             string
		origN, excerptN  int
		inside           float64 // share of the excerpt taken from the original
		size             int
		wantC, tolerance float64
	}{
		{"complete sketch is exact", 800, 200, 0.9, 1024, 0.9, 0.0001},
		{"long original, short excerpt", 20000, 1500, 0.9, 1024, 0.9, 0.08},
		{"long original, unrelated text", 20000, 1500, 0, 1024, 0, 0.01},
		{"both long", 12000, 6000, 0.75, 1024, 0.75, 0.06},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := randomSet(r, tt.origN)
			in := int(float64(tt.excerptN) * tt.inside)
			ex := append(slices.Clone(orig[:0:0]), randomSet(r, tt.excerptN-in)...)
			perm := r.Perm(len(orig))
			for _, i := range perm[:in] {
				ex = append(ex, orig[i])
			}
			slices.Sort(ex)
			ex = slices.Compact(ex)
			got := Compare(ex, NewSketch(orig, tt.size))
			if d := got.Containment - tt.wantC; d > tt.tolerance || d < -tt.tolerance {
				t.Errorf("containment %.4f, want %.4f ± %.4f", got.Containment, tt.wantC, tt.tolerance)
			}
			sym := CompareSketches(NewSketch(ex, tt.size), NewSketch(orig, tt.size))
			if d := sym.Containment - tt.wantC; d > 2*tt.tolerance+0.05 || d < -2*tt.tolerance-0.05 {
				t.Errorf("sketch-to-sketch containment %.4f, want %.4f", sym.Containment, tt.wantC)
			}
		})
	}
}

func TestBandsFindExcerpts(t *testing.T) {
	// An excerpt with Jaccard ~0.2 must share a band with its original
	// nearly always; unrelated sets almost never.
	r := rand.New(rand.NewPCG(3, 4))
	p := DefaultParams
	found, falses := 0, 0
	const trials = 300
	for range trials {
		orig := randomSet(r, 600)
		ex := slices.Clone(orig[:130])
		slices.Sort(ex)
		other := randomSet(r, 600)
		ko := BandKeys(Signature(orig, p), p)
		if shareAny(ko, BandKeys(Signature(ex, p), p)) {
			found++
		}
		if shareAny(ko, BandKeys(Signature(other, p), p)) {
			falses++
		}
	}
	if found < trials*99/100 {
		t.Errorf("excerpts found %d/%d times, want >= 99%%", found, trials)
	}
	if falses > 0 {
		t.Errorf("unrelated sets shared a band %d/%d times, want 0", falses, trials)
	}
}

func shareAny(a, b []uint64) bool {
	for i := range a {
		if a[i] == b[i] {
			return true
		}
	}
	return false
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Params)
		ok     bool
	}{
		{"defaults", func(*Params) {}, true},
		{"zero shingle", func(p *Params) { p.Shingle = 0 }, false},
		{"rows do not divide hashes", func(p *Params) { p.Rows = 5 }, false},
		{"tiny sketch", func(p *Params) { p.SketchSize = 4 }, false},
		{"negative min line", func(p *Params) { p.MinLineTokens = -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams
			tt.modify(&p)
			if got := p.Validate() == nil; got != tt.ok {
				t.Errorf("Validate() ok = %v, want %v", got, tt.ok)
			}
		})
	}
}

func FuzzShingles(f *testing.F) {
	f.Add("Çavuşoğlu said £30m would be spent on the new barrier next year\nshort")
	f.Add("?\n\n??? a b c d e f g h i j")
	f.Fuzz(func(t *testing.T, s string) {
		p := Params{Shingle: 2, MinLineTokens: 1, EdgeLineTokens: 3, Hashes: 8, Rows: 2, SketchSize: 16}
		sh := Shingles(s, p)
		if !slices.IsSorted(sh) || len(slices.Compact(slices.Clone(sh))) != len(sh) {
			t.Fatalf("shingles not sorted and distinct: %v", sh)
		}
		if again := Shingles(s, p); !slices.Equal(sh, again) {
			t.Fatal("shingles not deterministic")
		}
		if m := Shingles(mojibake(s), p); !slices.Equal(sh, m) && !mostlyNonASCII(s) {
			t.Fatalf("mojibake of latin text changed shingles: %q", s)
		}
		sig := Signature(sh, p)
		if len(sh) > 0 && len(BandKeys(sig, p)) != p.Bands() {
			t.Fatalf("got %d band keys, want %d", len(BandKeys(sig, p)), p.Bands())
		}
		if c := Compare(sh, NewSketch(sh, p.SketchSize)); len(sh) > 0 && c.Containment != 1 {
			t.Fatalf("self containment %v, want 1", c.Containment)
		}
	})
}

// Analyze hashes the very tokens Tokens returns: its shingles are those
// of Tokens' strings, in Latin, Cyrillic and Han text alike.
func TestAnalyzeShinglesTheTokens(t *testing.T) {
	p := DefaultParams
	texts := []string{
		fixture(t, "original.txt"),
		"Москва заявила об этом в понедельник, сообщили в министерстве иностранных дел России.\nЭто второе заявление за неделю.",
		"東京都は月曜日に発表した。新しい計画は来年から始まる予定です。",
		"Çavuşoğlu paid £30m for the club's new stadium, the minister said on Tuesday.",
	}
	for _, text := range texts {
		toks := Tokens(text, p.MinLineTokens, p.EdgeLineTokens)
		var want []uint32
		for i := 0; i+p.Shingle <= len(toks); i++ {
			h := uint64(0x9e3779b97f4a7c15)
			for _, tok := range toks[i : i+p.Shingle] {
				h = mix64(h ^ fnv64([]byte(tok)))
			}
			want = append(want, uint32(h>>32))
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if len(want) == 0 {
			t.Fatalf("%.20q: no shingles to compare", text)
		}
		if got := Analyze(text, p).Shingles; !slices.Equal(got, want) {
			t.Errorf("%.20q: Analyze gives %d shingles, Tokens' strings %d, or different ones", text, len(got), len(want))
		}
	}
}

// BenchmarkAnalyze fingerprints the fixtures' texts, as dedupe does each
// article's body.
func BenchmarkAnalyze(b *testing.B) {
	entries, err := os.ReadDir(filepath.Join("..", "testdata"))
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".txt") {
			texts = append(texts, fixture(b, e.Name()))
		}
	}
	if len(texts) == 0 {
		b.Fatal("no .txt fixtures")
	}
	p := DefaultParams
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Analyze(texts[i%len(texts)], p)
	}
}
