module github.com/newsflow/newsflow/services/dedupe

go 1.26

replace (
	github.com/newsflow/newsflow/pkg/schema => ../../pkg/schema
	github.com/newsflow/newsflow/pkg/stage => ../../pkg/stage
)
