-- xgate outbox schema, version 1. Applied by pgstore.Open inside one
-- transaction under an advisory lock; never edit an applied migration
-- (Open compares checksums), add a new file instead.

-- Seq of records: acceptance order within the store.
CREATE SEQUENCE xgate_record_seq;
-- Lease tokens: every claim takes a fresh one.
CREATE SEQUENCE xgate_lease_token;

-- Outbound and inbound records, with their bodies (TOASTed when large).
CREATE TABLE xgate_records (
    seq          bigint PRIMARY KEY DEFAULT nextval('xgate_record_seq'),
    dir          text NOT NULL,
    id           text NOT NULL,
    partner      text NOT NULL,
    type         text NOT NULL DEFAULT '',
    okey         text NOT NULL DEFAULT '',
    state        text NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL,
    err_code     text,
    err_text     text,
    created      timestamptz NOT NULL,
    queued       timestamptz NOT NULL,
    updated      timestamptz NOT NULL,
    ausloeser    text NOT NULL DEFAULT '',
    deadline     timestamptz,
    lease_owner  text,
    lease_token  bigint,
    lease_until  timestamptz,
    sealed       bytea,
    evidence     bytea,
    opened       bytea,
    receipt      bytea,
    -- The record is the earliest active (queued or sending) record of its
    -- ordering chain (partner, okey): only heads can be claimed. Writers
    -- that change a chain's active set hold the chain's advisory lock
    -- (xgate_chain_key) and keep this flag right.
    head         boolean NOT NULL DEFAULT false,
    -- When Claim may take a head: queued by next attempt, sending by
    -- lease expiry; NULL for every record that is not a head.
    due          timestamptz GENERATED ALWAYS AS (
                     CASE WHEN head AND state = 'queued' THEN next_attempt
                          WHEN head AND state = 'sending' THEN lease_until END) STORED,
    CONSTRAINT xgate_records_dir_id UNIQUE (dir, id),
    CONSTRAINT xgate_records_state CHECK (
        dir = 'out' AND state IN ('queued', 'sending', 'delivered', 'answered', 'rejected', 'failed', 'cancelled')
        OR dir = 'in' AND state IN ('received', 'handed-over', 'acknowledged')),
    CONSTRAINT xgate_records_lease CHECK (
        (state = 'sending') = (lease_owner IS NOT NULL)
        AND (lease_owner IS NULL) = (lease_token IS NULL)
        AND (lease_owner IS NULL) = (lease_until IS NULL)),
    CONSTRAINT xgate_records_bodies CHECK (
        dir = 'out' AND sealed IS NOT NULL AND okey <> '' AND opened IS NULL AND receipt IS NULL
        OR dir = 'in' AND receipt IS NOT NULL AND opened IS NOT NULL AND sealed IS NULL AND evidence IS NULL),
    CONSTRAINT xgate_records_error CHECK ((err_code IS NULL) = (err_text IS NULL)),
    CONSTRAINT xgate_records_head CHECK (NOT head OR state IN ('queued', 'sending'))
);
CREATE INDEX xgate_records_by_state ON xgate_records (state, seq);
CREATE INDEX xgate_records_by_partner ON xgate_records (partner, seq);
-- Due heads per partner: Claim and NextDue read a few entries per
-- partner, so partners with an open circuit breaker cost nothing.
CREATE INDEX xgate_records_due ON xgate_records (partner, due, seq) WHERE due IS NOT NULL;
-- Active records per ordering chain, to find the next head.
CREATE INDEX xgate_records_active ON xgate_records (partner, okey, seq) WHERE state IN ('queued', 'sending');
-- At most one head per chain.
CREATE UNIQUE INDEX xgate_records_one_head ON xgate_records (partner, okey) WHERE head;

-- The advisory lock key of an ordering chain.
CREATE FUNCTION xgate_chain_key(partner text, okey text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN hashtextextended(length(partner)::text || ':' || partner || okey, 7919);

-- De-duplication of received nachrichtenUUIDs: the primary key is the
-- rule that one message is handed over once, across all instances.
CREATE TABLE xgate_dedup (
    id       text PRIMARY KEY,
    received timestamptz NOT NULL
);
CREATE INDEX xgate_dedup_by_received ON xgate_dedup (received);

-- Audit entries written in the transaction of the change they record,
-- not yet linked into the chain: one row per transaction, its entries
-- in order (a JSON array). The linker moves them into xgate_audit.
CREATE TABLE xgate_audit_pending (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entries jsonb NOT NULL
);

-- The audit chain (outbox/audit): one chain for all instances. at is the
-- entry's time to the microsecond, at_ns the nanoseconds below it, so
-- that the hashed RFC 3339 text is reproduced exactly.
CREATE TABLE xgate_audit (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    at_ns      integer NOT NULL DEFAULT 0 CHECK (at_ns BETWEEN 0 AND 999),
    record_id  text NOT NULL,
    direction  text NOT NULL,
    partner    text NOT NULL DEFAULT '',
    type       text NOT NULL DEFAULT '',
    from_state text NOT NULL DEFAULT '',
    to_state   text NOT NULL,
    actor      text NOT NULL,
    reason     text NOT NULL DEFAULT '',
    code       text NOT NULL DEFAULT '',
    attempt    integer NOT NULL DEFAULT 0,
    prev       bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX xgate_audit_by_record ON xgate_audit (record_id, seq);

-- The head of the chain; linkers lock this row, so that one links at a
-- time.
CREATE TABLE xgate_audit_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO xgate_audit_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- Signed checkpoints of the chain head.
CREATE TABLE xgate_checkpoints (
    seq       bigint PRIMARY KEY,
    head      bytea NOT NULL,
    at        timestamptz NOT NULL,
    at_ns     integer NOT NULL DEFAULT 0 CHECK (at_ns BETWEEN 0 AND 999),
    key_id    text NOT NULL,
    signature bytea NOT NULL
);

-- The chain is append-only: updates, deletes and truncation are refused
-- (a guard against mistakes; a superuser can bypass it, which the hash
-- chain and the checkpoints then show).
CREATE FUNCTION xgate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'xgate: % on % refused: the audit chain is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER xgate_audit_append_only BEFORE UPDATE OR DELETE ON xgate_audit
    FOR EACH ROW EXECUTE FUNCTION xgate_append_only();
CREATE TRIGGER xgate_audit_no_truncate BEFORE TRUNCATE ON xgate_audit
    FOR EACH STATEMENT EXECUTE FUNCTION xgate_append_only();
CREATE TRIGGER xgate_checkpoints_append_only BEFORE UPDATE OR DELETE ON xgate_checkpoints
    FOR EACH ROW EXECUTE FUNCTION xgate_append_only();
CREATE TRIGGER xgate_checkpoints_no_truncate BEFORE TRUNCATE ON xgate_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION xgate_append_only();
