package article

import _ "embed"

// JSONSchema is the JSON Schema (draft 2020-12) of [Article] for consumers
// in other languages. A test keeps it in step with the Go type.
//
//go:embed article.v1.schema.json
var JSONSchema []byte
