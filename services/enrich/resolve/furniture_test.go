package resolve

import "testing"

// TestFurniture covers furniture (issue 14, session 13): the words of the
// web page around an article are no part of a name.
func TestFurniture(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "an advertisement label and a copyright line before a name",
			title: "Death", body: "Media requires JavaScript to play. Advertisement Quorrazone singer Henry Quillby has died. Copyright Quorra Press",
			spans:  []span{{"ORG", "Advertisement Quorrazone"}, {"PER", "Henry Quillby"}, {"ORG", "Copyright Quorra Press"}},
			want:   map[string]string{"ORG:Quorrazone": "local:org:quorrazone |", "ORG:Quorra Press": "local:org:quorra-press |"},
			absent: []string{"ORG:Advertisement Quorrazone", "ORG:Copyright Quorra Press"},
		},
		{
			name:  "a caption's controls and a rights line alone, and a photo button before words in lower case",
			title: "Shooting", body: "Image 1 of 3 Caption Close Image 1 of 3 Gunshots rang out. All Rights Reserved. Buy Photo Police vehicles block the street.",
			spans:  []span{{"ORG", "Caption Close"}, {"ORG", "All Rights Reserved"}, {"ORG", "Buy Photo Police vehicles"}},
			absent: []string{"ORG:Caption Close", "ORG:All Rights Reserved", "ORG:Rights Reserved", "ORG:Buy Photo Police vehicles", "ORG:Police vehicles", "ORG:Police"},
		},
	})
}
