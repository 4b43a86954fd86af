package resolve

import "testing"

// TestGenericNames covers genericNames and headBeforeConnector (issue 14,
// session 13): a generic head ("High School", "News", "Avenue") takes
// the name before it, or is dropped.
func TestGenericNames(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a place the tagger typed before a school's head",
			title: "Shooting", body: "Jacob Stahl, a sophomore at Quorra High School, died on Monday.",
			spans:  []span{{"PER", "Jacob Stahl"}, {"LOC", "Quorra"}, {"ORG", "High School"}},
			want:   map[string]string{"ORG:Quorra High School": "local:org:quorra-high-school |"},
			absent: []string{"ORG:High School", "LOC:Quorra"},
		},
		{
			name:  "a station's call sign and channel number before News",
			title: "Shooting", body: "The neighbour told KQRR 6 News she had seen nothing. The poll for Channel 4 News was taken last week.",
			spans:  []span{{"ORG", "KQRR"}, {"ORG", "News"}, {"ORG", "News"}},
			want:   map[string]string{"ORG:KQRR 6 News": "local:org:kqrr-6-news |", "ORG:Channel 4 News": "local:org:channel-4-news |"},
			absent: []string{"ORG:News", "ORG:KQRR"},
		},
		{
			name:  "an ordinal street, and a bare number or nothing before the head",
			title: "Shooting", body: "He lived on 58th Avenue in the town. Police told 4 News the boy was shot. The director of the Police Department spoke.",
			spans:  []span{{"ORG", "Avenue"}, {"ORG", "News"}, {"ORG", "Police Department"}},
			want:   map[string]string{"LOC:58th Avenue": "local:place:58th-avenue | "},
			absent: []string{"ORG:Avenue", "ORG:News", "ORG:4 News", "ORG:Police Department"},
		},
		{
			name:  "a person's name before a school is the school's, and the run stops at the connector",
			title: "Vigil", body: "A gunman attacked Quorra Hook Elementary School in Newtown on Friday. Parents gathered at Quorra Hook Elementary School later.",
			spans:  []span{{"PER", "Quorra Hook"}, {"PER", "Quorra Hook"}},
			want:   map[string]string{"ORG:Quorra Hook Elementary School": "local:org:quorra-hook-elementary-school ||"},
			absent: []string{"PER:Quorra Hook", "ORG:Elementary School"},
		},
		{
			name:  "a school's locality written alone is a place, not a person",
			title: "Vigil", body: "A gunman attacked Quorra Hook Elementary School on Friday. Aimee Seaver, the mother of a girl at Quorra Hook, wept.",
			spans:  []span{{"PER", "Quorra Hook"}, {"PER", "Aimee Seaver"}},
			want:   map[string]string{"LOC:Quorra Hook": "local:place:quorra-hook | ", "ORG:Quorra Hook Elementary School": "local:org:quorra-hook-elementary-school |"},
			absent: []string{"PER:Quorra Hook"},
		},
		{
			name:  "a school named after a person leaves the person",
			title: "School", body: "Pupils of Henry Quillby High School marched on Friday. Henry Quillby, the civil rights leader, was born here. Quillby died in 1968.",
			spans:  []span{{"PER", "Henry Quillby"}, {"PER", "Quillby"}},
			want:   map[string]string{"PER:Henry Quillby": "local:person:henry-quillby |||"},
			absent: []string{"LOC:Henry Quillby"},
		},
		{
			name:  "a department or a school left off: one body",
			title: "Shooting", body: "The Quorra Police Department said the boy was shot. Quorra Police are searching for the gunman, who studied at Quillby Law School. Quillby Law said nothing.",
			spans:  []span{{"ORG", "Quorra Police Department"}, {"ORG", "Quorra Police"}, {"ORG", "Quillby Law School"}, {"ORG", "Quillby Law"}},
			want:   map[string]string{"ORG:Quorra Police Department": "local:org:quorra-police-department ||", "ORG:Quillby Law School": "local:org:quillby-law-school ||"},
			absent: []string{"ORG:Quorra Police", "ORG:Quillby Law"},
		},
		{
			name:  "a body that is no generic head keeps its name alone",
			title: "Vote", body: "The Senate passed the bill. The Congress will vote on Friday.",
			spans: []span{{"ORG", "Senate"}, {"ORG", "Congress"}},
			want:  map[string]string{"ORG:Senate": "local:org:senate |"},
		},
	})
}
