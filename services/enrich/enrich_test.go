package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/pkg/stage"
)

var (
	once      sync.Once
	shared    *Enricher
	sharedErr error
)

func enricher(t testing.TB) *Enricher {
	t.Helper()
	once.Do(func() { shared, sharedErr = New(DefaultConfig(), nil) })
	if sharedErr != nil {
		t.Fatalf("New: %v", sharedErr)
	}
	return shared
}

type fixture struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Language string `json:"language"`
}

func readFixture(t testing.TB, name string) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// all returns every entity of ents by name, with its kind.
func all(ents schema.Entities) map[string]found {
	m := make(map[string]found)
	for _, e := range ents.Persons {
		m[e.Name] = found{kind: "PER", Entity: e}
	}
	for _, e := range ents.Organizations {
		m[e.Name] = found{kind: "ORG", Entity: e}
	}
	for _, p := range ents.Places {
		m[p.Name] = found{kind: "LOC", Entity: p.Entity, country: p.Country, loc: p.Location}
	}
	return m
}

type found struct {
	schema.Entity
	kind    string
	country string
	loc     *schema.GeoPoint
}

type want struct {
	name, kind, id string
	mentions       int    // 0: not checked
	country        string // places only
}

func TestFixtures(t *testing.T) {
	e := enricher(t)
	tests := []struct {
		fixture string
		want    []want
		absent  []string // names that must not appear
	}{
		{
			fixture: "ukraine-talks",
			want: []want{
				// Sergei/Sergey, "Mr Lavrov", "Lavrov" in the headline, "Lavrov's".
				{"Sergei Lavrov", "PER", "local:person:sergei-lavrov", 4, ""},
				// Surname-only mentions join the full name.
				{"Dmytro Kuleba", "PER", "local:person:dmytro-kuleba", 3, ""},
				// Letters lost to '?'.
				{"Mevlüt Çavuşoğlu", "PER", "local:person:mevlut-cavusoglu", 1, ""},
				// Zelenskiy / Zelensky, title stripped.
				{"Volodymyr Zelenskyy", "PER", "Q3874799", 2, ""},
				{"Jens Stoltenberg", "PER", "Q57287", 1, ""},
				// Nato / NATO.
				{"NATO", "ORG", "Q7184", 2, ""},
				// Long name, learned acronym and its later use.
				{"International Committee of the Red Cross", "ORG", "local:org:international-committee-of-the-red-cross", 3, ""},
				{"World Health Organization", "ORG", "Q7817", 2, ""},
				// Türkiye / Turkey.
				{"Turkey", "LOC", "Q43", 2, "TR"},
				// Dateline and body.
				{"Antalya", "LOC", "Q6487", 2, "TR"},
				// Kiev / Kyiv.
				{"Kyiv", "LOC", "Q1899", 2, "UA"},
				// "Ukraine's": possessive stripped.
				{"Ukraine", "LOC", "Q212", 1, "UA"},
				{"Mariupol", "LOC", "Q37133", 1, "UA"},
			},
			absent: []string{"Meanwhile", "Thursday", "Friday", "Mr Lavrov", "Kuleba", "Lavrov", "International Committee", "Red Cross", "ICRC", "Kiev", "Türkiye"},
		},
		{
			fixture: "acronym",
			want: []want{
				{"Black Sea Grain Exporters Council", "ORG", "local:org:black-sea-grain-exporters-council", 4, ""},
				{"Odesa", "LOC", "Q1874", 1, "UA"},
			},
			absent: []string{"BSGEC", "Monday", "Tuesday", "Black Sea"},
		},
		{
			fixture: "junk",
			absent:  []string{"Meanwhile", "Monday", "However", "March", "Tuesday", "Still", "Friday", "Overall", "Yesterday", "Markets"},
		},
		{
			fixture: "dateline-london",
			want: []want{
				{"London", "LOC", "Q84", 1, "GB"},
				{"Andrew Bailey", "PER", "local:person:andrew-bailey", 2, ""},
				{"Bank of England", "ORG", "local:org:bank-of-england", 1, ""},
				{"Manchester", "LOC", "geonames:2643123", 1, "GB"}, // dr5hn's Q21525592 is the borough's: refused
				{"Birmingham", "LOC", "Q2256", 1, "GB"},
			},
			absent: []string{"Governor Andrew Bailey", "Bailey", "Thursday"},
		},
		{
			fixture: "tripoli",
			want: []want{
				// Country beside the name, then country context.
				{"Tripoli", "LOC", "Q168954", 2, "LB"},
				{"Lebanon", "LOC", "Q822", 3, "LB"},
				{"Beirut", "LOC", "Q3820", 1, "LB"},
			},
			absent: []string{"Sunday"},
		},
		{
			fixture: "german",
			want: []want{
				{"Olaf Scholz", "PER", "Q61053", 3, ""},
				{"Emmanuel Macron", "PER", "Q3052772", 3, ""},
				{"NATO", "ORG", "Q7184", 1, ""},
				{"Berlin", "LOC", "Q64", 2, "DE"},
				{"Hamburg", "LOC", "", 1, "DE"},
			},
			absent: []string{"Bundeskanzler", "Montag", "Dienstag", "Die", "Danach", "Am", "Journalisten", "Mittelpunkt"},
		},
		{
			fixture: "lost-letters",
			want: []want{
				// Resolved against the article's own full name.
				{"Mevlüt Çavuşoğlu", "PER", "local:person:mevlut-cavusoglu", 2, ""},
				// Resolved against the gazetteer.
				{"Diyarbakır", "LOC", "", 1, "TR"},
				{"Ankara", "LOC", "", 2, "TR"},
			},
			absent: []string{"Çavu?o?lu", "Diyarbak?r", "Wednesday"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f := readFixture(t, tt.fixture)
			got := all(e.Entities(f.Title, f.Body, f.Language))
			for _, w := range tt.want {
				g, ok := got[w.name]
				if !ok {
					t.Errorf("missing %s %q; got %v", w.kind, w.name, names(got))
					continue
				}
				if g.kind != w.kind {
					t.Errorf("%q: kind %s, want %s", w.name, g.kind, w.kind)
				}
				if w.id != "" && g.ID != w.id {
					t.Errorf("%q: id %q, want %q", w.name, g.ID, w.id)
				}
				if w.mentions != 0 && g.Mentions != w.mentions {
					t.Errorf("%q: %d mentions, want %d", w.name, g.Mentions, w.mentions)
				}
				if w.kind == "LOC" {
					if g.country != w.country {
						t.Errorf("%q: country %q, want %q", w.name, g.country, w.country)
					}
					if g.loc == nil {
						t.Errorf("%q: no location", w.name)
					}
				}
			}
			for _, n := range tt.absent {
				if _, ok := got[n]; ok {
					t.Errorf("unwanted entity %q; got %v", n, names(got))
				}
			}
		})
	}
}

