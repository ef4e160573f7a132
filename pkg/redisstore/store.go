package redisstore

import (
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsmill/newsmill/pkg/dedup"
)

//go:embed claim.lua
var claimLua string

var claimScript = redis.NewScript(claimLua)

// Defaults of the store options.
const (
	DefaultPrefix     = "newsmill:dedup:"
	DefaultShards     = 8192
	DefaultMaxBandIDs = 32
)

// Store is a dedup.Store in Redis (see the package documentation for the
// layout). It is safe for concurrent use; its methods take one round trip.
type Store struct {
	c          *redis.Client
	prefix     string
	shards     int
	maxBandIDs int
	now        func() time.Time
}

var _ dedup.Store = (*Store)(nil)

// Option configures a [Store].
type Option func(*Store)

// WithPrefix sets the prefix of every key (default [DefaultPrefix]). Tests
// and several pipelines sharing one Redis use distinct prefixes.
func WithPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithShards sets the number of hashes per index and time bucket (default
// [DefaultShards]); values below 1 are ignored. Changing it on a live
// store forgets the claims made under the old value.
func WithShards(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.shards = n
		}
	}
}

// WithMaxBandIDs bounds the ids kept under one LSH band key (default
// [DefaultMaxBandIDs]); values below 1 are ignored.
func WithMaxBandIDs(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.maxBandIDs = n
		}
	}
}

// New returns a store on client. It does not contact Redis.
func New(client *redis.Client, opts ...Option) *Store {
	s := &Store{c: client, prefix: DefaultPrefix, shards: DefaultShards, maxBandIDs: DefaultMaxBandIDs, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Claim implements dedup.Store in one EVALSHA. A claim with a TTL under a
// second is remembered for a second.
func (s *Store) Claim(ctx context.Context, c dedup.Claim) (dedup.Prior, error) {
	args, err := s.args(c)
	if err != nil {
		return dedup.Prior{}, err
	}
	res, err := claimScript.Run(ctx, s.c, nil, args...).Slice()
	if err != nil {
		return dedup.Prior{}, wrapErr(c.ID, err)
	}
	p, err := parseReply(res)
	if err != nil {
		return dedup.Prior{}, fmt.Errorf("claiming %s in redis: %w", c.ID, err)
	}
	return p, nil
}

// ClaimBatch claims cs in one pipeline (one round trip for all of them) and
// returns their priors in order. Claims are still atomic one by one, in
// order; the batch as a whole is not. errs[i] is the error of cs[i].
func (s *Store) ClaimBatch(ctx context.Context, cs []dedup.Claim) ([]dedup.Prior, []error) {
	priors := make([]dedup.Prior, len(cs))
	errs := make([]error, len(cs))
	cmds := make([]*redis.Cmd, len(cs))
	pipe := s.c.Pipeline()
	for i, c := range cs {
		args, err := s.args(c)
		if err != nil {
			errs[i] = err
			continue
		}
		cmds[i] = claimScript.EvalSha(ctx, pipe, nil, args...)
	}
	_, perr := pipe.Exec(ctx)
	if perr != nil && isNoScript(perr) {
		// The script cache was flushed (restart): load it and retry once.
		if err := claimScript.Load(ctx, s.c).Err(); err != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = wrapErr(cs[i].ID, err)
				}
			}
			return priors, errs
		}
		return s.ClaimBatch(ctx, cs)
	}
	for i, cmd := range cmds {
		if cmd == nil {
			continue
		}
		res, err := cmd.Slice()
		if err != nil {
			errs[i] = wrapErr(cs[i].ID, err)
			continue
		}
		if priors[i], err = parseReply(res); err != nil {
			errs[i] = fmt.Errorf("claiming %s in redis: %w", cs[i].ID, err)
		}
	}
	return priors, errs
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// wrapErr classifies a Redis error: an OOM reply means the server is full
// under noeviction.
func wrapErr(id string, err error) error {
	if strings.Contains(err.Error(), "OOM ") {
		return fmt.Errorf("claiming %s in redis: %w: %w", id, dedup.ErrStoreFull, err)
	}
	return fmt.Errorf("claiming %s in redis: %w", id, err)
}

