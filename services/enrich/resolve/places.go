// Step 5 of the model: choosing among a place's candidates by the
// countries of the article.

package resolve

import (
	"github.com/newsflow/newsflow/services/enrich/gazetteer"
)

// placeContext chooses among a place's candidates by the countries the
// article is about.
func (s *state) placeContext(clusters map[int]*cluster) {
	ctx := make(map[string]bool)
	for _, c := range clusters {
		if c.typ != gazetteer.Place || c.entry == nil {
			continue
		}
		// Countries, curated regions, the dateline, capitals, and cities
		// whose name is theirs alone set the context; a small namesake
		// town does not, nor a subdivision of the knowledge base (Kent,
		// Midlands of Zimbabwe), which needs its country in view.
		e := c.entry
		if e.Class == gazetteer.Country || c.dateline || e.Curated ||
			countryCount(c.cands) == 1 && (e.Population >= 100000 || e.Class == gazetteer.AdminSeat || e.Class == gazetteer.Capital) {
			if e.Country != "" {
				ctx[e.Country] = true
			}
		}
	}
	for _, c := range clusters {
		if c.typ != gazetteer.Place || c.entry == nil || c.entry.Class == gazetteer.Country || c.entry.Curated {
			continue
		}
		best := c.entry
		for _, cand := range c.cands {
			e := cand.Entry
			if e.Type != gazetteer.Place || cand.Alternate || !ctx[e.Country] || ctx[best.Country] {
				continue
			}
			// Context wins unless it would trade a capital for a town, or
			// a capital for a town of under 200,000 a third its size: the
			// prominent sense wins (Athens, Greece over Athens, Georgia in
			// a story that names the United States; "Athens, Georgia" is
			// read by besideCountry).
			if best.Class >= gazetteer.Capital && e.Class < gazetteer.AdminSeat && e.Population < 100000 ||
				best.Class >= gazetteer.Capital && e.Class < gazetteer.Capital && e.Population < 200000 && best.Population > 3*e.Population {
				continue
			}
			best = e
		}
		c.entry = best
	}
	for _, c := range clusters {
		// A town abroad that nothing in the article points to is more
		// likely a namesake ("Westminster", "Somerset" in a British story
		// are not the American towns): keep the name, drop the pin. Under
		// 300,000 people with other countries in view, under 100,000
		// without.
		// A subdivision (Kent) keeps its pin when no country is in view.
		if e := c.entry; c.typ == gazetteer.Place && e != nil && !e.Curated && e.Class < gazetteer.Capital && !ctx[e.Country] &&
			(len(ctx) > 0 && e.Population < 300000 || e.Population < 100000 && e.Class != gazetteer.Region) {
			c.entry = nil
		}
	}
}

func countryCount(cs []gazetteer.Candidate) int {
	seen := make(map[string]bool)
	for _, c := range cs {
		if c.Entry.Type == gazetteer.Place && !c.Alternate {
			seen[c.Entry.Country] = true
		}
	}
	return len(seen)
}