func names(m map[string]found) []string {
	var out []string
	for n, f := range m {
		out = append(out, f.kind+":"+n)
	}
	return out
}

func TestSalienceOrder(t *testing.T) {
	e := enricher(t)
	f := readFixture(t, "ukraine-talks")
	got := all(e.Entities(f.Title, f.Body, f.Language))
	// In the headline and lead, mentioned 4 times, beats a single late mention.
	if a, b := got["Sergei Lavrov"].Salience, got["Jens Stoltenberg"].Salience; a <= b {
		t.Errorf("salience Lavrov %v <= Stoltenberg %v", a, b)
	}
	for n, g := range got {
		if g.Salience < 0 || g.Salience > 1 {
			t.Errorf("%q: salience %v outside [0,1]", n, g.Salience)
		}
	}
}

func TestBadInput(t *testing.T) {
	e := enricher(t)
	huge := strings.Repeat("The committee met again and nothing happened. ", 120000) + " Vladimir Putin spoke."
	tests := []struct {
		name, title, body string
	}{
		{"empty", "", ""},
		{"spaces", "   ", "\n\n\n"},
		{"punctuation", "???", "!!! ??? ... ((( ))) — – - 12345 6789"},
		{"binary-ish", "\x00\x01", "\uFFFD\uFFFD\u200b\u200b ÿþ \x7f"},
		{"all caps", "NATO WHO US UK", "THE PRESIDENT SAID ON MONDAY THAT THE ARMY WOULD LEAVE KYIV."},
		{"huge", "Huge", huge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ents := e.Entities(tt.title, tt.body, "")
			if d := time.Since(start); d > time.Minute { // only pathological blow-ups; the machine is shared
				t.Errorf("took %v", d)
			}
			for n, g := range all(ents) {
				if g.ID == "" || n == "" {
					t.Errorf("entity without name or id: %+v", g)
				}
			}
			if tt.name == "huge" {
				if _, ok := all(ents)["Vladimir Putin"]; ok {
					t.Errorf("found a name beyond MaxBodyBytes")
				}
			}
			if tt.name == "empty" || tt.name == "spaces" || tt.name == "punctuation" {
				if n := len(all(ents)); n != 0 {
					t.Errorf("%d entities from nothing: %v", n, names(all(ents)))
				}
			}
		})
	}
}

