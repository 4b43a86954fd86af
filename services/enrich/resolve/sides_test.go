package resolve

import "testing"

// TestSides covers a place's name that stands for its side in a sports
// story (issue 14, session 13): provinces of the knowledge base and
// towns, by the words around them.
func TestSides(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "towns in a line of fixtures are their clubs, a country its country, and a town in a sentence with v stays",
			title: "Cup draw", body: "The league's fourth-round draw was made on Monday.\n\nCardiff or Blackburn v Colchester\n\nQuorrabridge/Notts Co v Bolton\n\nFrance v Israel; Cyprus v Faroe Islands.\n\nThe penalty was given in Leeds v the holders.",
			spans:  []span{{"LOC", "Cardiff"}, {"LOC", "Blackburn"}, {"LOC", "Colchester"}, {"LOC", "Bolton"}, {"LOC", "France"}, {"LOC", "Israel"}, {"LOC", "Leeds"}},
			want:   map[string]string{"ORG:Cardiff": "local:org:cardiff |", "ORG:Blackburn": "local:org:blackburn |", "ORG:Colchester": "local:org:colchester |", "ORG:Bolton": "local:org:bolton |", "LOC:France": "Q142 | FR", "LOC:Israel": "Q801 | IL"},
			absent: []string{"LOC:Cardiff", "LOC:Blackburn", "LOC:Colchester", "ORG:Leeds"},
		},
		{
			name:  "a province followed by a plural verb is its side",
			title: "Rugby", body: "The fly-half kicked two tries in the league match. Ulster were beaten at home.",
			spans:  []span{{"LOC", "Ulster"}},
			want:   map[string]string{"ORG:Ulster": "local:org:ulster |"},
			absent: []string{"LOC:Ulster"},
		},
		{
			name:  "a province after against is a side",
			title: "Rugby", body: "The fly-half kicked two tries in the league match against Leinster on Sunday.",
			spans:  []span{{"LOC", "Leinster"}},
			want:   map[string]string{"ORG:Leinster": "local:org:leinster |"},
			absent: []string{"LOC:Leinster"},
		},
		{
			name:  "a province before a match's with is a side",
			title: "Rugby", body: "The fly-half kicked two tries in the league. He misses Friday's game with Munster.",
			spans:  []span{{"LOC", "Munster"}},
			want:   map[string]string{"ORG:Munster": "local:org:munster |"},
			absent: []string{"LOC:Munster"},
		},
		{
			name:  "a town or a province before a lock, a wing or a forward is its club",
			title: "Rugby", body: "The fly-half kicked two tries in the league match. Munster lock Paul Ocker and Leicester wing Tom Boe joined the squad.",
			spans:  []span{{"LOC", "Munster"}, {"PER", "Paul Ocker"}, {"LOC", "Leicester"}, {"PER", "Tom Boe"}},
			want:   map[string]string{"ORG:Munster": "local:org:munster |", "ORG:Leicester": "local:org:leicester |"},
			absent: []string{"LOC:Munster", "LOC:Leicester"},
		},
		{
			name:  "a nation's side stays the nation, and a province outside sport the place",
			title: "Rugby", body: "The fly-half kicked two tries in the league match. Wales were beaten at home.",
			spans: []span{{"LOC", "Wales"}},
			want:  map[string]string{"LOC:Wales": "Q25 | GB"},
		},
		{
			name:  "a province outside a sports story is the place",
			title: "Farming", body: "Farmers in Munster were hit by floods on Sunday.",
			spans:  []span{{"LOC", "Munster"}},
			want:   map[string]string{"LOC:Munster": "Q131438 | IE"},
			absent: []string{"ORG:Munster"},
		},
	})
}
