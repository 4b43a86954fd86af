package resolve

import "testing"

// TestUSStyleNews covers the rules for US-style news (issue 14, session
// 12): title-case headlines, headline labels, named storms and place
// alternates that are English phrases.
func TestUSStyleNews(t *testing.T) {
	tests := []struct {
		name        string
		title, body string
		spans       []span
		want        map[string]string // subset that must be present
		absent      []string
	}{
		{
			name:  "a place's English alternate that names a building is not the place",
			title: "Doses", body: "The White House announced the plan on Monday. Officials at the White House said more.",
			spans:  []span{{"LOC", "White House"}},
			want:   map[string]string{"LOC:White House": "local:place:white-house || "},
			absent: []string{"LOC:Casablanca"},
		},
		{
			name:  "a place's one-word alternate still links",
			title: "Trip", body: "She flew to Bombay on Monday and met officials in Bombay.",
			spans: []span{{"LOC", "Bombay"}},
			want:  map[string]string{"LOC:Mumbai": "geonames:1275339 || IN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.title, tt.body, true, tt.spans)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("unwanted %s (all: %v)", k, got)
				}
			}
		})
	}
}
