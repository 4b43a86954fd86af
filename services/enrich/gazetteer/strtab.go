package gazetteer

import "strings"

// strtab is a list of strings kept end to end in one string. To the
// collector it is two objects, where a []string of built strings is a
// pointer per string, each to an object of its own, and every collection
// visits them all: the gazetteer's surfaces and keys are about 190,000
// strings that live as long as the process.
type strtab struct {
	all string
	// end[i] is where string i ends in all; it starts where i-1 ends.
	end []uint32
}

// newStrtab copies ss into a strtab.
func newStrtab(ss []string) strtab {
	n := 0
	for _, s := range ss {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	t := strtab{end: make([]uint32, len(ss))}
	for i, s := range ss {
		b.WriteString(s)
		t.end[i] = uint32(b.Len())
	}
	t.all = b.String()
	return t
}

// at returns string i.
func (t *strtab) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.end[i-1]
	}
	return t.all[start:t.end[i]]
}

// len returns the number of strings.
func (t *strtab) len() int { return len(t.end) }

// packEntries copies the strings of entries (ID, Name, Country) into one
// string and points the entries at it. Read from the data files, each
// name was a slice of its row, which kept the whole row (alternate names
// and all) alive, an object per row for the collector to visit.
func packEntries(entries []Entry) {
	n := 0
	for i := range entries {
		e := &entries[i]
		n += len(e.ID) + len(e.Name) + len(e.Country)
	}
	var b strings.Builder
	b.Grow(n)
	ends := make([]int, 0, 3*len(entries))
	for i := range entries {
		e := &entries[i]
		for _, s := range []string{e.ID, e.Name, e.Country} {
			b.WriteString(s)
			ends = append(ends, b.Len())
		}
	}
	all := b.String()
	start := 0
	next := func() string {
		s := all[start:ends[0]]
		start, ends = ends[0], ends[1:]
		return s
	}
	for i := range entries {
		e := &entries[i]
		e.ID, e.Name, e.Country = next(), next(), next()
	}
}
