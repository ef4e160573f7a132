package natsbus

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsmill/newsmill/pkg/dedup"
)

// KVStore is a dedup.Store in a JetStream key-value bucket, for a pipeline
// that runs without Redis (`newsctl up`, one small host). It keeps the same
// guarantees as the Redis store with compare-and-set writes instead of a
// script:
//
//   - x.<hash hex>: the owner id of a content or URL hash, written with
//     Create, so exactly one of racing claims takes it;
//   - i.<id hex>: the id's hash, revision and sketch; the bucket revision
//     of its creation is the id's sequence number (bucket revisions are one
//     sequence over all keys);
//   - b.<band hex>: the ids under an LSH band, appended with Update on the
//     last revision.
//
// A claim appends its id to its bands before creating its id record and
// reads the bands again afterwards, so of two racing claims the one with
// the larger sequence number always sees the other.
//
// A claim runs in five steps, each issuing its round trips at once so the
// server takes them back to back: read every key it touches; append to the
// bands and take the exact keys; write the id record; read the bands
// again; read the candidates' records. Only writes that change something
// are made: a redelivery writes nothing, and a hash or URL already held is
// not written again. Under a server that syncs every write to disk the
// writes dominate: a new article costs its bands plus three (id record,
// hash, URL); a duplicate of a known hash one fewer. Every key is forgotten
// ttl after its last write (the bucket's TTL; Claim.TTL is not used). It is
// safe for concurrent use by many processes sharing the bucket.
type KVStore struct {
	kv         jetstream.KeyValue
	maxBandIDs int
}

var _ dedup.Store = (*KVStore)(nil)

// KVStoreMaxBandIDs bounds the ids kept under one band key; a band that
// every page of a template shares stops growing there.
const KVStoreMaxBandIDs = 32

// kvMaxRetries bounds compare-and-set retries of one key under contention.
const kvMaxRetries = 100

// NewKVStore creates (or updates) the key-value bucket with file storage,
// one value per key and the given TTL, and returns a store on it. A ttl of
// zero keeps claims forever.
func NewKVStore(ctx context.Context, js jetstream.JetStream, bucket string, ttl time.Duration) (*KVStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "newsmill dedup claims",
		History:     1,
		TTL:         ttl,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("creating dedup bucket %s: %w", bucket, err)
	}
	return &KVStore{kv: kv, maxBandIDs: KVStoreMaxBandIDs}, nil
}

// Claim implements dedup.Store.
func (s *KVStore) Claim(ctx context.Context, c dedup.Claim) (dedup.Prior, error) {
	var p dedup.Prior
	if c.ID == "" || len(c.ID) > dedup.MaxIDLen || c.ID[0] == 0 {
		return p, fmt.Errorf("claiming %q in kv: invalid id", c.ID)
	}
	if err := ctx.Err(); err != nil {
		return p, fmt.Errorf("claiming %s in kv: %w", c.ID, err)
	}
	p, err := s.claim(ctx, c)
	if err != nil {
		return p, fmt.Errorf("claiming %s in kv: %w", c.ID, err)
	}
	return p, nil
}

// kvBandKey is the key of an LSH band.
func kvBandKey(b uint64) string {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], b)
	return "b." + hex.EncodeToString(buf[:])
}

