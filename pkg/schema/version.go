package schema

import "time"

// Version returns the version of d that every index and the export keep
// when an article arrives more than once (a redelivery, a replay, a dedupe
// merge): the highest wins, and an equal one is the same write again.
// It is VersionOf(d.IngestedAt, d.DedupeRevision).
func (d *Document) Version() int64 { return VersionOf(d.IngestedAt, d.DedupeRevision) }

// VersionOf is the one ordering rule for versions of an article: its
// ingest time in milliseconds since 2020-01-01 in the high 41 bits, and
// its dedupe revision modulo 2^22 in the low 22 bits. So
//   - a later ingest wins whatever the revisions (a replay of older data
//     never overwrites newer data);
//   - of two versions ingested in the same millisecond, the later dedupe
//     decision wins: a merge re-sends an article with its ingest time and
//     a corrected cluster, and a stale decision arriving after it loses.
//     The two revisions are a few hundred apart, so the modulo reorders
//     them with odds of about one in ten thousand.
//
// A time before 2020 counts as 2020; the time half lasts until 2089.
// Elasticsearch takes it as the external version of a write.
func VersionOf(ingestedAt time.Time, dedupeRevision uint64) int64 {
	ms := ingestedAt.UnixMilli() - versionEpochMillis
	if ms < 0 {
		ms = 0
	}
	return ms<<versionRevisionBits | int64(dedupeRevision&(1<<versionRevisionBits-1))
}

const (
	// versionEpochMillis is 2020-01-01T00:00:00Z, the zero of VersionOf's
	// time half.
	versionEpochMillis = 1577836800000
	// versionRevisionBits is the width of VersionOf's revision half.
	versionRevisionBits = 22
)
