package lang

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct{ text, want string }{
		{"The river burst its banks on Sunday, flooding the old market and forcing hundreds of families to leave their homes.", "en"},
		{"El río se desbordó el domingo, inundando el mercado antiguo y obligando a cientos de familias a abandonar sus casas.", "es"},
		{"La rivière a débordé dimanche, inondant le vieux marché et obligeant des centaines de familles à quitter leur maison.", "fr"},
		{"Der Fluss trat am Sonntag über die Ufer, überflutete den alten Markt und zwang Hunderte Familien, ihre Häuser zu verlassen.", "de"},
		{"Река вышла из берегов в воскресенье, затопив старый рынок и вынудив сотни семей покинуть свои дома. Власти города сообщили, что эвакуация продолжается, а спасатели работают всю ночь.", "ru"},
		{"Short", ""},
		{"12345 67890 !!! ???", ""},
	}
	for _, tt := range tests {
		if got, conf := Detect(tt.text, DefaultMinConfidence); got != tt.want {
			t.Errorf("Detect(%.30q) = %q (confidence %.2f); want %q", tt.text, got, conf, tt.want)
		}
	}
}

// TestEvalBBC reports how often the BBC corpus (all English) is detected
// as English, as unknown, or wrongly. Set NEWSFLOW_EVAL_BBC to the folder.
func TestEvalBBC(t *testing.T) {
	dir := os.Getenv("NEWSFLOW_EVAL_BBC")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "data", "bbc")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
	if len(files) == 0 {
		t.Skipf("SKIPPED: no BBC articles under %s (set NEWSFLOW_EVAL_BBC)", dir)
	}
	en, unknown, wrong := 0, 0, map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := Detect(string(data), DefaultMinConfidence)
		switch code {
		case "en":
			en++
		case "":
			unknown++
		default:
			wrong[code]++
		}
	}
	t.Logf("BBC: %d files, en=%d unknown=%d wrong=%v", len(files), en, unknown, wrong)
	nWrong := 0
	for _, n := range wrong {
		nWrong += n
	}
	if nWrong > len(files)/200 {
		t.Errorf("%d wrong languages", nWrong)
	}
}

func BenchmarkDetect(b *testing.B) {
	f, err := os.Open(filepath.Join("..", "clean", "testdata", "02-mojibake-headline.txt"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var sb strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sb.WriteString(sc.Text() + " ")
	}
	text := strings.Repeat(sb.String(), 10) // ~5 KB
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Detect(text, DefaultMinConfidence)
	}
}

func TestByStopwords(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Il sindaco ha detto che la città non era pronta per una piena così forte e che i lavori sono stati rinviati più volte.", "it"},
		{"O prefeito disse que a cidade não estava preparada para uma cheia tão forte e que as obras foram adiadas várias vezes.", "pt"},
		{"De burgemeester zei dat de stad niet voorbereid was op zo'n hoge vloed en dat de werken al vaak zijn uitgesteld.", "nl"},
		{"Reuters Reuters Reuters", ""},
	}
	for _, tt := range tests {
		if got := byStopwords(tt.text); got != tt.want {
			t.Errorf("byStopwords(%.30q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}
