package clean

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// garbage is n random bytes as a JSON decoder reads them: every byte that
// is not UTF-8 becomes U+FFFD, the rest stay (stray letters, controls and
// the odd valid multi-byte character), as when a scraper reads a gzip
// stream or an image as text.
func garbage(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 1))
	raw := make([]byte, n)
	for i := range raw {
		raw[i] = byte(r.UintN(256))
	}
	var b strings.Builder
	for _, c := range string(raw) {
		b.WriteRune(c) // invalid bytes range as utf8.RuneError
	}
	return b.String()
}

const binaryArticle = "Deng Linlin won the women's beam to secure the second Olympic gymnastics gold medal of her career.\n\n" +
	"The 20-year-old, who finished on 15.600 points, led the event from start to finish after the favourite fell.\n\n" +
	"China top the medal table with 20 silver medals and 14 bronze medals to add to their 33 golds."

func TestCutBinaryRemovesRunsAndKeepsTheArticle(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		junk := garbage(seed, 400+int(seed)*37)
		for name, in := range map[string]string{
			"tail":                     binaryArticle + "\n\n" + junk,
			"head":                     junk + "\n\n" + binaryArticle,
			"after a sentence, inline": binaryArticle + " " + junk,
			"raw bytes, not decoded":   binaryArticle + "\n\n" + string([]byte(junk)[:len(junk)/2]) + "\x00\x01\x02\x03\x04\x05\x06\x07",
		} {
			out, cut := CutBinary(in)
			if name == "after a sentence, inline" && strings.HasPrefix(out, binaryArticle) && len(out) <= len(binaryArticle)+4 {
				// The run's first line is the article's last: a letter of
				// the run before its first line break can stay.
				out = binaryArticle
			}
			if out != binaryArticle {
				t.Errorf("seed %d, %s: kept %q\nwant the article alone", seed, name, out)
			}
			if cut < len(in)-len(binaryArticle)-4 {
				t.Errorf("seed %d, %s: cut %d bytes, want at least %d", seed, name, cut, len(in)-len(binaryArticle)-4)
			}
		}
		// A run in the middle leaves the paragraphs on both sides.
		mid := "First paragraph of the report, with its facts.\n" + junk + "\nLast paragraph of the report, with its quote."
		if out, _ := CutBinary(mid); out != "First paragraph of the report, with its facts.\n\nLast paragraph of the report, with its quote." {
			t.Errorf("seed %d, middle: kept %q", seed, out)
		}
	}
}

func TestCutBinaryLeavesTextAlone(t *testing.T) {
	for name, in := range map[string]string{
		"clean":                               binaryArticle,
		"letters lost to U+FFFD, spaces kept": "P\uFFFDedseda vl\uFFFDdy \uFFFDekl, \uFFFDe \uFFFDesk\uFFFD republika podp\uFFFD\uFFFDe smlouvu o \uFFFDivotn\uFFFDm prost\uFFFDed\uFFFD a \uFFFDkol\uFFFD.",
		"a few stray replacements":            "The minister said \uFFFDwe will act\uFFFD and left. " + binaryArticle + " \uFFFD\uFFFD \uFFFD",
		"non-Latin script":                    "東京都は月曜日、新しい防災計画を発表した。計画は地震と洪水への備えを強化する。",
		"empty":                               "",
	} {
		if out, cut := CutBinary(in); out != in || cut != 0 {
			t.Errorf("%s: CutBinary changed the text (cut %d):\n%q\n->\n%q", name, cut, in, out)
		}
	}
}

func TestCutBinaryOfOnlyBinaryLeavesNothing(t *testing.T) {
	junk := garbage(7, 2000)
	out, cut := CutBinary(junk)
	if strings.TrimSpace(out) != "" && utf8.RuneCountInString(out) > 20 {
		t.Errorf("kept %d characters of pure binary: %q", utf8.RuneCountInString(out), out)
	}
	if cut < len(junk)-40 {
		t.Errorf("cut %d of %d bytes", cut, len(junk))
	}
}
