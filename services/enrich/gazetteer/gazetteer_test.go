package gazetteer

import (
	"sync"
	"testing"
)

var (
	loadOnce sync.Once
	shared   *Gazetteer
	loadErr  error
)

func load(t testing.TB) *Gazetteer {
	t.Helper()
	loadOnce.Do(func() { shared, loadErr = Load() })
	if loadErr != nil {
		t.Fatalf("Load: %v", loadErr)
	}
	return shared
}

func TestLookup(t *testing.T) {
	g := load(t)
	tests := []struct {
		surface string
		wantID  string
		wantCC  string
	}{
		{"Kyiv", "geonames:703448", "UA"},
		{"Kiev", "geonames:703448", "UA"},
		{"Türkiye", "Q43", "TR"},
		{"Turkey", "Q43", "TR"},
		{"Nato", "Q7184", ""},
		{"NATO", "Q7184", ""},
		{"WHO", "Q7817", ""},
		{"Red Cross", "local:org:international-committee-of-the-red-cross", ""},
		{"Zelenskiy", "Q3874799", ""},
		{"London", "geonames:2643743", "GB"},
		{"Mariupol", "geonames:701822", "UA"},
	}
	for _, tt := range tests {
		cs := g.Lookup(tt.surface)
		if len(cs) == 0 {
			t.Errorf("Lookup(%q): no candidates", tt.surface)
			continue
		}
		if got := cs[0].Entry.ID; got != tt.wantID {
			t.Errorf("Lookup(%q)[0].ID = %q, want %q", tt.surface, got, tt.wantID)
		}
		if got := cs[0].Entry.Country; got != tt.wantCC {
			t.Errorf("Lookup(%q)[0].Country = %q, want %q", tt.surface, got, tt.wantCC)
		}
	}
}

func TestCountryHasCapitalPoint(t *testing.T) {
	g := load(t)
	ua := g.Country("UA")
	if ua == nil || !ua.HasPoint {
		t.Fatalf("Country(UA) = %+v, want a point", ua)
	}
	if ua.Lat < 50 || ua.Lat > 51 || ua.Lon < 30 || ua.Lon > 31 {
		t.Errorf("Ukraine at %v,%v, want Kyiv's coordinates", ua.Lat, ua.Lon)
	}
}

func TestFindWholeWords(t *testing.T) {
	g := load(t)
	text := "Kievan rus. Officials in Kyiv and Nato met the WHO, not who."
	var got []string
	for _, m := range g.Find(text) {
		got = append(got, text[m.Start:m.End])
	}
	want := []string{"Kyiv", "Nato", "WHO"}
	if len(got) != len(want) {
		t.Fatalf("Find = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Find[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"Çavu?o?lu", "Çavuşoğlu", true},
		{"Çavu?o?lu", "Cavusoglu", false},
		{"Erdo?an", "Erdoğan", true},
		{"Erdo?an", "Erdogan", false},
		{"Kyiv", "Kyiv", true},
	}
	for _, tt := range tests {
		if got := WildcardEqual(tt.pattern, tt.s); got != tt.want {
			t.Errorf("WildcardEqual(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
	g := load(t)
	cs := g.LookupWildcard("Mevlüt Çavu?o?lu")
	if len(cs) == 0 || cs[0].Entry.Name != "Mevlüt Çavuşoğlu" {
		t.Errorf("LookupWildcard(Mevlüt Çavu?o?lu) = %v, want Mevlüt Çavuşoğlu", cs)
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Erdoğan", "erdogan"},
		{"TÜRKIYE", "turkiye"},
		{"Łódź", "lodz"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	g := load(b)
	text := "KYIV, March 3 (Reuters) - Russian forces shelled Mariupol and Kharkiv on Thursday, Ukraine's foreign minister Dmytro Kuleba said, as talks in Turkey with Sergei Lavrov stalled. "
	for len(text) < 5000 {
		text += text
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		g.Find(text)
	}
}
