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
	for _, group := range byName {
		if len(group) < 2 || knownIDs(ents, group) > 1 {
			continue
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
