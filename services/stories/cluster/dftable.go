package cluster

// dfTable counts the documents each term occurred in: open addressing
// over two arrays, 12 bytes a slot and at most 7 slots in 8 used, about
// 18 bytes a term where a map[uint64]uint32 took 37 (up to 2 million
// terms, MaxTerms). It is a Robin Hood table with ties broken by term:
// its layout depends only on its terms and its size, never on the order
// they came and went in, so a rolled-back batch leaves it exactly as it
// was (undo.go).
type dfTable struct {
	terms  []uint64
	counts []uint32 // 0 marks an empty slot
	n      int
	shift  uint // 64 - log2(len(terms))
}

// minDFSlots is the size of a table's first array.
const minDFSlots = 1 << 10

// home is the slot a term's probe starts at (Fibonacci hashing: the
// multiply spreads FNV's bits over the top ones).
func (d *dfTable) home(t uint64) int { return int((t * 0x9E3779B97F4A7C15) >> d.shift) }

// dist is how far slot i is from the home of the term in it.
func (d *dfTable) dist(i int) int { return (i - d.home(d.terms[i])) & (len(d.terms) - 1) }

func (d *dfTable) len() int { return d.n }

// slots is the size of the arrays (0 for an empty table never grown).
func (d *dfTable) slots() int { return len(d.terms) }

// find is the slot of term t, or -1.
func (d *dfTable) find(t uint64) int {
	if d.n == 0 {
		return -1
	}
	mask := len(d.terms) - 1
	for i, k := d.home(t), 0; ; i, k = (i+1)&mask, k+1 {
		if d.counts[i] == 0 || d.dist(i) < k {
			return -1
		}
		if d.terms[i] == t {
			return i
		}
	}
}

func (d *dfTable) get(t uint64) uint32 {
	if i := d.find(t); i >= 0 {
		return d.counts[i]
	}
	return 0
}

// set gives term t the count n; 0 deletes it.
func (d *dfTable) set(t uint64, n uint32) {
	i := d.find(t)
	switch {
	case i >= 0 && n > 0:
		d.counts[i] = n
	case i >= 0:
		d.deleteAt(i)
	case n > 0:
		if (d.n+1)*8 > len(d.terms)*7 {
			d.resize(max(minDFSlots, 2*len(d.terms)))
		}
		d.insert(t, n)
	}
}

func (d *dfTable) inc(t uint64) {
	if i := d.find(t); i >= 0 {
		d.counts[i]++
		return
	}
	d.set(t, 1)
}

// insert places a term known to be absent, in a table with room: a term
// further from its home than the one in a slot (or as far, with a lower
// term) takes the slot, and the displaced one goes on probing.
func (d *dfTable) insert(t uint64, n uint32) {
	mask := len(d.terms) - 1
	for i, k := d.home(t), 0; ; i, k = (i+1)&mask, k+1 {
		if d.counts[i] == 0 {
			d.terms[i], d.counts[i] = t, n
			d.n++
			return
		}
		if di := d.dist(i); di < k || di == k && t < d.terms[i] {
			d.terms[i], t = t, d.terms[i]
			d.counts[i], n = n, d.counts[i]
			k = di
		}
	}
}

// deleteAt empties slot i and moves the terms after it back one slot
// each, up to an empty slot or a term at its home.
func (d *dfTable) deleteAt(i int) {
	mask := len(d.terms) - 1
	for {
		j := (i + 1) & mask
		if d.counts[j] == 0 || d.dist(j) == 0 {
			d.terms[i], d.counts[i] = 0, 0
			d.n--
			return
		}
		d.terms[i], d.counts[i] = d.terms[j], d.counts[j]
		i = j
	}
}

// resize moves the terms into arrays of size slots (a power of two that
// holds them; 0 for an empty table).
func (d *dfTable) resize(slots int) {
	if slots == 0 {
		*d = dfTable{} // a rolled-back first batch: the table as NewState made it
		return
	}
	terms, counts := d.terms, d.counts
	d.terms, d.counts, d.n = make([]uint64, slots), make([]uint32, slots), 0
	d.shift = 64
	for s := slots; s > 1; s >>= 1 {
		d.shift--
	}
	for i, n := range counts {
		if n > 0 {
			d.insert(terms[i], n)
		}
	}
}

// each calls f with every term and its count, in slot order.
func (d *dfTable) each(f func(t uint64, n uint32)) {
	for i, n := range d.counts {
		if n > 0 {
			f(d.terms[i], n)
		}
	}
}
