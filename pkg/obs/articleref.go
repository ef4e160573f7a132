package obs

import (
	"bytes"
	"encoding/json"
)

// ArticleRef returns the top-level "id" and "source" string fields of a JSON
// object such as an encoded article, reading no further than it must: it
// stops as soon as both are found, which for articles encoded by package
// article is within the first hundred bytes, however large the raw body that
// follows. ok is false when data is not a JSON object or holds neither field;
// a field that is missing or not a string is returned as "". It never
// panics, whatever data holds.
func ArticleRef(data []byte) (id, source string, ok bool) {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return "", "", false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", "", false
	}
	var haveID, haveSource bool
	for dec.More() && !(haveID && haveSource) {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, isKey := tok.(string)
		if !isKey {
			break
		}
		switch key {
		case "id", "source":
			val, err := dec.Token()
			if err != nil {
				return id, source, haveID || haveSource
			}
			s, isString := val.(string)
			if !isString {
				if d, isDelim := val.(json.Delim); isDelim && !skipRest(dec, d) {
					return id, source, haveID || haveSource
				}
				continue
			}
			if key == "id" {
				id, haveID = s, true
			} else {
				source, haveSource = s, true
			}
		default:
			if !skipValue(dec) {
				return id, source, haveID || haveSource
			}
		}
	}
	return id, source, haveID || haveSource
}

// skipValue consumes the next value, however deeply nested; false on a
// syntax error.
func skipValue(dec *json.Decoder) bool {
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	if d, ok := tok.(json.Delim); ok {
		return skipRest(dec, d)
	}
	return true
}

// skipRest consumes the rest of the array or object opened by d.
func skipRest(dec *json.Decoder, d json.Delim) bool {
	if d != '{' && d != '[' {
		return false
	}
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
	}
	return true
}
