package article

import "strings"

// Subject roots. Every subject starts with "news." so one account permission
// covers the pipeline.
const (
	RawRoot       = "news.raw"
	CleanedRoot   = "news.cleaned"
	UniqueRoot    = "news.unique"
	DuplicateRoot = "news.duplicate"
	ArticlesRoot  = "news.articles"
	DLQRoot       = "news.dlq"
)

// Raw is the subject of raw pages from source src: news.raw.<src>.
func Raw(src string) string { return RawRoot + "." + Token(src) }

// Cleaned is the subject of cleaned articles: news.cleaned.<src>.
func Cleaned(src string) string { return CleanedRoot + "." + Token(src) }

// Unique is the subject of first-seen articles: news.unique.<src>.
func Unique(src string) string { return UniqueRoot + "." + Token(src) }

// Duplicate is the subject of duplicates: news.duplicate.<src>.
func Duplicate(src string) string { return DuplicateRoot + "." + Token(src) }

// Articles is the subject of classified articles:
// news.articles.<lang>.<topic>. An empty language is "und" and an empty topic
// "none"; topic names become tokens ("science and technology" →
// "science_and_technology").
func Articles(lang, topic string) string {
	if lang == "" {
		lang = "und"
	}
	if topic == "" {
		topic = "none"
	}
	return ArticlesRoot + "." + Token(lang) + "." + Token(topic)
}

// DLQ is the dead-letter subject of a stage: news.dlq.<stage>.
func DLQ(stage string) string { return DLQRoot + "." + Token(stage) }

// MsgID is the Nats-Msg-Id of a publish: <stage>:<id>:<rev>, where rev is the
// content hash or fetch revision. A republish after a crash carries the same
// MsgID and is dropped by the stream's duplicate window, while a changed page
// gets a new one.
func MsgID(stage, id, rev string) string {
	return stage + ":" + id + ":" + rev
}

// Token makes s safe as one subject token: lower case, with '.', '*', '>',
// white space and control characters replaced by '_'. An empty s is "_".
func Token(s string) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '.' || r == '*' || r == '>' || r <= ' ' || r == 0x7f:
			b.WriteByte('_')
		case r == ',' || r == '&':
			// "economy, business and finance" → "economy_business_and_finance"
			continue
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	for strings.Contains(out, "__") {
		out = strings.ReplaceAll(out, "__", "_")
	}
	if out == "" {
		return "_"
	}
	return out
}
