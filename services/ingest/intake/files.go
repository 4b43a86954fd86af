package intake

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/pkg/schema"
	"github.com/newsflow/newsflow/services/ingest/extract"
)

// ErrUnsupportedFile means a named file's extension is not one ReadPaths
// reads.
var ErrUnsupportedFile = errors.New("unsupported file type: want .txt, .json, .jsonl, .ndjson, .html, .htm, or .gz of one")

// ErrFileTooLarge means a file, or its decompressed content, exceeds
// MaxFileBytes.
var ErrFileTooLarge = errors.New("file too large")

// MaxFileBytes bounds what one file, once decompressed, may hold.
const MaxFileBytes = 1 << 30

// Item is one article read from a file, or the reason it could not be.
type Item struct {
	// Path is the file the item came from.
	Path string
	// Line is the line of a .jsonl/.ndjson file or the element number
	// (from 1) of a JSON array; 0 for whole-file items.
	Line int
	// Raw is the article, validated; nil when Err is set.
	Raw *schema.RawArticle
	// Err says why the item was rejected.
	Err error
	// Size is how many input bytes the item came from.
	Size int64
}

// String names the item's place: path, or path:line.
func (it Item) String() string {
	if it.Line > 0 {
		return fmt.Sprintf("%s:%d", it.Path, it.Line)
	}
	return it.Path
}

// File is one file to read, and the source its articles get when they
// name none.
type File struct {
	Path, Source string
}

// Listing is what Files found: the files to read, and the files of a
// folder left out because they document the folder rather than hold an
// article (see NotAnArticle).
type Listing struct {
	Files   []File
	Skipped []string
}

// Files lists the readable files under paths: a file named directly is
// listed whatever its extension (ReadPaths then reports an unsupported
// one); folders are walked recursively, in lexical order, keeping the
// supported extensions and skipping hidden entries and the files
// NotAnArticle names. Each file's source is source, or when that is
// empty the name of the folder given (for a file named directly, of the
// folder holding it).
func Files(paths []string, source string) (Listing, error) {
	var out Listing
	sourceOf := func(dir string) string {
		if source != "" {
			return source
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		if name := filepath.Base(dir); name != string(filepath.Separator) && name != "." {
			return name
		}
		return ""
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return Listing{}, fmt.Errorf("input: %w", err)
		}
		if !info.IsDir() {
			out.Files = append(out.Files, File{Path: p, Source: sourceOf(filepath.Dir(p))})
			continue
		}
		src := sourceOf(p)
		var found []File
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || kindOf(path) == kindUnknown {
				return nil
			}
			if NotAnArticle(d.Name()) {
				out.Skipped = append(out.Skipped, path)
				return nil
			}
			found = append(found, File{Path: path, Source: src})
			return nil
		})
		if err != nil {
			return Listing{}, fmt.Errorf("walk %s: %w", p, err)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].Path < found[j].Path })
		out.Files = append(out.Files, found...)
	}
	return out, nil
}

// notArticleNames are the names (before any extension or "-"/"_" suffix,
// in any case) of the files that describe a folder of data: its README,
// licence, authors, changes.
var notArticleNames = []string{"readme", "read_me", "licence", "license", "copying", "copyright", "notice",
	"authors", "contributors", "contributing", "changelog", "changes", "history", "install", "code_of_conduct"}

// NotAnArticle reports whether a file name found in a folder is one of
// the folder's own documents (README.txt, LICENCE, COPYING.md,
// license-mit.txt) rather than an article.
func NotAnArticle(name string) bool {
	base := strings.ToLower(name)
	for _, n := range notArticleNames {
		if rest, ok := strings.CutPrefix(base, n); ok && (rest == "" || strings.ContainsRune(".-_ ", rune(rest[0]))) {
			return true
		}
	}
	return false
}

type kind int

const (
	kindUnknown kind = iota
	kindText
	kindJSON
	kindJSONL
	kindHTML
)

// kindOf classifies a path by extension, looking through one .gz.
func kindOf(path string) kind {
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".txt":
		return kindText
	case ".json":
		return kindJSON
	case ".jsonl", ".ndjson":
		return kindJSONL
	case ".html", ".htm":
		return kindHTML
	}
	return kindUnknown
}

// ReadPaths reads every article in paths (files and folders, see Files;
// an article without a source gets its folder's name) and calls fn for
// each item, accepted or rejected, in a deterministic
// order. It stops at the first error fn returns, when ctx ends, or when
// a path cannot be listed; a file that cannot be read is reported as a
// rejected item and reading goes on.
func ReadPaths(ctx context.Context, paths []string, fn func(Item) error) error {
	list, err := Files(paths, "")
	if err != nil {
		return err
	}
	for _, f := range list.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := ReadFile(ctx, f.Path, withSource(f.Source, fn)); err != nil {
			return err
		}
	}
	return nil
}

