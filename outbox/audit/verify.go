package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
)

// Verifier checks checkpoint signatures; CertVerifier is the RSA
// implementation. Verify must be safe for concurrent use.
type Verifier interface {
	// Verify checks signature over digest (a Checkpoint.Digest) with the
	// key whose id is keyID. It returns an error wrapping ErrUnknownKey if
	// it has no such key, ErrBadSignature if the signature does not verify.
	Verify(keyID string, digest, signature []byte) error
}

// Report is the outcome of Verify.
type Report struct {
	// Entries counts the entries read, good or bad. Verify stops reading
	// once it has found the first problem and settled its kind, so with a
	// Problem this may be less than the length of the chain.
	Entries uint64 `json:"entries"`
	// Intact counts the leading entries that hash and link correctly:
	// entries 1..Intact passed every entry check.
	Intact uint64 `json:"intact"`
	// Head is the Hash of entry Intact (zero if Intact is 0).
	Head Hash `json:"head"`
	// Checkpoints counts the checkpoints given.
	Checkpoints int `json:"checkpoints"`
	// CheckpointsVerified counts the checkpoints whose signature verified
	// (or was not checked, see SignaturesChecked) and whose Head matched
	// the chain.
	CheckpointsVerified int `json:"checkpoints_verified"`
	// Sealed is the Seq of the last verified checkpoint: entries up to it
	// are protected by a signature, later ones only by the chain.
	Sealed uint64 `json:"sealed"`
	// SignaturesChecked is false when Verify ran without a Verifier: the
	// checkpoints' Heads were compared with the chain but their signatures
	// were not checked, so a rewritten chain with rewritten checkpoints
	// goes unnoticed.
	SignaturesChecked bool `json:"signatures_checked"`
	// Problem is the first problem found, nil if the chain verified.
	Problem *Problem `json:"problem,omitempty"`
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return r.Problem == nil }

// Err returns the Problem as an error, or nil.
func (r *Report) Err() error {
	if r.Problem == nil {
		return nil
	}
	return r.Problem
}

// ctxCheckEvery is how many entries Verify reads between context checks.
const ctxCheckEvery = 1024

// maxClassifyScan is how many entries Verify reads after a Missing
// problem, looking for the entry elsewhere (OutOfOrder), before it stops.
const maxClassifyScan = 1 << 20

// Verify checks an audit chain and its checkpoints and reports the first
// problem, by chain position.
//
// entries yields the stored entries in storage order (ascending key); it
// may yield a *DecodeError for an entry it cannot decode, which becomes an
// Unreadable problem. Verify holds only a few entries in memory at a time.
// checkpoints may be in any order. v checks checkpoint signatures; with a
// nil v signatures are not checked (Report.SignaturesChecked is false).
//
// Each entry at position n (counting from 1) must hash to its stored Hash,
// carry Seq n and Prev equal to the Hash of the entry at n-1 (zero for the
// first). Each checkpoint must be validly signed by a key v knows, and the
// entry at its Seq must exist and carry its Head. The Report names the
// first problem; when an entry check fails, checkpoints beyond that entry
// are not compared.
//
// Verify stops reading after the first problem, except that after a
// Missing one it reads on (up to about a million entries) to see whether
// the entry turns up elsewhere (OutOfOrder).
//
// The error is non-nil only when the check could not be done: the source
// failed or ctx was cancelled. A tampered chain gives a Report with a
// Problem and a nil error.
func Verify(ctx context.Context, entries iter.Seq2[Entry, error], checkpoints []Checkpoint, v Verifier) (*Report, error) {
	rep := &Report{Checkpoints: len(checkpoints), SignaturesChecked: v != nil}

	// Signatures first: a checkpoint that does not verify is reported at
	// its position and otherwise ignored.
	cps := slices.Clone(checkpoints)
	slices.SortStableFunc(cps, func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })
	var sigProblem *Problem
	good := cps[:0:0]
	for i := range cps {
		c := cps[i]
		if v != nil {
			d := c.Digest()
			if err := v.Verify(c.KeyID, d[:], c.Signature); err != nil {
				if sigProblem == nil {
					sigProblem = checkpointProblem(c, err)
				}
				continue
			}
		}
		good = append(good, c)
	}

	s := verifier{rep: rep, cps: good}
	for e, err := range entries {
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				return nil, fmt.Errorf("audit: read entries: %w", err)
			}
		}
		rep.Entries++
		if rep.Entries%ctxCheckEvery == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
		}
		s.next(e, err)
		if s.done() {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.finish()

	rep.Problem = first(s.problem, sigProblem)
	return rep, nil
}