func (s *Store) args(c dedup.Claim) ([]any, error) {
	if c.ID == "" || len(c.ID) > dedup.MaxIDLen || c.ID[0] == 0 {
		return nil, fmt.Errorf("claiming %q in redis: invalid id", c.ID)
	}
	if len(c.Sketch) > 255 {
		return nil, fmt.Errorf("claiming %s in redis: sketch of %d bytes, at most 255", c.ID, len(c.Sketch))
	}
	ttl := int64(c.TTL / time.Second)
	if ttl < 1 {
		ttl = 1
	}
	now := s.now().Unix()
	bucket := now / ttl
	url := ""
	if c.URL != ([16]byte{}) {
		url = string(c.URL[:])
	}
	args := make([]any, 0, 12+len(c.Bands))
	args = append(args,
		s.prefix,
		strconv.FormatInt(ttl, 10)+":"+strconv.FormatInt(bucket, 10)+":",
		strconv.FormatInt(ttl, 10)+":"+strconv.FormatInt(bucket-1, 10)+":",
		(bucket+2)*ttl,
		s.shards,
		s.shards*max(1, len(c.Bands)),
		s.maxBandIDs,
		encodeID(c.ID),
		string(c.Hash[:]),
		url,
		string(c.Sketch),
	)
	var band [8]byte
	for _, b := range c.Bands {
		binary.BigEndian.PutUint64(band[:], b)
		args = append(args, string(band[:]))
	}
	return args, nil
}

// encodeID packs an id of 32 lower-case hex digits into its 16 bytes; any
// other id is stored as NUL + id (NUL NUL + id when that would be 16 bytes
// long), which cannot be mistaken for a packed one.
func encodeID(id string) string {
	if len(id) == 32 && isLowerHex(id) {
		b, _ := hex.DecodeString(id)
		return string(b)
	}
	if len(id)+1 == 16 {
		return "\x00\x00" + id
	}
	return "\x00" + id
}

func decodeID(e string) string {
	if len(e) == 16 {
		return hex.EncodeToString([]byte(e))
	}
	return strings.TrimLeft(e, "\x00")
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// record layout: hash[16] revision[4] seq[8] sketch.
const recordHead = 16 + 4 + 8

func parseRecord(r string) (hash [16]byte, rev int, seq uint64, sketch []byte, err error) {
	if len(r) < recordHead {
		return hash, 0, 0, nil, fmt.Errorf("record of %d bytes, want at least %d", len(r), recordHead)
	}
	copy(hash[:], r)
	rev = int(binary.BigEndian.Uint32([]byte(r[16:20])))
	seq = binary.BigEndian.Uint64([]byte(r[20:28]))
	return hash, rev, seq, []byte(r[recordHead:]), nil
}

var errReply = errors.New("unexpected script reply")

func parseReply(res []any) (dedup.Prior, error) {
	var p dedup.Prior
	if len(res) < 6 || len(res)%2 != 0 {
		return p, fmt.Errorf("%w: %d elements", errReply, len(res))
	}
	str := func(i int) (string, error) {
		v, ok := res[i].(string)
		if !ok {
			return "", fmt.Errorf("%w: element %d is %T", errReply, i, res[i])
		}
		return v, nil
	}
	existed, ok1 := res[0].(int64)
	rev, ok2 := res[2].(int64)
	if !ok1 || !ok2 {
		return p, fmt.Errorf("%w: counters are %T, %T", errReply, res[0], res[2])
	}
	prevh, err := str(1)
	if err != nil {
		return p, err
	}
	seq, err := str(3)
	if err != nil || len(seq) != 8 {
		return p, fmt.Errorf("%w: sequence %q", errReply, seq)
	}
	owner, err := str(4)
	if err != nil {
		return p, err
	}
	uowner, err := str(5)
	if err != nil {
		return p, err
	}
	p.Existed = existed == 1
	copy(p.PrevHash[:], prevh)
	p.Revision = int(rev)
	p.Seq = binary.BigEndian.Uint64([]byte(seq))
	if owner != "" {
		p.Owner = decodeID(owner)
	}
	if uowner != "" {
		p.URLOwner = decodeID(uowner)
	}
	for i := 6; i < len(res); i += 2 {
		id, err := str(i)
		if err != nil {
			return p, err
		}
		rec, err := str(i + 1)
		if err != nil {
			return p, err
		}
		h, _, seq, sk, err := parseRecord(rec)
		if err != nil {
			return p, fmt.Errorf("candidate %x: %w", id, err)
		}
		p.Candidates = append(p.Candidates, dedup.Candidate{ID: decodeID(id), Hash: h, Seq: seq, Sketch: sk})
	}
	return p, nil
}
