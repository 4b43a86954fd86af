package resolve

import "testing"

// TestFullerNames covers fullerNames (issue 14, session 15): a name of
// two words or more that ends a longer person's name in the article is
// that person.
func TestFullerNames(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a compound surname and the last two of three names join the full name, and the surname alone too",
			title: "Talks", body: "Iain Quorran Smith spoke first. Mohammad Faisal Quillam, the police chief, said two men fled. Quorran Smith disagreed. Faisal Quillam said Quillam's men were searching.",
			spans:  []span{{"PER", "Iain Quorran Smith"}, {"PER", "Mohammad Faisal Quillam"}, {"PER", "Quorran Smith"}, {"PER", "Faisal Quillam"}, {"PER", "Quillam"}},
			want:   map[string]string{"PER:Iain Quorran Smith": "local:person:iain-quorran-smith ||", "PER:Mohammad Faisal Quillam": "local:person:mohammad-faisal-quillam |||"},
			absent: []string{"PER:Quorran Smith", "PER:Faisal Quillam", "PER:Quillam"},
		},
		{
			name:  "a title, an abbreviation or a word written in lower case the tagger ran on to is no first name",
			title: "Visit", body: "VP Quorra Harris arrived. Quorra Harris met the governor. If Jossa Quill wins, Jossa Quill will sing, if asked.",
			spans: []span{{"PER", "VP Quorra Harris"}, {"PER", "Quorra Harris"}, {"PER", "If Jossa Quill"}, {"PER", "Jossa Quill"}},
			want:  map[string]string{"PER:Quorra Harris": "local:person:quorra-harris |", "PER:Jossa Quill": "local:person:jossa-quill |"},
		},
		{
			name:  "two names run together, one of which the article names alone, and two longer names that end alike",
			title: "Vigil", body: "Remembering Devon Quofton Brian Quassella. Devon Quofton was 17. Brian Quassella took the photo. Anna Maria Quell and Lucia Maria Quell sang; Maria Quell wept.",
			spans: []span{{"PER", "Devon Quofton Brian Quassella"}, {"PER", "Devon Quofton"}, {"PER", "Brian Quassella"}, {"PER", "Anna Maria Quell"}, {"PER", "Lucia Maria Quell"}, {"PER", "Maria Quell"}},
			want:  map[string]string{"PER:Brian Quassella": "local:person:brian-quassella |", "PER:Maria Quell": "local:person:maria-quell |"},
		},
	})
}

// TestHostedShows covers a programme named after its host (issue 14,
// session 15): "the Andrew Marr Show" is no person; the host is.
func TestHostedShows(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a show named after its host",
			title: "Interview", body: "Speaking on the Andrew Quorr Show, the minister said no. Andrew Quorr asked again.",
			spans:  []span{{"PER", "Andrew Quorr Show"}, {"PER", "Andrew Quorr"}},
			want:   map[string]string{"PER:Andrew Quorr": "local:person:andrew-quorr |"},
			absent: []string{"PER:Andrew Quorr Show", "ORG:Andrew Quorr Show", "LOC:Andrew Quorr Show"},
		},
	})
}
