package extracteval

import (
	"path/filepath"
	"testing"
	"fmt"
	"os"
)

func TestShow(t *testing.T) {
	dir := "/work/shared/data/extraction/scrapinghub-aeb"
	id := os.Getenv("ID")
	page, _ := readPage(filepath.Join(dir, "html", id+".html"))
	got, err := Extract(page, os.Getenv("U"))
	fmt.Println(err)
	fmt.Println(got)
}