// withSource gives the articles fn receives source when they name none.
func withSource(source string, fn func(Item) error) func(Item) error {
	return func(it Item) error {
		if it.Raw != nil && it.Raw.Source == "" {
			it.Raw.Source = source
		}
		return fn(it)
	}
}

// ReadFile reads the articles of one file and calls fn for each item.
func ReadFile(ctx context.Context, path string, fn func(Item) error) error {
	k := kindOf(path)
	if k == kindUnknown {
		return fn(Item{Path: path, Err: ErrUnsupportedFile})
	}
	f, err := os.Open(path)
	if err != nil {
		return fn(Item{Path: path, Err: err})
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fn(Item{Path: path, Err: fmt.Errorf("gunzip: %w", err)})
		}
		defer zr.Close()
		r = zr
	}
	r = &capReader{r: r, left: MaxFileBytes, closer: io.NopCloser(nil)}
	switch k {
	case kindJSONL:
		return readJSONL(ctx, path, r, fn)
	case kindJSON:
		return readJSON(ctx, path, bufio.NewReaderSize(r, 64<<10), fn)
	}
	// A text or HTML file is one article: more than MaxArticleBytes of
	// input cannot make a valid one (decoding never shrinks single-byte
	// text), so read no further.
	data, err := io.ReadAll(io.LimitReader(r, schema.MaxArticleBytes+1))
	if err != nil {
		return fn(Item{Path: path, Err: err})
	}
	size := int64(len(data))
	if size > schema.MaxArticleBytes {
		return fn(Item{Path: path, Err: fmt.Errorf("%w: over %d bytes", schema.ErrTooLarge, schema.MaxArticleBytes), Size: size})
	}
	var a *schema.RawArticle
	if k == kindText {
		a, err = textArticle(data)
	} else {
		a, err = htmlArticle(data)
	}
	return fn(Item{Path: path, Raw: a, Err: err, Size: size})
}

func readJSONL(ctx context.Context, path string, r io.Reader, fn func(Item) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, tooLong, err := readLine(br, schema.MaxArticleBytes)
		if err != nil && err != io.EOF {
			return fn(Item{Path: path, Line: line, Err: err})
		}
		var item *Item
		switch {
		case tooLong:
			item = &Item{Path: path, Line: line, Err: fmt.Errorf("%w: line exceeds %d bytes", schema.ErrTooLarge, schema.MaxArticleBytes)}
		case len(bytes.TrimSpace(data)) > 0:
			a, derr := schema.DecodeRaw(data)
			item = &Item{Path: path, Line: line, Raw: a, Err: derr, Size: int64(len(data))}
		}
		if item != nil {
			if ferr := fn(*item); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readJSON reads one object, or streams an array of objects element by
// element so that a large array is never held whole.
func readJSON(ctx context.Context, path string, br *bufio.Reader, fn func(Item) error) error {
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	if !startsWithArray(br) {
		data, err := io.ReadAll(io.LimitReader(br, schema.MaxArticleBytes+1))
		if err != nil {
			return fn(Item{Path: path, Err: wrapRead(err)})
		}
		a, err := schema.DecodeRaw(data)
		return fn(Item{Path: path, Raw: a, Err: err, Size: int64(len(data))})
	}
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // the '['
		return fn(Item{Path: path, Err: fmt.Errorf("%w: %v", schema.ErrInvalidJSON, err)})
	}
	for i := 1; dec.More(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var elem json.RawMessage
		if err := dec.Decode(&elem); err != nil {
			// The rest of the array cannot be found again.
			return fn(Item{Path: path, Line: i, Err: fmt.Errorf("%w: %v", schema.ErrInvalidJSON, wrapRead(err))})
		}
		a, err := schema.DecodeRaw(elem)
		if err := fn(Item{Path: path, Line: i, Raw: a, Err: err, Size: int64(len(elem))}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return fn(Item{Path: path, Err: fmt.Errorf("%w: unterminated array: %v", schema.ErrInvalidJSON, err)})
	}
	return nil
}

// startsWithArray reports whether the first non-space byte is '['.
func startsWithArray(br *bufio.Reader) bool {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return false
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		_ = br.UnreadByte()
		return b == '['
	}
}

func wrapRead(err error) error {
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("%w: over %d bytes", ErrFileTooLarge, int64(MaxFileBytes))
	}
	return err
}