// verifier is Verify's streaming state.
type verifier struct {
	rep *Report
	cps []Checkpoint // signature-verified, by Seq
	ci  int          // next checkpoint to compare

	prev, prev2 Entry // the last two intact entries
	lastMatch   uint64

	problem *Problem
	// missing is the Seq of a Missing problem not yet told from
	// OutOfOrder: if an entry with this Seq turns up, it is OutOfOrder.
	missing uint64
}

func (s *verifier) next(e Entry, err error) {
	n := s.rep.Entries
	if s.problem != nil {
		if s.missing != 0 && err == nil && e.Seq == s.missing {
			s.problem.Kind, s.problem.RecordID = OutOfOrder, e.RecordID
			s.problem.Detail += fmt.Sprintf("; entry %d is at position %d", s.missing, n)
			s.missing = 0
		}
		return
	}
	if err == nil && e.Seq == n && e.Prev == s.prev.Hash && e.ComputeHash() == e.Hash {
		s.intact(e) // s.prev is the zero Entry for n == 1
		return
	}
	found := e
	p := &Problem{Seq: n, From: n, RecordID: e.RecordID, Found: &found}
	switch {
	case err != nil:
		p.Kind, p.RecordID, p.Found, p.Err = Unreadable, "", nil, err
		p.Detail = err.Error()
	case e.ComputeHash() != e.Hash:
		p.Kind = Edited
		p.Detail = fmt.Sprintf("stored hash %s is not the hash of the entry's fields", short(e.Hash))
		if e.Seq != n {
			p.Detail += fmt.Sprintf(" (it claims Seq %d)", e.Seq)
		}
	case n > 1 && e.Seq == n-1:
		p.Kind, p.Seq, p.From = Inserted, n-1, n-1
		p.Detail = fmt.Sprintf("two entries claim Seq %d (records %s and %s): one was inserted", n-1, s.prev.RecordID, e.RecordID)
	case e.Seq > n:
		// The record is that of entry n if it turns up later.
		p.Kind, p.RecordID = Missing, ""
		p.Detail = fmt.Sprintf("position %d holds entry %d (record %s)", n, e.Seq, e.RecordID)
		s.missing = n
	case e.Seq != n:
		p.Kind = OutOfOrder
		p.Detail = fmt.Sprintf("position %d holds entry %d", n, e.Seq)
	case n == 1:
		p.Kind = Unlinked
		p.Detail = fmt.Sprintf("the first entry's prev is %s, not zero: earlier entries were removed", short(e.Prev))
	case s.lastMatch == n-1:
		p.Kind = Unlinked
		p.Detail = fmt.Sprintf("prev %s is not the hash of entry %d, which a checkpoint seals: this entry was replaced", short(e.Prev), n-1)
	default:
		p.Kind, p.From = Unlinked, n-1
		p.Detail = fmt.Sprintf("prev %s is not the hash %s of entry %d (record %s): one of the two was rewritten", short(e.Prev), short(s.prev.Hash), n-1, s.prev.RecordID)
	}
	s.problem = p
	// Intact stops before the first bad position.
	if p.From <= s.rep.Intact {
		s.rep.Intact, s.rep.Head = p.From-1, s.prev2.Hash
	}
}