func (s *KVStore) claim(ctx context.Context, c dedup.Claim) (dedup.Prior, error) {
	var p dedup.Prior
	idKey := kvIDKey(c.ID)
	hashKey := "x." + hex.EncodeToString(c.Hash[:])
	urlKey := ""
	if c.URL != ([16]byte{}) {
		urlKey = "x." + hex.EncodeToString(c.URL[:])
	}
	var bandKeys []string
	inBands := make(map[string]bool, len(c.Bands))
	for _, b := range c.Bands {
		if k := kvBandKey(b); !inBands[k] {
			inBands[k] = true
			bandKeys = append(bandKeys, k)
		}
	}

	// 1. Read everything the claim touches.
	keys := append([]string{idKey, hashKey, urlKey}, bandKeys...)
	if urlKey == "" {
		keys[2] = hashKey // read twice, used once
	}
	read, err := s.getAll(ctx, keys)
	if err != nil {
		return p, err
	}

	// 2. Append to the bands and take the exact keys. The id record must
	// wait for the bands (see KVStore); the exact keys need not, but
	// taking them here keeps the claim at three sequential write steps.
	errs := make([]error, len(bandKeys)+2)
	var wg sync.WaitGroup
	for i, key := range bandKeys {
		wg.Go(func() { errs[i] = s.appendBand(ctx, key, c.ID, read[3+i]) })
	}
	wg.Go(func() { p.Owner, errs[len(bandKeys)] = s.claimKey(ctx, hashKey, c.ID, read[1]) })
	if urlKey != "" && urlKey != hashKey {
		wg.Go(func() { p.URLOwner, errs[len(bandKeys)+1] = s.claimKey(ctx, urlKey, c.ID, read[2]) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return p, err
	}
	if urlKey == hashKey {
		p.URLOwner = p.Owner // one key for both
	}

	// 3. The id record.
	if err := s.claimID(ctx, c, &p, read[0]); err != nil {
		return p, err
	}

	// 4 and 5. The bands again, and the records of the ids under them.
	if p.Candidates, err = s.candidates(ctx, bandKeys, c.ID); err != nil {
		return p, err
	}
	return p, nil
}

// getAll reads keys at once; an absent key gives a nil entry.
func (s *KVStore) getAll(ctx context.Context, keys []string) ([]jetstream.KeyValueEntry, error) {
	out := make([]jetstream.KeyValueEntry, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() {
			e, err := s.kv.Get(ctx, k)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				return
			}
			out[i], errs[i] = e, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("reading keys: %w", err)
	}
	return out, nil
}

func kvIDKey(id string) string { return "i." + hex.EncodeToString([]byte(id)) }

// kvRecord layout: hash[16] revision[4] seq[8] sketch; seq 0 means "the
// revision that created the key".
func kvRecord(hash [16]byte, rev int, seq uint64, sketch []byte) []byte {
	out := make([]byte, 28, 28+len(sketch))
	copy(out, hash[:])
	binary.BigEndian.PutUint32(out[16:], uint32(rev))
	binary.BigEndian.PutUint64(out[20:], seq)
	return append(out, sketch...)
}

func kvParseRecord(e jetstream.KeyValueEntry) (hash [16]byte, rev int, seq uint64, sketch []byte, err error) {
	v := e.Value()
	if len(v) < 28 {
		return hash, 0, 0, nil, fmt.Errorf("record %s of %d bytes, want at least 28", e.Key(), len(v))
	}
	copy(hash[:], v)
	rev = int(binary.BigEndian.Uint32(v[16:]))
	seq = binary.BigEndian.Uint64(v[20:])
	if seq == 0 {
		seq = e.Revision()
	}
	return hash, rev, seq, append([]byte(nil), v[28:]...), nil
}

// claimID creates or updates the id record and fills p's Existed,
// PrevHash, Seq and Revision. The first attempt decides on read, the
// record as read before (nil: absent); a conflict reads it again.
func (s *KVStore) claimID(ctx context.Context, c dedup.Claim, p *dedup.Prior, read jetstream.KeyValueEntry) error {
	key := kvIDKey(c.ID)
	for attempt := range kvMaxRetries {
		e, err := s.entry(ctx, key, attempt, read)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			rev, err := s.kv.Create(ctx, key, kvRecord(c.Hash, 0, 0, c.Sketch))
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			if err != nil {
				return fmt.Errorf("creating id record: %w", err)
			}
			p.Seq, p.Revision = rev, 0
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading id record: %w", err)
		}
		h, rev, seq, _, err := kvParseRecord(e)
		if err != nil {
			return err
		}
		p.Existed, p.PrevHash = true, h
		if h == c.Hash {
			p.Seq, p.Revision = seq, rev
			return nil
		}
		_, err = s.kv.Update(ctx, key, kvRecord(c.Hash, rev+1, seq, c.Sketch), e.Revision())
		if isKVConflict(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("updating id record: %w", err)
		}
		p.Seq, p.Revision = seq, rev+1
		return nil
	}
	return fmt.Errorf("updating id record: %d conflicting writers", kvMaxRetries)
}

// claimKey makes id the owner of key unless another holds it, and returns
// the owner before the claim ("" when it took it). A key read as held
// (read not nil) is not written.
func (s *KVStore) claimKey(ctx context.Context, key, id string, read jetstream.KeyValueEntry) (string, error) {
	if read != nil {
		return string(read.Value()), nil
	}
	for range kvMaxRetries {
		_, err := s.kv.Create(ctx, key, []byte(id))
		if err == nil {
			return "", nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return "", fmt.Errorf("creating exact claim: %w", err)
		}
		e, err := s.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // expired between the two calls
		}
		if err != nil {
			return "", fmt.Errorf("reading exact claim: %w", err)
		}
		return string(e.Value()), nil
	}
	return "", fmt.Errorf("creating exact claim: %d conflicting writers", kvMaxRetries)
}

