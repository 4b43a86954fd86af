package resolve

import "testing"

// TestProducts covers the product rules of products.go (issue 14,
// session 14): technologies, programs and viruses named by the words
// around them are not shown; their makers are.
func TestProducts(t *testing.T) {
	checkCases(t, []entityCase{
		{
			name:  "a virus and a technology named by the noun after them",
			title: "Phone worm", body: "The Zorvex virus spreads over short range Quellink technology. Zorvex only affects handsets. Quellink is common. Anti-virus firm Sophos issued a warning.",
			spans:  []span{{"ORG", "Zorvex"}, {"ORG", "Zorvex"}, {"ORG", "Quellink"}, {"ORG", "Quellink"}, {"ORG", "Sophos"}},
			want:   map[string]string{"ORG:Sophos": "local:org:sophos |"},
			absent: []string{"ORG:Zorvex", "ORG:Quellink"},
		},
		{
			name:  "one lower-case word between the name and the noun",
			title: "New PCs", body: "The machines have memory card slots, and Lumo Scribe labelling software which lets people print labels.",
			spans:  []span{{"ORG", "Lumo Scribe"}},
			absent: []string{"ORG:Lumo Scribe"},
		},
		{
			name:  "the maker speaks or owns: a company, not its software",
			title: "Macs", body: "The machine comes with Pomarc software. Pomarc said it would sell millions. Buyers like Pomarc's design.",
			spans: []span{{"ORG", "Pomarc"}, {"ORG", "Pomarc"}, {"ORG", "Pomarc"}},
			want:  map[string]string{"ORG:Pomarc": "local:org:pomarc |||"},
		},
		{
			name:  "a company cue around a mention: the maker",
			title: "Macs", body: "The machine comes with Pomarc software. A Pomarc spokesman confirmed the price.",
			spans: []span{{"ORG", "Pomarc"}, {"ORG", "Pomarc"}},
			want:  map[string]string{"ORG:Pomarc": "local:org:pomarc ||"},
		},
		{
			name:  "a company's spokesman and a technology director: a body",
			title: "Phones", body: "Gary Stowell, spokesman for St Bernix software, spoke. Services are costly, said Deaf Rindo technology director Guido Gybels.",
			spans: []span{{"PER", "Gary Stowell"}, {"ORG", "St Bernix"}, {"ORG", "Deaf Rindo"}, {"PER", "Guido Gybels"}},
			want:  map[string]string{"ORG:St Bernix": "local:org:st-bernix |", "ORG:Deaf Rindo": "local:org:deaf-rindo |"},
		},
		{
			name:  "a tool called a name",
			title: "Photos", body: "The firm has released a photo tool. The tool, called Pixora, finds photos on a PC. A messaging application called Chatlo is built in.",
			spans:  []span{{"ORG", "Pixora"}, {"ORG", "Chatlo"}},
			absent: []string{"ORG:Pixora", "ORG:Chatlo"},
		},
		{
			name:  "a company called a name is a company",
			title: "Start-up", body: "A company called Pixora has raised money.",
			spans: []span{{"ORG", "Pixora"}},
			want:  map[string]string{"ORG:Pixora": "local:org:pixora |"},
		},
		{
			name:  "names that hold the console's name, and its maker kept",
			title: "Quintendo handheld given date", body: "Quintendo's new handheld console, the QS, will launch soon, Quintendo said. Titles include Ubisoft's Rayman QS. Everyone wanted the Mario Kart QS. Fans like both the Quintendo QS and the PSP.",
			spans:  []span{{"ORG", "Quintendo"}, {"ORG", "Quintendo"}, {"ORG", "Quintendo"}, {"ORG", "Ubisoft"}, {"ORG", "Rayman QS"}, {"PER", "Mario Kart"}, {"ORG", "Quintendo QS"}},
			want:   map[string]string{"ORG:Quintendo": "local:org:quintendo ||||", "ORG:Ubisoft": "local:org:ubisoft |"},
			absent: []string{"ORG:Rayman QS", "PER:Mario Kart", "ORG:Quintendo QS"},
		},
		{
			name:  "a name ending in a technology's name",
			title: "TV", body: "Broadband firms back Quix technology. Sales of Home Quix boxes rose.",
			spans:  []span{{"ORG", "Home Quix"}},
			absent: []string{"ORG:Home Quix"},
		},
		{
			name:  "a product does not take its maker along a list",
			title: "Consoles", body: "The next games console, codenamed Xenon, will be shown in May. Details of Xenon and Quintendo's Revolution are yet to come.",
			spans:  []span{{"ORG", "Xenon"}, {"ORG", "Xenon"}, {"ORG", "Quintendo"}},
			want:   map[string]string{"ORG:Quintendo": "local:org:quintendo |"},
			absent: []string{"ORG:Xenon"},
		},
	})
}