func TestProcess(t *testing.T) {
	e := enricher(t)
	if _, err := e.Process(context.Background(), nil); !errors.Is(err, ErrNoDocument) || !stage.IsPermanent(err) {
		t.Errorf("Process(nil) error = %v, want permanent ErrNoDocument", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Process(ctx, &schema.Document{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Process(cancelled) error = %v, want context.Canceled", err)
	}
	f := readFixture(t, "ukraine-talks")
	doc := &schema.Document{Title: f.Title, Body: f.Body, Language: "en"}
	got, err := e.Process(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entities.Persons) == 0 || len(got.Entities.Places) == 0 || len(got.Entities.Organizations) == 0 {
		t.Errorf("Process left entities empty: %+v", got.Entities)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"body under a sentence": func(c *Config) { c.MaxBodyBytes = 10 },
		"no entities":           func(c *Config) { c.MaxEntities = 0 },
		"salience over 1":       func(c *Config) { c.MinSalience = 2 },
	} {
		c := DefaultConfig()
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Validate() = %v, want ErrConfig", name, err)
		}
	}
}

func TestFlags(t *testing.T) {
	env := map[string]string{"NEWSFLOW_ENRICH_MAX_ENTITIES": "7", "NEWSFLOW_ENRICH_TAGGER": "nope"}
	cfg := DefaultConfig()
	e := &stage.EnvFlags{FlagSet: flag.NewFlagSet("t", flag.ContinueOnError), Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	cfg.Flags(e)
	if err := e.FlagSet.Parse([]string{"-enrich-min-salience", "0.2"}); err != nil {
		t.Fatal(err)
	}
	if cfg.MaxEntities != 7 || cfg.MinSalience != 0.2 || !cfg.Tagger {
		t.Errorf("cfg = %+v, want MaxEntities 7, MinSalience 0.2, Tagger true", cfg)
	}
	if e.Err() == nil {
		t.Errorf("NEWSFLOW_ENRICH_TAGGER=nope: no error")
	}
}

func TestCaps(t *testing.T) {
	e, err := New(Config{MaxBodyBytes: 4096, Tagger: false, MaxEntities: 2, MinSalience: 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := readFixture(t, "ukraine-talks")
	ents := e.Entities(f.Title, f.Body, "en")
	if len(ents.Persons) > 2 || len(ents.Places) > 2 || len(ents.Organizations) > 2 {
		t.Errorf("MaxEntities 2 exceeded: %+v", ents)
	}
	if len(ents.Places) == 0 {
		t.Errorf("gazetteer-only mode found no places")
	}
}

func TestLooksEnglish(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"The minister said on Monday that the talks in Kyiv were useful.", true},
		{"Bundeskanzler Olaf Scholz hat am Montag den Präsidenten empfangen.", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := LooksEnglish(tt.in); got != tt.want {
			t.Errorf("LooksEnglish(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzEntities(f *testing.F) {
	e, err := New(DefaultConfig(), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Lavrov in Kyiv", "KYIV, March 3 (Reuters) - Mr Lavrov's NATO (North Atlantic Treaty Organization) Çavu?o?lu")
	f.Add("", "(")
	f.Add("?", "A (B) ? ?? ’s 's")
	f.Fuzz(func(t *testing.T, title, body string) {
		for n, g := range all(e.Entities(title, body, "")) {
			if n == "" || g.ID == "" || g.Mentions < 1 || g.Salience < 0 || g.Salience > 1 || math.IsNaN(g.Salience) {
				t.Fatalf("bad entity %+v", g)
			}
		}
	})
}

// BenchmarkEnrich runs the whole stage on a 5 KB English article.
func BenchmarkEnrich(b *testing.B) {
	e := enricher(b)
	f := readFixture(b, "ukraine-talks")
	body := f.Body
	for len(body) < 5000 {
		body += "\n\n" + f.Body
	}
	body = strings.ToValidUTF8(body[:5000], "")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		e.Entities(f.Title, body, "en")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu, "articles/cpu-s")
	}
}

// cpuTime is the process's user+system CPU time. On a shared machine it
// measures the work better than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEnrichParallel runs BenchmarkEnrich's article on every core.
func BenchmarkEnrichParallel(b *testing.B) {
	e := enricher(b)
	f := readFixture(b, "ukraine-talks")
	body := f.Body
	for len(body) < 5000 {
		body += "\n\n" + f.Body
	}
	body = strings.ToValidUTF8(body[:5000], "")
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e.Entities(f.Title, body, "en")
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "articles/s")
}

func TestConcurrent(t *testing.T) {
	e := enricher(t)
	var fs []fixture
	for _, n := range []string{"ukraine-talks", "acronym", "tripoli", "german", "lost-letters"} {
		fs = append(fs, readFixture(t, n))
	}
	want := make([]string, len(fs))
	for i, f := range fs {
		b, _ := json.Marshal(e.Entities(f.Title, f.Body, f.Language))
		want[i] = string(b)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(fs))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, f := range fs {
				b, _ := json.Marshal(e.Entities(f.Title, f.Body, f.Language))
				if string(b) != want[i] {
					errs <- fmt.Sprintf("fixture %d differs under concurrency:\n%s\nwant\n%s", i, b, want[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A headline feed's document has a title and an empty body: its entities
// come from the title.
func TestProcessHeadlineWithoutBody(t *testing.T) {
	e := enricher(t)
	doc := &schema.Document{Title: "Angela Merkel meets Emmanuel Macron in Paris to discuss the European Union budget", Language: "en"}
	got, err := e.Process(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	found := all(got.Entities)
	for _, want := range []string{"Angela Merkel", "Emmanuel Macron", "Paris"} {
		if _, ok := found[want]; !ok {
			t.Errorf("%s not found in the headline; got %v", want, names(found))
		}
	}
}
