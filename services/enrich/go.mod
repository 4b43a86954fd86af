module github.com/newsflow/newsflow/services/enrich

go 1.26.0

replace (
	github.com/newsflow/newsflow/pkg/schema => ../../pkg/schema
	github.com/newsflow/newsflow/pkg/stage => ../../pkg/stage
)

require (
	github.com/petar-dambovaliev/aho-corasick v0.0.0-20250424160509-463d218d4745 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.27.1 // indirect
	golang.org/x/text v0.43.0 // indirect
)
