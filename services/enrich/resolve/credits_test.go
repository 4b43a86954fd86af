package resolve

import "testing"

// TestCredits covers credits (issue 14, session 15): a photographer named
// in a photo credit is no person of the article.
func TestCredits(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a credit word and a colon, the name ended by the agency's slash",
			title: "Weiner resigns", body: "Henry Quillby spoke on Thursday. Photo: SAUL QUORRAB/AFP\n\nQuillby left.",
			spans:  []span{{"PER", "Henry Quillby"}, {"PER", "SAUL QUORRAB"}, {"ORG", "AFP"}},
			want:   map[string]string{"PER:Henry Quillby": "local:person:henry-quillby ||"},
			absent: []string{"PER:Saul Quorrab", "PER:SAUL QUORRAB", "ORG:AFP", "ORG:Agence France-Presse"},
		},
		{
			name:  "an agency's photo and a slash, and 'Photo by' with the agency's name after the slash",
			title: "Pope", body: "The statue collapsed. (AP Photo/Bob Quillbraith, File) A view of the statue. (Photo by Adam Quorraberry/Getty Images) The pope was born in Wadowice.",
			spans:  []span{{"PER", "Bob Quillbraith"}, {"PER", "Adam Quorraberry"}, {"LOC", "Getty"}},
			absent: []string{"PER:Bob Quillbraith", "PER:Adam Quorraberry", "LOC:Getty"},
		},
		{
			name:  "'Photo credit should read', and a name followed by a slash and an agency alone",
			title: "Gaza", body: "Families fled. (Photo credit should read THOMAS QUORREX/AFP/Getty Images) The economy grew. Chip Quillman/Bloomberg News\n\nPrices rose.",
			spans:  []span{{"PER", "THOMAS QUORREX"}, {"PER", "Chip Quillman"}},
			absent: []string{"PER:THOMAS QUORREX", "PER:Thomas Quorrex", "PER:Chip Quillman"},
		},
		{
			name:  "a caption that opens with 'Photo:' names its subject, and the article's other mentions of a photographer stay",
			title: "Rally", body: "Photo: Henry Quillby waves to supporters in Ohio. Photograph: Anna Quorrow/Getty Images\n\nAnna Quorrow, the photographer, won a prize.",
			spans: []span{{"PER", "Henry Quillby"}, {"PER", "Anna Quorrow"}},
			want:  map[string]string{"PER:Henry Quillby": "local:person:henry-quillby |", "PER:Anna Quorrow": "local:person:anna-quorrow |"},
		},
		{
			name:  "a station's report credited with an agency is no photo credit",
			title: "Shooting", body: "QUORRA CITY (KQRR/AP) — A girl has been shot. KQRR said the police were looking for a car.",
			spans: []span{{"ORG", "KQRR"}},
			want:  map[string]string{"ORG:KQRR": "local:org:kqrr ||"},
		},
	})
}
