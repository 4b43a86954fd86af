package resolve

import "testing"

// TestParticleSurnames covers particleSurname (issue 14, session 14): a
// surname that opens with a particle, capitalised where it opens a
// sentence or stands in a list, joins the person named in full.
func TestParticleSurnames(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "Van Persie and Van der Sar join the full names",
			title: "Draw", body: "Substitute Robin van Persie nearly scored. Edwin van der Sar saved twice. Van Persie was booked and Van der Sar was praised.",
			spans:  []span{{"PER", "Robin van Persie"}, {"PER", "Edwin van der Sar"}, {"PER", "Van Persie"}, {"PER", "Van der Sar"}},
			want:   map[string]string{"PER:Robin van Persie": "local:person:robin-van-persie ||", "PER:Edwin van der Sar": "local:person:edwin-van-der-sar ||"},
			absent: []string{"PER:Van Persie", "PER:Van der Sar"},
		},
		{
			name:  "no full name: the surname stays, and two persons of one surname stay apart",
			title: "Art", body: "Van Gogh painted it. Theo van Gogh and Vincent van Gogh wrote letters. Van Gogh died poor.",
			spans: []span{{"PER", "Van Gogh"}, {"PER", "Theo van Gogh"}, {"PER", "Vincent van Gogh"}},
			want:  map[string]string{"PER:Van Gogh": "local:person:van-gogh ||", "PER:Theo van Gogh": "local:person:theo-van-gogh |"},
		},
		{
			name:  "other particles are another surname",
			title: "Match", body: "Demy de Zeeuw scored. Van Zeeuw, his cousin, watched.",
			spans: []span{{"PER", "Demy de Zeeuw"}, {"PER", "Van Zeeuw"}},
			want:  map[string]string{"PER:Demy de Zeeuw": "local:person:demy-de-zeeuw |", "PER:Van Zeeuw": "local:person:van-zeeuw |"},
		},
	})
}
