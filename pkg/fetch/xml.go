package fetch

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// checkNesting refuses XML nested deeper than limit elements. It is a
// cheap byte scan run before any XML parser sees the document: parsers
// spend memory per open element (a 5 MB deeply nested feed made gofeed
// peak at 253 MB). Comments, CDATA, processing instructions and
// declarations are skipped.
func checkNesting(b []byte, limit int) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '<' {
			continue
		}
		rest := b[i+1:]
		switch {
		case bytes.HasPrefix(rest, []byte("!--")):
			end := bytes.Index(rest[3:], []byte("-->"))
			if end < 0 {
				return nil
			}
			i += 3 + end + 3
		case bytes.HasPrefix(rest, []byte("![CDATA[")):
			end := bytes.Index(rest, []byte("]]>"))
			if end < 0 {
				return nil
			}
			i += end + 3
		case len(rest) > 0 && (rest[0] == '?' || rest[0] == '!'):
			// declaration or PI: skip to '>'
		case len(rest) > 0 && rest[0] == '/':
			depth--
		default:
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return nil
			}
			if end > 0 && rest[end-1] == '/' {
				i += end
				continue
			}
			depth++
			if depth > limit {
				return fmt.Errorf("checking nesting: more than %d levels: %w", limit, ErrTooDeep)
			}
			i += end
		}
	}
	return nil
}

var xmlDecl = regexp.MustCompile(`^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']`)

// prepareXML makes decoded (UTF-8) XML safe for encoding/xml based
// parsers: the encoding declaration says utf-8 (so the parser does not
// decode a second time) and characters XML forbids are removed (one such
// byte fails a whole feed).
func prepareXML(s string) string {
	s = xmlDecl.ReplaceAllString(s, `${1}"utf-8"`)
	if strings.IndexFunc(s, illegalXML) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if illegalXML(r) {
			return -1
		}
		return r
	}, s)
}

func illegalXML(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20:
		return true
	case r == 0xFFFE || r == 0xFFFF:
		return true
	case r >= 0xD800 && r <= 0xDFFF:
		return true
	}
	return false
}
