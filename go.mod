module github.com/newsflow/newsflow

go 1.26

replace (
	github.com/newsflow/newsflow/pkg/schema => ./pkg/schema
	github.com/newsflow/newsflow/pkg/stage => ./pkg/stage
	github.com/newsflow/newsflow/services/dedupe => ./services/dedupe
	github.com/newsflow/newsflow/services/enrich => ./services/enrich
	github.com/newsflow/newsflow/services/indexer => ./services/indexer
	github.com/newsflow/newsflow/services/ingest => ./services/ingest
)
