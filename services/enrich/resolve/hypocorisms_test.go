package resolve

import "testing"

// TestHypocorisms covers hypocorisms (issue 14, session 14): one person
// written with a first name and its nickname.
func TestHypocorisms(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:   "a nickname and the name it shortens, one surname",
			title:  "Aid plan",
			body:   "Jeffrey Quillby, the coordinator, spoke on Monday. Jeff Quillby said the plan was ready. Jeff Quillby left.",
			spans:  []span{{"PER", "Jeffrey Quillby"}, {"PER", "Jeff Quillby"}},
			want:   map[string]string{"PER:Jeff Quillby": "local:person:jeff-quillby |||"},
			absent: []string{"PER:Jeffrey Quillby"},
		},
		{
			name:  "a third first name with the surname: nothing joins",
			title: "Family",
			body:  "Jeffrey Quillby met Jeff Quillby and Marcus Quillby on Monday.",
			spans: []span{{"PER", "Jeffrey Quillby"}, {"PER", "Jeff Quillby"}, {"PER", "Marcus Quillby"}},
			want: map[string]string{"PER:Jeffrey Quillby": "local:person:jeffrey-quillby |", "PER:Jeff Quillby": "local:person:jeff-quillby |",
				"PER:Marcus Quillby": "local:person:marcus-quillby |"},
		},
		{
			name:  "two first names that are no nickname of each other stay two persons",
			title: "Family",
			body:  "Jeffrey Quillby met Robert Quillby on Monday.",
			spans: []span{{"PER", "Jeffrey Quillby"}, {"PER", "Robert Quillby"}},
			want:  map[string]string{"PER:Jeffrey Quillby": "local:person:jeffrey-quillby |", "PER:Robert Quillby": "local:person:robert-quillby |"},
		},
	})
}
