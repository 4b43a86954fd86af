package cluster

import (
	"strings"
	"unicode"
)

// oneNamePerEntity joins, for a story's document, the entities its
// members named differently (enrich decides each article on its own
// evidence, so one outlet's "Romney" can be an organisation where the
// others write the person Mitt Romney):
//
//   - one name under two types ("Mitt Romney" a person in most reports,
//     an organisation in one) is one entity, of the type that carries the
//     knowledge base's id, else of the type with the larger salience.
//     Two different knowledge-base ids under one name stay apart.
//   - spellings of one person's name (Mohamed Morsi, Mohammed Morsi and
//     Mohamed Mursi, but not Ahmed Hassan and Ahmed Hussein: spellingKey)
//     are one person, of the knowledge base's id, else of the most
//     salient spelling.
//   - a one-word person or organisation without a knowledge-base id
//     that is the last word of exactly one person of the story ("Romney",
//     "Savile", the "II" of John Paul II) is that person, as a surname
//     alone takes the full name within an article.
//
// Salience and mentions add up on the entity that stays; nothing else of
// the story changes. It works on the snapshot's copy of the entities.
func oneNamePerEntity(ents []storyEntity) []storyEntity {
	if len(ents) < 2 {
		return ents
	}
	into := make([]int, len(ents)) // index of the entity each one joins
	for i := range into {
		into[i] = i
	}
	join := func(from, to int) {
		ents[to].salience += ents[from].salience
		ents[to].mentions += ents[from].mentions
		into[from] = to
	}

	byName := make(map[string][]int, len(ents))
	for i := range ents {
		k := nameKey(ents[i].name)
		byName[k] = append(byName[k], i)
	}
	// joinGroup makes a group of names of one entity one entity, unless
	// two of them have knowledge-base ids (then they are known apart).
	joinGroup := func(group []int) {
		if len(group) < 2 || knownIDs(ents, group) > 1 {
			return
		}
		keep := group[0]
		for _, i := range group[1:] {
			if outranks(&ents[i], &ents[keep]) {
				keep = i
			}
		}
		for _, i := range group {
			if i != keep {
				join(i, keep)
			}
		}
	}
	for _, group := range byName {
		joinGroup(group)
	}

	// Spellings of one person's name (transliterations: Mohamed Morsi,
	// Mohammed Morsi, Mohamed Mursi) share a spellingKey.
	bySpelling := make(map[string][]int)
	for i := range ents {
		if into[i] == i && ents[i].kind == 'p' {
			if k := spellingKey(ents[i].name); k != "" {
				bySpelling[k] = append(bySpelling[k], i)
			}
		}
	}
	for _, group := range bySpelling {
		joinGroup(group)
	}

	bySurname := make(map[string]int) // last word of a person's name -> the person, -1 when two share it
	for i := range ents {
		e := &ents[i]
		if into[i] != i || e.kind != 'p' {
			continue
		}
		words := strings.Fields(e.name)
		if len(words) < 2 {
			continue
		}
		k := nameKey(words[len(words)-1])
		if j, seen := bySurname[k]; seen && j != i {
			bySurname[k] = -1
		} else {
			bySurname[k] = i
		}
	}
	for i := range ents {
		e := &ents[i]
		if into[i] != i || e.kind == 'l' || knownID(e.id) || strings.ContainsFunc(strings.TrimSpace(e.name), unicode.IsSpace) {
			continue
		}
		if j, ok := bySurname[nameKey(e.name)]; ok && j >= 0 && j != i {
			join(i, j)
		}
	}

	out := ents[:0]
	for i := range ents {
		if into[i] == i {
			out = append(out, ents[i])
		}
	}
	return out
}

// outranks reports whether a, rather than b, is the entity one name under
// two types stands for: the one with a knowledge-base id, else the more
// salient, else the first in id order (b, as the slice is in id order).
func outranks(a, b *storyEntity) bool {
	if ka, kb := knownID(a.id), knownID(b.id); ka != kb {
		return ka
	}
	return a.salience > b.salience
}

// knownID reports whether an entity id comes from a knowledge base
// (a Wikidata QID or a GeoNames id) rather than from its name
// ("local:person:…").
func knownID(id string) bool { return !strings.HasPrefix(id, "local:") }

// knownIDs counts the entities of group with a knowledge-base id (ids
// are distinct within a story).
func knownIDs(ents []storyEntity, group []int) int {
	n := 0
	for _, i := range group {
		if knownID(ents[i].id) {
			n++
		}
	}
	return n
}

// spellingKey is what the spellings of one person's name that news
// outlets transliterate differently have in common: the nameKey with
// doubled letters single ("Mohammed" is "Mohamed") and each vowel of the
// surname after its first letter a wildcard ("Mursi" is "Morsi", but
// "Hussein" is not "Hassan"). Only names of two or more words whose
// surname has four letters or more have one; first names keep their
// vowels, since "Brian" and "Bruno" are two people.
func spellingKey(name string) string {
	words := strings.Fields(nameKey(name))
	if len(words) < 2 || len([]rune(words[len(words)-1])) < 4 {
		return ""
	}
	for i, w := range words {
		words[i] = singleLetters(w, i == len(words)-1)
	}
	return strings.Join(words, " ")
}

// singleLetters writes doubled letters once and, with anyVowel, each
// vowel after the first letter as '*'.
func singleLetters(w string, anyVowel bool) string {
	var b strings.Builder
	var last rune
	for i, r := range w {
		if r == last {
			continue
		}
		last = r
		if i > 0 && anyVowel && strings.ContainsRune("aeiouy", r) {
			r = '*'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nameKey is a name's letters and digits in lower case, words apart:
// "George W. Bush" and "George W Bush" share it.
func nameKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r):
			space = true
		}
	}
	return b.String()
}
