package dedup

import (
	"context"
	"errors"
	"time"
)

// Store remembers claims: which article id first held a content hash (the
// exact index), which hash and revision each id holds now (the id index),
// and which ids share an LSH band (the near-duplicate index). It is
// implemented by redisstore.Store and natsbus.KVStore; the conformance suite
// in package storetest states the same guarantees as tests.
//
// Implementations must be safe for concurrent use by many goroutines and
// many processes sharing one backend.
type Store interface {
	// Claim records c and reports what the store held before it. In one
	// step that concurrent claims cannot interleave with:
	//
	//   - Exact index: if no live claim holds c.Hash, c.ID now does and
	//     Prior.Owner is ""; otherwise Prior.Owner is the id holding it
	//     (which may be c.ID itself) and nothing changes. Among concurrent
	//     claims of one hash exactly one gets "" (or its own id). The same
	//     holds for c.URL when it is not the zero value (URLOwner).
	//   - Id index: the first claim of an id gives it the next sequence
	//     number (Prior.Seq) and revision 0. A later claim with the same
	//     hash changes nothing (Existed, PrevHash == c.Hash); a later claim
	//     with another hash stores it with revision+1, keeping Seq and
	//     replacing the sketch. Sequence numbers are unique, and a claim
	//     that finished before another began has the smaller one.
	//   - Near index: c.ID is added under each of c.Bands (at most once),
	//     and Candidates lists the other ids found under any of them with
	//     their current hash, sequence number and sketch. Every such id with
	//     a smaller Seq is listed (unless expired, or a band held more ids
	//     than the store keeps); ids with a larger Seq may be listed too and
	//     callers ignore them — this is what makes exactly one of two racing
	//     near-duplicates the original.
	//
	// Claims are remembered for at least c.TTL (stores with a fixed
	// retention document theirs). Claim is idempotent: repeating it returns
	// the same Owner, URLOwner, Seq and revision. Errors are transient
	// (store unreachable, timed out, or full: then they wrap
	// [ErrStoreFull]); ctx bounds the call.
	Claim(ctx context.Context, c Claim) (Prior, error)
}

// Claim is what one article asks the [Store] to remember.
type Claim struct {
	// ID is the article id; not empty, not starting with a NUL byte, at
	// most [MaxIDLen] bytes.
	ID string
	// Hash is the content hash (first 128 bits of SHA-256 of the
	// normalised body).
	Hash [16]byte
	// URL is the hash of the canonical URL, or zero when there is none.
	URL [16]byte
	// Bands are the LSH band keys of the body; none for an empty body.
	Bands []uint64
	// Sketch is stored with the id and returned to later claims in
	// Candidates; opaque to the store (at most 255 bytes).
	Sketch []byte
	// TTL is how long the claim must be remembered at least.
	TTL time.Duration
}

// MaxIDLen is the longest article id a [Store] must accept, in bytes.
// Article ids are 32 hex digits; the bound leaves room for other schemes.
const MaxIDLen = 200

// Prior is what a [Store] held before a claim, and the claimed id's
// sequence number and revision after it.
type Prior struct {
	// Owner is the id that held the claim's Hash before it, or "" when the
	// claim took it.
	Owner string
	// URLOwner is the same for the claim's URL ("" when none was given).
	URLOwner string
	// Existed reports that the id was known before this claim; PrevHash is
	// then the hash it held.
	Existed  bool
	PrevHash [16]byte
	// Seq is the id's sequence number, fixed by its first claim.
	Seq uint64
	// Revision is the id's revision after the claim.
	Revision int
	// Candidates are the ids sharing a band with the claim.
	Candidates []Candidate
}

// Candidate is an id found in the near-duplicate index.
type Candidate struct {
	ID     string
	Hash   [16]byte
	Seq    uint64
	Sketch []byte
}

// ErrStoreFull is wrapped by stores whose backend refused a write for lack
// of memory or space (Redis' OOM reply under maxmemory-policy noeviction).
// It is transient — retry with backoff — but an operator must act: raise
// the memory limit or shorten the TTL. Alert on it.
var ErrStoreFull = errors.New("dedup store full")
