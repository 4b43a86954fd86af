module github.com/newsflow/newsflow/pkg/schema

go 1.26
