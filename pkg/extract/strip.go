package extract

import (
	"bytes"
)

// stripRaw returns src without the contents of <script> (except JSON-LD),
// <style> and HTML comments, which the article never reads but which make
// up half of a typical news page: the tokenizer then has less to scan. The
// elements themselves stay, empty, so the tree keeps its shape. It returns
// src itself when there is nothing to strip.
func stripRaw(src []byte) []byte {
	var out []byte
	last := 0 // src[last:] is not yet copied to out
	i := 0
	for {
		j := bytes.IndexByte(src[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := src[i:]
		switch {
		case hasPrefixFold(rest, "<!--"):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				i = len(src)
				// An unclosed comment runs to the end: the parser drops it.
				out = append(out, src[last:i]...)
				last = i
				continue
			}
			stop := i + 4 + end + 3
			if out == nil {
				out = make([]byte, 0, len(src))
			}
			out = append(out, src[last:i]...)
			last = stop
			i = stop
		case hasPrefixFold(rest, "<script") || hasPrefixFold(rest, "<style"):
			name := "script"
			if hasPrefixFold(rest, "<style") {
				name = "style"
			}
			// The tag must end at the name: "<scripts>" is another element.
			if len(rest) > len(name)+1 {
				c := rest[len(name)+1]
				if c != '>' && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '/' && c != '\f' {
					i++
					continue
				}
			}
			gt := bytes.IndexByte(rest, '>')
			if gt < 0 {
				i = len(src)
				continue
			}
			tag := rest[:gt]
			bodyStart := i + gt + 1
			end := indexFold(src[bodyStart:], "</"+name)
			if end < 0 {
				i = len(src)
				continue
			}
			if name == "script" && indexFold(tag, "ld+json") >= 0 {
				i = bodyStart + end
				continue
			}
			if out == nil {
				out = make([]byte, 0, len(src))
			}
			out = append(out, src[last:bodyStart]...)
			last = bodyStart + end
			i = last
		default:
			i++
		}
		if i >= len(src) {
			break
		}
	}
	if out == nil {
		return src
	}
	return append(out, src[last:]...)
}

func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		c := b[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[k] {
			return false
		}
	}
	return true
}

// indexFold finds the ASCII lower-case p in b ignoring case.
func indexFold(b []byte, p string) int {
	for k := 0; k+len(p) <= len(b); {
		j := bytes.IndexByte(b[k:], '<')
		if p[0] != '<' {
			j = 0
		}
		if j < 0 {
			return -1
		}
		k += j
		if hasPrefixFold(b[k:], p) {
			return k
		}
		k++
	}
	return -1
}
