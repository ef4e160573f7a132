package dedup

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// Sketch parameters. They are part of the stored format: changing one makes
// every remembered sketch incomparable, so they are constants, not options.
const (
	// shingleWords is the number of consecutive words per shingle.
	shingleWords = 3
	// The first numBands × bandRows MinHash values form the LSH bands. A
	// pair with Jaccard similarity J shares at least one band with
	// probability 1-(1-J^rows)^bands: 0.90 at J=0.5, 0.97 at J=0.6, 0.99 at
	// J=0.7 and 0.28 at J=0.2 (rejected afterwards by the similarity
	// check). Eight bands keep a claim at eight index lookups.
	numBands = 8
	bandRows = 2
	// numHashes MinHash values estimate the similarity of candidates.
	numHashes = 48
	// sketchLen is the stored sketch: the 64-bit SimHash, then the low
	// byte of each MinHash value (b-bit MinHash, b = 8).
	sketchLen = 8 + numHashes
)

// minhashSeeds are the per-function seeds of the MinHash family, fixed so
// that every process computes the same signature.
var minhashSeeds = func() [numHashes]uint64 {
	var s [numHashes]uint64
	x := uint64(0x6e6577736d696c6c) // "newsmill"
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix64(x)
	}
	return s
}()

// mix64 is the splitmix64 finaliser: a fast bijective 64-bit mixer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// fnv64a hashes a string without allocating.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// shingles returns the hashes of the runs of shingleWords consecutive words
// of a normalised text. A text with fewer words is one shingle of all of
// them; an empty text has none. Duplicates are kept (SimHash weighs them).
func shingles(normalized string) []uint64 {
	words := strings.Fields(normalized)
	if len(words) == 0 {
		return nil
	}
	if len(words) < shingleWords {
		return []uint64{fnv64a(strings.Join(words, " "))}
	}
	out := make([]uint64, 0, len(words)-shingleWords+1)
	for i := 0; i+shingleWords <= len(words); i++ {
		h := uint64(14695981039346656037)
		for j, w := range words[i : i+shingleWords] {
			if j > 0 {
				h ^= ' '
				h *= 1099511628211
			}
			for k := 0; k < len(w); k++ {
				h ^= uint64(w[k])
				h *= 1099511628211
			}
		}
		out = append(out, h)
	}
	return out
}

// SimHash returns the 64-bit SimHash (Charikar) of text: every shingle of
// three consecutive words of [Normalize](text) votes on each bit with its
// hash, and a bit is set where the votes are positive. Texts that share
// most shingles differ in few bits (see [Hamming]); unrelated texts differ
// in about 32. The empty text gives 0.
func SimHash(text string) uint64 {
	return simhash(shingles(Normalize(text)))
}

func simhash(sh []uint64) uint64 {
	if len(sh) == 0 {
		return 0
	}
	var votes [64]int32
	for _, h := range sh {
		h = mix64(h)
		for i := range 64 {
			if h&(1<<i) != 0 {
				votes[i]++
			} else {
				votes[i]--
			}
		}
	}
	var out uint64
	for i, v := range votes {
		if v > 0 {
			out |= 1 << i
		}
	}
	return out
}

// Hamming returns the number of bits in which two SimHashes differ.
func Hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// signature is a text's MinHash signature: for each hash function the
// minimum over the text's distinct shingles.
type signature [numHashes]uint64

func minhash(sh []uint64) signature {
	var sig signature
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for _, h := range sh {
		for i, seed := range minhashSeeds {
			if v := mix64(h ^ seed); v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// bands returns the LSH band keys of a signature: band i hashes rows
// i*bandRows … i*bandRows+bandRows-1 together with i, so equal rows in
// different bands never collide.
func (s *signature) bands() []uint64 {
	out := make([]uint64, numBands)
	for b := range numBands {
		h := mix64(uint64(b) + 0x62616e64) // "band"
		for r := range bandRows {
			h = mix64(h ^ s[b*bandRows+r])
		}
		out[b] = h
	}
	return out
}

// sketch packs the SimHash and the signature's low bytes into the stored
// form compared by similarity.
func makeSketch(sim uint64, sig *signature) []byte {
	out := make([]byte, sketchLen)
	binary.BigEndian.PutUint64(out, sim)
	for i, v := range sig {
		out[8+i] = byte(v)
	}
	return out
}

// compareSketches returns the estimated Jaccard similarity of the shingle
// sets behind two sketches (b-bit MinHash: the share of equal bytes,
// corrected for the 1/256 chance of equal bytes from unequal minima) and
// the Hamming distance of their SimHashes. ok is false when either sketch
// is malformed.
func compareSketches(a, b []byte) (jaccard float64, hamming int, ok bool) {
	if len(a) != sketchLen || len(b) != sketchLen {
		return 0, 0, false
	}
	hamming = Hamming(binary.BigEndian.Uint64(a), binary.BigEndian.Uint64(b))
	eq := 0
	for i := 8; i < sketchLen; i++ {
		if a[i] == b[i] {
			eq++
		}
	}
	const c = 1.0 / 256
	jaccard = (float64(eq)/numHashes - c) / (1 - c)
	jaccard = max(0, min(1, jaccard))
	return jaccard, hamming, true
}
