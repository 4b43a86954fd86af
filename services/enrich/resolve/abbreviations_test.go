package resolve

import "testing"

// TestAbbreviatedNames covers abbreviations in shortForms (issue 14,
// session 15): a name of short abbreviations of an organisation's words
// is that organisation, whatever the tagger typed it, and the long name
// names it.
func TestAbbreviatedNames(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a club's abbreviated name, typed a person twice, and one typed a place",
			title: "Quorrachester Utd eye striker", body: "The striker spoke to Quorrachester United on Monday. Quorrachester Utd have bid twice for the striker. He left Quillford City in May; Quill City fans wept.",
			spans:  []span{{"PER", "Quorrachester Utd"}, {"ORG", "Quorrachester United"}, {"ORG", "Quillford City"}, {"LOC", "Quill City"}},
			want:   map[string]string{"ORG:Quorrachester United": "local:org:quorrachester-united |||", "ORG:Quillford City": "local:org:quillford-city ||"},
			absent: []string{"PER:Quorrachester Utd", "ORG:Quorrachester Utd", "LOC:Quill City"},
		},
		{
			name:  "a person whose words begin an organisation's, longer than an abbreviation, stays a person",
			title: "Premiere", body: "Tom Quillise arrived late. Tomorrow Quillises, the studio, paid for the party.",
			spans: []span{{"PER", "Tom Quillise"}, {"ORG", "Tomorrow Quillises"}},
			want:  map[string]string{"PER:Tom Quillise": "local:person:tom-quillise |", "ORG:Tomorrow Quillises": "local:org:tomorrow-quillises |"},
		},
	})
}

// TestLocalBodies covers localBodies (issue 14, session 15): a local force
// or office written without its place is the one the article names in
// full.
func TestLocalBodies(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a sheriff's office named in full once, then without its county",
			title: "Shooting", body: "The Quorra County Sheriff’s Office said a boy was shot. The Sheriff's Office said later that he was 12.",
			spans:  []span{{"ORG", "Quorra County Sheriff’s Office"}, {"ORG", "Sheriff's Office"}},
			want:   map[string]string{"ORG:Quorra County Sheriff’s Office": "local:org:quorra-county-sheriff-s-office ||"},
			absent: []string{"ORG:Sheriff's Office"},
		},
		{
			name:  "two offices in full leave the short name apart",
			title: "Shooting", body: "The Quorra County Sheriff's Office and the Quill County Sheriff's Office searched. The Sheriff's Office said nothing.",
			spans: []span{{"ORG", "Quorra County Sheriff's Office"}, {"ORG", "Quill County Sheriff's Office"}, {"ORG", "Sheriff's Office"}},
			want:  map[string]string{"ORG:Quorra County Sheriff's Office": "local:org:quorra-county-sheriff-s-office |", "ORG:Sheriff's Office": "local:org:sheriff-s-office |"},
		},
	})
}
