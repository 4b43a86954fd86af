// Step 6 of the model: salience, and the order of entities.

package resolve

import (
	"math"
	"sort"

	"github.com/newsflow/newsflow/pkg/schema"
)

// Salience scores how central an entity is to an article, from 0 to 1:
//
//	0.30 if it is in the headline
//	0.20 if it is in the lead (first paragraph of the body)
//	0.20 × (1 − pos), pos being the first mention's offset in the body over
//	     the body's length (0 for the headline)
//	0.30 × min(1, log2(1+mentions) / log2(9)), so 8 mentions saturate
//
// rounded to three decimals.
func Salience(headline, lead bool, pos float64, mentions int) float64 {
	v := 0.0
	if headline {
		v += 0.3
	}
	if lead {
		v += 0.2
	}
	pos = math.Max(0, math.Min(1, pos))
	v += 0.2 * (1 - pos)
	if mentions > 0 {
		v += 0.3 * math.Min(1, math.Log2(1+float64(mentions))/math.Log2(9))
	}
	return math.Round(math.Min(1, v)*1000) / 1000
}

func less(a, b schema.Entity) bool {
	if a.Salience != b.Salience {
		return a.Salience > b.Salience
	}
	return a.Name < b.Name
}

func sortEntities(es []schema.Entity) {
	sort.SliceStable(es, func(i, j int) bool { return less(es[i], es[j]) })
}
