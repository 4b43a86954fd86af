module github.com/newsflow/newsflow/pkg/stage

go 1.26

replace github.com/newsflow/newsflow/pkg/schema => ../schema