// done reports whether Verify has its answer: a problem whose kind is
// settled. A source that repeats entries forever cannot keep it reading.
func (s *verifier) done() bool {
	if s.problem == nil {
		return false
	}
	if s.missing != 0 && s.rep.Entries-s.problem.Seq < maxClassifyScan {
		return false
	}
	return true
}

// intact records entry e (at position e.Seq) as good and compares the
// checkpoints at its Seq.
func (s *verifier) intact(e Entry) {
	s.prev2, s.prev = s.prev, e
	s.rep.Intact, s.rep.Head = e.Seq, e.Hash
	for s.ci < len(s.cps) && s.cps[s.ci].Seq <= e.Seq {
		c := s.cps[s.ci]
		s.ci++
		if c.Seq < e.Seq { // only Seq 0 can be passed over
			s.problem = &Problem{Kind: HeadMismatch, Seq: c.Seq, From: c.Seq, Checkpoint: &c,
				Detail: "checkpoint names entry 0, which does not exist"}
			return
		}
		if c.Head != e.Hash {
			s.problem = &Problem{Kind: HeadMismatch, Seq: c.Seq, From: s.lastMatch + 1, RecordID: e.RecordID, Checkpoint: &c,
				Detail: fmt.Sprintf("signed head %s, but entry %d hashes to %s: entries %d..%d were rewritten", short(c.Head), c.Seq, short(e.Hash), s.lastMatch+1, c.Seq)}
			return
		}
		s.lastMatch = c.Seq
		s.rep.CheckpointsVerified++
		s.rep.Sealed = c.Seq
	}
}

// finish looks for checkpoints beyond the end of the chain.
func (s *verifier) finish() {
	if s.problem != nil || s.ci >= len(s.cps) {
		return
	}
	c := s.cps[len(s.cps)-1]
	n := s.rep.Entries
	if c.Seq == 0 { // all remaining checkpoints name Seq 0 and the chain is empty
		s.problem = &Problem{Kind: HeadMismatch, Seq: 0, From: 0, Checkpoint: &c, Detail: "checkpoint names entry 0, which does not exist"}
		return
	}
	s.problem = &Problem{Kind: Truncated, Seq: n + 1, From: n + 1, Checkpoint: &c,
		Detail: fmt.Sprintf("the chain ends at entry %d but a checkpoint signs entry %d: entries from %d on were deleted", n, c.Seq, n+1)}
}

// checkpointProblem turns a signature error into a Problem.
func checkpointProblem(c Checkpoint, err error) *Problem {
	p := &Problem{Kind: BadSignature, Seq: c.Seq, From: c.Seq, Checkpoint: &c, Err: err}
	if errors.Is(err, ErrUnknownKey) {
		p.Kind = UnknownKey
		p.Detail = fmt.Sprintf("signed by key %s, which is not a trusted signing certificate", c.KeyID)
	} else {
		p.Detail = fmt.Sprintf("signature by key %s does not verify: the checkpoint was forged or altered", c.KeyID)
	}
	return p
}

// first returns the problem at the earlier position; at the same position
// an entry problem comes before a checkpoint problem.
func first(a, b *Problem) *Problem {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Seq < a.Seq, b.Seq == a.Seq && !b.Kind.Checkpoint() && a.Kind.Checkpoint():
		return b
	}
	return a
}

// short abbreviates a hash for messages.
func short(h Hash) string { return h.String()[:16] }

// Entries returns a source over a slice, for tests and exports read into
// memory.
func Entries(es []Entry) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// errStop ends a Walk early when the consumer stops.
var errStop = errors.New("audit: stop")

// Walk adapts a callback-style source such as outbox.AuditLog.AuditEntries
// (with its from argument bound) to the iterator Verify and Export read.
// An error from walk is yielded last.
func Walk(ctx context.Context, walk func(ctx context.Context, fn func(Entry) error) error) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		err := walk(ctx, func(e Entry) error {
			if !yield(e, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(Entry{}, err)
		}
	}
}
