package article

import "time"

// DeadLetterSchema is the value of DeadLetter.Schema.
const DeadLetterSchema = "newsmill.deadletter/v1"

// DeadLetter is the message a stage publishes on its DLQ subject
// (news.dlq.<stage>) when it gives up on an input: the original payload,
// untouched, with where it came from and why it failed, so an operator can
// inspect it and replay it once the cause is fixed.
type DeadLetter struct {
	Schema string `json:"schema"`
	// Stage that gave up.
	Stage string `json:"stage"`
	// Reason is a short, stable class ("permanent", "max_deliver", or one a
	// handler chose, such as "bad_json").
	Reason string `json:"reason"`
	// Error is the error text.
	Error string `json:"error"`
	// Subject is the subject the input was published on.
	Subject string `json:"subject"`
	// Sequence is the input's stream sequence, when known.
	Sequence uint64 `json:"sequence,omitempty"`
	// Delivered is how often the input had been delivered.
	Delivered int `json:"delivered"`
	// ArticleID is the input's article id when it could be read.
	ArticleID string `json:"article_id,omitempty"`
	// FailedAt is when the stage gave up.
	FailedAt time.Time `json:"failed_at"`
	// Header holds the input's headers.
	Header map[string][]string `json:"header,omitempty"`
	// Payload is the original message body (base64 in JSON).
	Payload []byte `json:"payload"`
}
