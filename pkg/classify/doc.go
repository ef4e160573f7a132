// Package classify labels an article with its language (ISO 639-1, or "und"),
// IPTC Media Topics (top level, with scores), the entities worth filtering on
// (organisations and their acronyms, countries, people with titles) and a
// short explanation of the features that decided.
//
// Everything it needs is embedded: the versioned taxonomy (data/taxonomy.yaml:
// keywords and phrases per language with weights), the entity gazetteer
// (data/entities.yaml), and two multinomial naive Bayes models over hashed
// n-grams (data/lang.model for Latin-script languages, data/topic_<language>.model for
// topics) that [Train] rebuilds reproducibly from the corpora under corpus/
// (see `go run ./services/tools/classify train`).
//
// Language detection works in two steps: the Unicode script decides Thai,
// Lao, Khmer, Burmese, Korean, Japanese and Chinese outright; Latin-script
// text goes to a character and word n-gram model restricted to Vietnamese,
// English, Indonesian, Malay, Tagalog and French, whose word features carry
// the words that tell Indonesian from Malay.
//
// The package is pure: it imports package article, the standard library,
// golang.org/x/text and yaml.v3, and never NATS, Redis or any other adapter.
package classify
