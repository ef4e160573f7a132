package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsmill/newsmill/pkg/article"
	"github.com/newsmill/newsmill/pkg/charset"
	"go.uber.org/zap"
)

// fileExts are the file kinds a KindFile source reads, with their raw
// body type.
var fileExts = map[string]string{".txt": "text/plain", ".html": "text/html", ".htm": "text/html"}

// files lists the readable files of a KindFile source: Path itself, or
// the .txt/.html/.htm files below the folder Path (hidden files and
// folders skipped, symbolic links not followed), in lexical order.
func files(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("reading source path: %w: %w", errFile, err)
	}
	if !info.IsDir() {
		return []string{root}, nil
	}
	var out []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != root && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && fileExts[strings.ToLower(filepath.Ext(name))] != "" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w: %w", root, errFile, err)
	}
	sort.Strings(out)
	return out, nil
}

// pollFiles publishes each not yet seen file of a KindFile source as one
// raw article whose id is the content id of its UTF-8 text.
func (f *Fetcher) pollFiles(ctx context.Context, src Source) (Stats, error) {
	rec := &statsRec{}
	if err := f.checkFileRoot(src.Path); err != nil {
		return rec.s, err
	}
	paths, err := files(src.Path)
	if err != nil {
		return rec.s, err
	}
	type doc struct {
		path, text, cs, typ string
	}
	docs := make([]doc, 0, len(paths))
	cands := make([]candidate, 0, len(paths))
	dup := make(map[string]bool)
	for _, p := range paths {
		raw, err := readFile(p, f.opts.MaxFileBytes)
		rec.add(func(s *Stats) { s.Bytes += int64(len(raw)) })
		if err != nil {
			rec.fail(err)
			f.log.Warn("file refused", zap.String("source", src.ID), zap.String("path", p), zap.String("reason", Reason(err)), zap.Error(err))
			continue
		}
		typ := fileExts[strings.ToLower(filepath.Ext(p))]
		if typ == "" {
			typ = "text/plain"
		}
		text, cs, err := charset.Decode(raw, "")
		if err != nil {
			f.log.Warn("unknown charset, detected instead", zap.String("source", src.ID), zap.String("path", p), zap.Error(err))
		}
		id := article.ContentID([]byte(text))
		if dup[id] {
			continue
		}
		dup[id] = true
		docs = append(docs, doc{path: p, text: text, cs: cs, typ: typ})
		cands = append(cands, candidate{id: id})
	}
	rec.s.Listed = len(cands)
	// Files carry no date: a file is published once; a changed one has
	// another content id and is a new article.
	fresh, _, err := f.classify(ctx, cands, f.opts.Now())
	if err != nil {
		return rec.s, err
	}
	rec.s.New = len(fresh)
	isNew := make(map[string]bool, len(fresh))
	for _, c := range fresh {
		isNew[c.id] = true
	}
	for i, d := range docs {
		id := cands[i].id
		if !isNew[id] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rec.s, err
		}
		body := []byte(d.text)
		gz, err := gzipBytes(body)
		if err != nil {
			return rec.s, err
		}
		a := article.New(id, src.ID)
		a.Path = d.path
		a.FetchedAt = f.opts.Now().UTC()
		a.Raw = &article.RawBody{Encoding: "gzip", ContentType: d.typ, Charset: d.cs, Size: len(body), Body: gz}
		a.LanguageHint = src.Language
		a.Stamp(article.StageFetcher, a.FetchedAt)
		if err := f.pub.Publish(ctx, a); err != nil {
			return rec.s, fmt.Errorf("publishing %s: %w: %w", id, errPublish, err)
		}
		if err := f.seen.Mark(ctx, id, SeenRecord{Fetched: a.FetchedAt}, f.opts.SeenTTL); err != nil {
			return rec.s, fmt.Errorf("marking seen: %w: %w", errSeen, err)
		}
		rec.s.Published++
	}
	return rec.s, nil
}

// readFile reads at most limit bytes of a file and refuses a larger one.
func readFile(path string, limit int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w: %w", path, errFile, err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w: %w", path, errFile, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("reading %s: more than %d bytes: %w", path, limit, ErrTooLarge)
	}
	return b, nil
}

// ErrOutsideRoots reports a KindFile path outside Options.FileRoots.
var ErrOutsideRoots = errors.New("path is outside the allowed file roots")

// checkFileRoot refuses a path that does not resolve to a location under
// one of Options.FileRoots (when any are set).
func (f *Fetcher) checkFileRoot(p string) error {
	if len(f.opts.FileRoots) == 0 {
		return nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Errorf("resolving %s: %w: %w", p, errFile, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for _, root := range f.opts.FileRoots {
		r, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(r); err == nil {
			r = real
		}
		if rel, err := filepath.Rel(r, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil
		}
	}
	return fmt.Errorf("reading %s: %w: %w", p, errFile, ErrOutsideRoots)
}