// appendBand adds id to the ids under a band key, once, unless the band is
// full. The first attempt decides on read, the band as read before (nil:
// absent); a conflict reads it again.
func (s *KVStore) appendBand(ctx context.Context, key, id string, read jetstream.KeyValueEntry) error {
	entry := append([]byte{byte(len(id))}, id...)
	for attempt := range kvMaxRetries {
		e, err := s.entry(ctx, key, attempt, read)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			_, err := s.kv.Create(ctx, key, entry)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			if err != nil {
				return fmt.Errorf("creating band: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading band: %w", err)
		}
		ids := kvBandIDs(e.Value())
		if len(ids) >= s.maxBandIDs || contains(ids, id) {
			return nil
		}
		_, err = s.kv.Update(ctx, key, append(append([]byte(nil), e.Value()...), entry...), e.Revision())
		if isKVConflict(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("updating band: %w", err)
		}
		return nil
	}
	return fmt.Errorf("updating band: %d conflicting writers", kvMaxRetries)
}

// entry returns read on a first attempt (nil read: ErrKeyNotFound) and
// reads key afresh on later ones.
func (s *KVStore) entry(ctx context.Context, key string, attempt int, read jetstream.KeyValueEntry) (jetstream.KeyValueEntry, error) {
	if attempt > 0 {
		return s.kv.Get(ctx, key)
	}
	if read == nil {
		return nil, jetstream.ErrKeyNotFound
	}
	return read, nil
}

// candidates reads the bands again and the records of the ids under them,
// each step at once.
func (s *KVStore) candidates(ctx context.Context, bandKeys []string, self string) ([]dedup.Candidate, error) {
	if len(bandKeys) == 0 {
		return nil, nil
	}
	bands, err := s.getAll(ctx, bandKeys)
	if err != nil {
		return nil, fmt.Errorf("reading bands: %w", err)
	}
	seen := map[string]bool{self: true}
	var ids, keys []string
	for _, e := range bands {
		if e == nil {
			continue
		}
		for _, id := range kvBandIDs(e.Value()) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
				keys = append(keys, kvIDKey(id))
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	records, err := s.getAll(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("reading candidate records: %w", err)
	}
	var out []dedup.Candidate
	for i, e := range records {
		if e == nil {
			continue // expired, or claimed just now and not yet recorded
		}
		h, _, seq, sk, err := kvParseRecord(e)
		if err != nil {
			return nil, err
		}
		out = append(out, dedup.Candidate{ID: ids[i], Hash: h, Seq: seq, Sketch: sk})
	}
	return out, nil
}

// kvBandIDs decodes a band value: length-prefixed ids.
func kvBandIDs(v []byte) []string {
	var ids []string
	for len(v) > 0 {
		n := int(v[0])
		if 1+n > len(v) {
			break
		}
		ids = append(ids, string(v[1:1+n]))
		v = v[1+n:]
	}
	return ids
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// isKVConflict reports a failed compare-and-set: another writer updated
// the key first.
func isKVConflict(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return true
	}
	return errors.Is(err, jetstream.ErrKeyExists)
}
