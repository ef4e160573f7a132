package article

import (
	"crypto/sha256"
	"encoding/hex"
)

// idLen is the number of hex digits of an id: 128 bits, so collisions stay
// out of reach for any realistic archive.
const idLen = 32

// ID returns the deterministic id of an article with this canonical URL. The
// caller canonicalises the URL first (pkg/fetch), so every listing of the
// same page yields the same id.
func ID(canonicalURL string) string {
	return hashID("url\x00" + canonicalURL)
}

// ContentID returns the deterministic id of an article that has no URL (a
// local file, pasted text), from its content: the same content read twice is
// the same article.
func ContentID(content []byte) string {
	return hashID("content\x00" + string(content))
}

func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:idLen]
}