// textArticle reads a plain-text article. Bytes that are not UTF-8 are
// decoded as legacy text. The first line becomes the title when it looks
// like a headline and a blank line follows it; one that ends with a full
// stop must also be followed by a longer text (at least twice its
// words), as a headline is, where a lede may be followed by anything.
func textArticle(data []byte) (*schema.RawArticle, error) {
	text, err := extract.Decode(data, "text/plain", "")
	if err != nil {
		return nil, err
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if len(text) > schema.MaxArticleBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", schema.ErrTooLarge, len(text), schema.MaxArticleBytes)
	}
	a := &schema.RawArticle{Text: text}
	if parts := strings.SplitN(text, "\n", 3); len(parts) == 3 &&
		strings.TrimSpace(parts[1]) == "" && strings.TrimSpace(parts[2]) != "" && LooksLikeHeadline(parts[0]) &&
		(!strings.HasSuffix(strings.TrimSpace(parts[0]), ".") || len(strings.Fields(parts[2])) >= 2*len(strings.Fields(parts[0]))) {
		a.Title = strings.TrimSpace(parts[0])
		a.Text = strings.TrimLeft(parts[2], "\n")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// LooksLikeHeadline reports whether a standalone first line (a blank
// line follows it) reads as a headline rather than the lede: short (2 to
// 20 words, at most 150 characters) and not ending like a clause. It may
// end with a full stop when it is one short sentence (at most
// MaxStoppedHeadlineWords words, no other sentence end inside): set
// apart by a blank line, that is a headline written as a sentence, while
// a lede paragraph of one sentence runs longer.
func LooksLikeHeadline(line string) bool {
	line = strings.TrimSpace(line)
	if line == "" || utf8.RuneCountInString(line) > 150 {
		return false
	}
	words := strings.Fields(line)
	if len(words) < 2 || len(words) > 20 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(line)
	switch last {
	case '.':
		// "Rivals of the £400 Apple..." trails off like a headline.
		if !strings.HasSuffix(line, "...") && (len(words) > MaxStoppedHeadlineWords || innerSentenceEnd(words)) {
			return false
		}
	case ',', ';', ':', '-', '–', '—':
		return false
	}
	// A headline starts with a capital, a digit or a symbol, or with a
	// brand written in mixed case ("iTunes", "eBay").
	first := []rune(words[0])
	if unicode.IsLower(first[0]) {
		for _, r := range first[1:] {
			if unicode.IsUpper(r) {
				return true
			}
		}
		return false
	}
	return true
}

// MaxStoppedHeadlineWords is the longest headline that ends with a full
// stop (see LooksLikeHeadline).
const MaxStoppedHeadlineWords = 12

// innerSentenceEnd reports whether a word before the last ends a
// sentence: a stop, question or exclamation mark followed by a word
// starting with a capital ("Talks fail. Ceasefire holds."); "U.S." and
// "Mr." are abbreviations, not ends.
func innerSentenceEnd(words []string) bool {
	for i, w := range words[:len(words)-1] {
		last, _ := utf8.DecodeLastRuneInString(w)
		if last != '.' && last != '?' && last != '!' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(words[i+1])
		core := strings.TrimRight(w, ".?!")
		if !unicode.IsUpper(next) || last == '.' && (strings.Contains(core, ".") || utf8.RuneCountInString(core) <= 3 && core != "" && unicode.IsUpper([]rune(core)[0])) {
			continue
		}
		return true
	}
	return false
}

// htmlArticle decodes a page to UTF-8 for RawArticle.HTML.
func htmlArticle(data []byte) (*schema.RawArticle, error) {
	text, err := extract.Decode(data, "text/html", "")
	if err != nil {
		return nil, err
	}
	if len(text) > schema.MaxArticleBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", schema.ErrTooLarge, len(text), schema.MaxArticleBytes)
	}
	a := &schema.RawArticle{HTML: text, ContentType: "text/html; charset=utf-8", Charset: "utf-8", URL: pageURL(text)}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

var (
	canonicalLink = regexp.MustCompile(`(?is)<link\b[^>]*\brel\s*=\s*["']?canonical\b[^>]*>`)
	ogURL         = regexp.MustCompile(`(?is)<meta\b[^>]*\bproperty\s*=\s*["']?og:url\b[^>]*>`)
	hrefAttr      = regexp.MustCompile(`(?is)\b(?:href|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
)

// pageURL returns the page's own absolute URL from its canonical link or
// og:url, so that a saved page gets the same id as the live one; "" when
// it has none.
func pageURL(page string) string {
	head := page[:min(len(page), 64<<10)]
	for _, re := range []*regexp.Regexp{canonicalLink, ogURL} {
		tag := re.FindString(head)
		if tag == "" {
			continue
		}
		for _, m := range hrefAttr.FindAllStringSubmatch(tag, -1) {
			u := html.UnescapeString(strings.TrimSpace(m[1] + m[2] + m[3]))
			if schema.CanonicalURL(u) != "" {
				return u
			}
		}
	}
	return ""
}
