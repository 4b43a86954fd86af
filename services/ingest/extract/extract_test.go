package extract

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExtractArticle(t *testing.T) {
	res, err := Extract(readFixture(t, "article.html"), Options{URL: "https://courier.example.org/news/lindenfeld-bridge"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Title, "Lindenfeld votes to rebuild its stone bridge"; got != want {
		t.Errorf("Title = %q, want %q", got, want)
	}
	if got, want := res.Author, "Jonas Weber"; got != want {
		t.Errorf("Author = %q, want %q", got, want)
	}
	if got, want := res.SiteName, "Aue Valley Courier"; got != want {
		t.Errorf("SiteName = %q, want %q", got, want)
	}
	if got, want := res.Language, "en"; got != want {
		t.Errorf("Language = %q, want %q", got, want)
	}
	wantDate := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	if res.PublishedAt == nil || res.PublishedAt.Truncate(24*time.Hour) != wantDate {
		t.Errorf("PublishedAt = %v, want %v", res.PublishedAt, wantDate)
	}
	paras := strings.Split(res.Body, "\n\n")
	if paras[0] == res.Title {
		t.Errorf("body repeats the title as its first paragraph")
	}
	for _, want := range []string{
		"The town council of Lindenfeld voted on Tuesday to rebuild the old stone bridge over the river Aue, ending a dispute that has divided residents for almost three years.",
		"A long dispute",
		"We listened to both sides, and the old bridge won.",
		"Closed to cars: 2021",
		"Duration: eighteen months",
		"Residents can see the plans at the town hall until the end of the month.",
	} {
		if !contains(paras, want) {
			t.Errorf("body lacks paragraph %q; body:\n%s", want, res.Body)
		}
	}
	for _, unwanted := range []string{"Section 12", "Council votes on bridge plan number 3", "All rights reserved", "window.analytics", "Comment 3"} {
		if strings.Contains(res.Body, unwanted) {
			t.Errorf("body holds furniture %q", unwanted)
		}
	}
	if strings.Contains(res.Body, "\n\n\n") || strings.HasPrefix(res.Body, "\n") || strings.HasSuffix(res.Body, "\n") {
		t.Errorf("body paragraphs are not separated by exactly one blank line: %q", res.Body)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestExtractNoArticle(t *testing.T) {
	for name, page := range map[string]string{
		"empty":      "",
		"no body":    "<html><head><title>x</title></head><body></body></html>",
		"only menus": "<html><body><nav><a href=/a>A</a> <a href=/b>B</a></nav></body></html>",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Extract([]byte(page), Options{})
			if !errors.Is(err, ErrNoArticle) {
				t.Errorf("err = %v, want ErrNoArticle", err)
			}
		})
	}
}

func TestExtractBinary(t *testing.T) {
	page := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
	if _, err := Extract(page, Options{}); !errors.Is(err, ErrBinary) {
		t.Errorf("err = %v, want ErrBinary", err)
	}
	if _, err := ExtractString(string(page), Options{}); !errors.Is(err, ErrBinary) {
		t.Errorf("ExtractString: err = %v, want ErrBinary", err)
	}
}

// TestExtractLegacyCharset checks that a cp1252 page declared in its
// <meta> comes out as the same text as its UTF-8 original.
func TestExtractLegacyCharset(t *testing.T) {
	utf := string(readFixture(t, "article.html"))
	utf = strings.Replace(utf, `<meta charset="utf-8">`, `<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">`, 1)
	utf = strings.Replace(utf, "ending a dispute", "ending a café dispute", 1)
	legacy, err := charmap.Windows1252.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Extract([]byte(utf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Extract([]byte(legacy), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != want.Body {
		t.Errorf("legacy body differs:\n got %q\nwant %q", got.Body, want.Body)
	}
	if !strings.Contains(got.Body, "café") || !strings.Contains(got.Body, "“a relief") {
		t.Errorf("body lost its accents or quotes: %q", got.Body)
	}
}

func TestDropLeadingTitle(t *testing.T) {
	tests := []struct{ body, title, want string }{
		{"Bridge to be rebuilt\n\nThe council voted.", "Bridge to be rebuilt", "The council voted."},
		{"BRIDGE to be rebuilt!\n\nThe council voted.", "Bridge to be rebuilt", "The council voted."},
		{"The council voted.\n\nBridge to be rebuilt", "Bridge to be rebuilt", "The council voted.\n\nBridge to be rebuilt"},
		{"Bridge to be rebuilt", "Bridge to be rebuilt", "Bridge to be rebuilt"},
		{"A\n\nB", "", "A\n\nB"},
	}
	for _, tt := range tests {
		if got := dropLeadingTitle(tt.body, tt.title); got != tt.want {
			t.Errorf("dropLeadingTitle(%q, %q) = %q, want %q", tt.body, tt.title, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs", "<p>One  two\nthree.</p><p>Four.</p>", "One two three.\n\nFour."},
		{"heading and list", "<h2>Head</h2><ul><li>a</li><li>b <i>c</i></li></ul>", "Head\n\na\n\nb c"},
		{"quote", "<p>Before</p><blockquote>Said <b>this</b>.</blockquote>", "Before\n\nSaid this."},
		{"br splits", "<p>line one<br>line two</p>", "line one\n\nline two"},
		{"table rows", "<table><tr><td>1</td><td>Kyle</td></tr><tr><td>2</td><td>Martin</td></tr></table>", "1 Kyle\n\n2 Martin"},
		{"pre keeps lines", "<pre>a := 1\n  b := 2\n\nc</pre>", "a := 1\n  b := 2\n\nc"},
		{"script skipped", "<p>Text<script>var x</script></p>", "Text"},
		{"punctuation joins", "<p>See (<a>1</a>), <b>Summary</b>Studies</p>", "See (1), Summary Studies"},
		{"empty blocks", "<div><p> </p><p>\u00a0</p></div><p>x</p>", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := html.Parse(strings.NewReader(tt.html))
			if err != nil {
				t.Fatal(err)
			}
			if got := Render(doc); got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.html, got, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	cp1252 := func(s string) []byte {
		b, err := charmap.Windows1252.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(b)
	}
	tests := []struct {
		name        string
		raw         []byte
		contentType string
		declared    string
		want        string
	}{
		{"utf-8", []byte("Çavuşoğlu said “yes”"), "", "", "Çavuşoğlu said “yes”"},
		{"utf-8 wins over a wrong declaration", []byte("naïve café"), "text/html; charset=iso-8859-1", "", "naïve café"},
		{"utf-8 bom", []byte("\xEF\xBB\xBFhello"), "", "", "hello"},
		{"utf-16le bom", []byte("\xFF\xFEh\x00\xe9\x00"), "", "", "hé"},
		{"utf-16be bom", []byte("\xFE\xFF\x00h\x00\xe9"), "", "", "hé"},
		{"mixed: utf-8 with a stray cp1252 byte", append([]byte("Ça va “bien” et très "), 0x92, 's'), "", "", "Ça va “bien” et très ’s"},
		{"declared utf-8 with stray bytes", []byte("caf\xe9 ok \xc3\xa9"), "", "utf-8", "café ok é"},
		{"content-type header", cp1252("naïve “quote” café"), "text/html; charset=windows-1252", "", "naïve “quote” café"},
		{"declared charset", cp1252("naïve café"), "", "iso-8859-1", "naïve café"},
		{"meta charset", append([]byte(`<meta charset="iso-8859-15">`), 0xA4), "", "", `<meta charset="iso-8859-15">€`},
		{"koi8-r from header", []byte{0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4}, "text/plain; charset=koi8-r", "", "Привет"},
		{"undeclared latin-1 falls back to cp1252", cp1252("Le café est très bon, à la française."), "", "", "Le café est très bon, à la française."},
		{"declared utf-8 but pure latin-1", cp1252("Le café est très bon, à la française."), "text/html; charset=utf-8", "", "Le café est très bon, à la française."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.raw, tt.contentType, tt.declared)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Decode = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeBinary(t *testing.T) {
	for _, raw := range [][]byte{
		{0x00, 0x01, 0x02, 0x03},
		[]byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"),
	} {
		if _, err := Decode(raw, "", ""); !errors.Is(err, ErrBinary) {
			t.Errorf("Decode(%q) err = %v, want ErrBinary", raw, err)
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("<p>hello</p>"), "text/html; charset=utf-8")
	f.Add([]byte("<html><body><article><p>"+strings.Repeat("Some words here. ", 40)+"</p></article></body></html>"), "")
	f.Add([]byte("<table><tr><td>x</td></tr></table><pre>a\n\nb</pre>"), "text/html; charset=koi8-r")
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"), "")
	f.Add([]byte("caf\xe9 \xc3\xa9"), "")
	f.Fuzz(func(t *testing.T, page []byte, contentType string) {
		res, err := Extract(page, Options{ContentType: contentType})
		if err != nil {
			if !errors.Is(err, ErrNoArticle) && !errors.Is(err, ErrBinary) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if res.Body == "" {
			t.Fatal("nil error with an empty body")
		}
		if !utf8.ValidString(res.Body) || !utf8.ValidString(res.Title) {
			t.Fatal("output is not valid UTF-8")
		}
		if strings.Contains(res.Body, "\n\n\n") {
			t.Fatalf("more than one blank line between paragraphs: %q", res.Body)
		}
	})
}

// BenchmarkExtract reports MB/s of wall time and, because the machines
// it runs on are shared, also MB per CPU-second of this process
// (MB/cpu-s), which is the per-core throughput.
func BenchmarkExtract(b *testing.B) {
	page := readFixture(b, "article.html")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		if _, err := Extract(page, Options{URL: "https://courier.example.org/news/lindenfeld-bridge"}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuTime(b) - start; cpu > 0 {
		b.ReportMetric(float64(len(page))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzDecode checks Decode's contract: it never panics, always returns
// valid UTF-8, and returns valid UTF-8 input unchanged (BOM aside).
func FuzzDecode(f *testing.F) {
	f.Add([]byte("plain"), "", "")
	f.Add([]byte("caf\xe9"), "text/html; charset=iso-8859-1", "")
	f.Add([]byte("\xef\xbb\xbfbom"), "", "utf-8")
	f.Add([]byte("\xfe\xff\x00a\xd8"), "", "")
	f.Add([]byte("Ça va \x92"), "", "shift_jis")
	f.Fuzz(func(t *testing.T, raw []byte, contentType, declared string) {
		got, err := Decode(raw, contentType, declared)
		if err != nil {
			if !errors.Is(err, ErrBinary) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Decode(%q) = %q: not UTF-8", raw, got)
		}
		if utf8.Valid(raw) && !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) && got != string(raw) {
			t.Fatalf("valid UTF-8 changed: %q -> %q", raw, got)
		}
	})
}

func TestExtractConcurrent(t *testing.T) {
	page := readFixture(t, "article.html")
	want, err := Extract(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			got, err := Extract(page, Options{})
			if err == nil && got.Body != want.Body {
				err = errors.New("body differs between concurrent runs")
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
