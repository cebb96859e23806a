-- Schema 1 of the PostgreSQL mailbox store (relay-node/src/store/postgres-store.ts, ADR 0230).
-- The same tables and columns as the SQLite store (sqlite-schema.ts): rows are keyed by what they
-- are (mailbox id, per-mailbox sequence, nonce hash), no serial ids, no insertion timestamps
-- (ADR 0209). docs/relay/PRIVACY.md lists every column.
--
-- Every write function below first locks the single relay_totals row (hestia_lock_totals): writers
-- of all instances take their locks in one order (totals, then mailbox rows), so they never
-- deadlock, whether a function runs alone or in a batch, and the relay-wide byte quota is checked
-- and updated atomically across instances.

CREATE TABLE mailboxes (
  id bytea PRIMARY KEY,
  auth_key bytea NOT NULL,
  capability_hash bytea NOT NULL,
  last_seen_day integer NOT NULL,
  next_seq bigint NOT NULL,
  msg_count integer NOT NULL,
  byte_count bigint NOT NULL
);

CREATE TABLE messages (
  mailbox_id bytea NOT NULL,
  seq bigint NOT NULL,
  sealed bytea NOT NULL,
  size integer NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
);
CREATE INDEX messages_by_expiry ON messages (expires_at);
-- Sealed envelopes are random bytes: compressing them only costs CPU.
ALTER TABLE messages ALTER COLUMN sealed SET STORAGE EXTERNAL;

CREATE TABLE auth_nonces (
  nonce_key bytea PRIMARY KEY,
  expires_bucket bigint NOT NULL
);
CREATE INDEX auth_nonces_by_bucket ON auth_nonces (expires_bucket);

CREATE TABLE prekey_bundles (
  mailbox_id bytea PRIMARY KEY,
  bundle bytea NOT NULL,
  next_seq bigint NOT NULL
);

CREATE TABLE one_time_prekeys (
  mailbox_id bytea NOT NULL,
  seq bigint NOT NULL,
  prekey bytea NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
);

-- One row: sealed bytes stored across all mailboxes (the relay-wide quota, maxTotalBytes).
CREATE TABLE relay_totals (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  bytes bigint NOT NULL
);
INSERT INTO relay_totals (id, bytes) VALUES (true, 0);

-- The first lock of every write (see the top of this file).
CREATE FUNCTION hestia_lock_totals() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM relay_totals WHERE id FOR UPDATE;
END $$;

-- Deposit with its quotas in one round trip. Outcome 'ok' with the per-mailbox sequence, or the
-- quota that refused it (nothing changed then). A committed deposit notifies every instance
-- (LISTEN hestia_deposit): the payload is the mailbox id in hex and the sequence, delivered at
-- commit, in commit order; a purged or closed mailbox sends sequence 0.
CREATE FUNCTION hestia_deposit(
  p_mailbox bytea, p_sealed bytea, p_expires bigint,
  p_max_msgs integer, p_max_bytes bigint, p_max_total bigint
) RETURNS TABLE (outcome text, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  m mailboxes%ROWTYPE;
  sz integer := length(p_sealed);
BEGIN
  PERFORM hestia_lock_totals();
  SELECT * INTO m FROM mailboxes WHERE id = p_mailbox FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown_mailbox'::text, NULL::bigint;
    RETURN;
  END IF;
  IF m.msg_count + 1 > p_max_msgs OR m.byte_count + sz > p_max_bytes THEN
    RETURN QUERY SELECT 'mailbox_full'::text, NULL::bigint;
    RETURN;
  END IF;
  UPDATE relay_totals SET bytes = bytes + sz WHERE id AND bytes + sz <= p_max_total;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'relay_full'::text, NULL::bigint;
    RETURN;
  END IF;
  INSERT INTO messages (mailbox_id, seq, sealed, size, expires_at)
    VALUES (p_mailbox, m.next_seq, p_sealed, sz, p_expires);
  UPDATE mailboxes
    SET next_seq = next_seq + 1, msg_count = msg_count + 1, byte_count = byte_count + sz
    WHERE id = p_mailbox;
  PERFORM pg_notify('hestia_deposit', encode(p_mailbox, 'hex') || ':' || m.next_seq);
  RETURN QUERY SELECT 'ok'::text, m.next_seq;
END $$;

CREATE FUNCTION hestia_create_mailbox(
  p_id bytea, p_auth_key bytea, p_capability_hash bytea, p_day integer
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m mailboxes%ROWTYPE;
BEGIN
  PERFORM hestia_lock_totals();
  INSERT INTO mailboxes (id, auth_key, capability_hash, last_seen_day, next_seq, msg_count, byte_count)
    VALUES (p_id, p_auth_key, p_capability_hash, p_day, 1, 0, 0)
    ON CONFLICT (id) DO NOTHING;
  IF FOUND THEN
    RETURN 'created';
  END IF;
  SELECT * INTO m FROM mailboxes WHERE id = p_id;
  IF m.auth_key = p_auth_key AND m.capability_hash = p_capability_hash THEN
    RETURN 'exists_same';
  END IF;
  RETURN 'exists_other';
END $$;

CREATE FUNCTION hestia_ack(p_mailbox bytea, p_ids bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  n integer;
  b bigint;
BEGIN
  PERFORM hestia_lock_totals();
  WITH d AS (
    DELETE FROM messages WHERE mailbox_id = p_mailbox AND seq = ANY (p_ids) RETURNING size
  )
  SELECT count(*), coalesce(sum(size), 0) INTO n, b FROM d;
  IF n > 0 THEN
    UPDATE mailboxes SET msg_count = msg_count - n, byte_count = byte_count - b WHERE id = p_mailbox;
    UPDATE relay_totals SET bytes = bytes - b WHERE id;
  END IF;
  RETURN n;
END $$;

-- False (and nothing changed) when the nonce hash is already kept. ON CONFLICT makes a second
-- instance inserting the same key wait for the first one's commit, then refuse: a replay is refused
-- once across all instances.
CREATE FUNCTION hestia_use_nonce(p_mailbox bytea, p_key bytea, p_bucket bigint, p_day integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hestia_lock_totals();
  INSERT INTO auth_nonces (nonce_key, expires_bucket) VALUES (p_key, p_bucket)
    ON CONFLICT (nonce_key) DO NOTHING;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE mailboxes SET last_seen_day = p_day WHERE id = p_mailbox AND last_seen_day <> p_day;
  RETURN true;
END $$;

CREATE FUNCTION hestia_publish_prekeys(
  p_mailbox bytea, p_bundle bytea, p_otks bytea[], p_max integer
) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  stored integer;
  next bigint;
  k bytea;
BEGIN
  PERFORM hestia_lock_totals();
  INSERT INTO prekey_bundles (mailbox_id, bundle, next_seq) VALUES (p_mailbox, p_bundle, 1)
    ON CONFLICT (mailbox_id) DO UPDATE SET bundle = excluded.bundle;
  SELECT next_seq INTO next FROM prekey_bundles WHERE mailbox_id = p_mailbox FOR UPDATE;
  SELECT count(*) INTO stored FROM one_time_prekeys WHERE mailbox_id = p_mailbox;
  FOREACH k IN ARRAY coalesce(p_otks, ARRAY[]::bytea[]) LOOP
    EXIT WHEN stored >= p_max;
    INSERT INTO one_time_prekeys (mailbox_id, seq, prekey) VALUES (p_mailbox, next, k);
    next := next + 1;
    stored := stored + 1;
  END LOOP;
  UPDATE prekey_bundles SET next_seq = next WHERE mailbox_id = p_mailbox;
  RETURN stored;
END $$;

-- The bundle and the oldest one-time prekey, deleted in the same transaction: two takers (on any
-- instances) never get the same one.
CREATE FUNCTION hestia_take_prekey(p_mailbox bytea)
RETURNS TABLE (bundle bytea, prekey bytea, left_count integer) LANGUAGE plpgsql AS $$
DECLARE
  b bytea;
  k bytea;
  n integer;
BEGIN
  PERFORM hestia_lock_totals();
  SELECT pb.bundle INTO b FROM prekey_bundles pb WHERE pb.mailbox_id = p_mailbox FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  DELETE FROM one_time_prekeys o
    WHERE (o.mailbox_id, o.seq) = (
      SELECT o2.mailbox_id, o2.seq FROM one_time_prekeys o2
      WHERE o2.mailbox_id = p_mailbox ORDER BY o2.seq LIMIT 1
    )
    RETURNING o.prekey INTO k;
  SELECT count(*) INTO n FROM one_time_prekeys o WHERE o.mailbox_id = p_mailbox;
  RETURN QUERY SELECT b, k, n;
END $$;

CREATE FUNCTION hestia_purge_mailbox(p_id bytea) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  b bigint;
BEGIN
  PERFORM hestia_lock_totals();
  DELETE FROM mailboxes WHERE id = p_id RETURNING byte_count INTO b;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM messages WHERE mailbox_id = p_id;
  DELETE FROM prekey_bundles WHERE mailbox_id = p_id;
  DELETE FROM one_time_prekeys WHERE mailbox_id = p_id;
  UPDATE relay_totals SET bytes = bytes - b WHERE id;
  -- Sequence 0 (deposits start at 1): the mailbox is gone; every instance ends its subscriptions.
  PERFORM pg_notify('hestia_deposit', encode(p_id, 'hex') || ':0');
  RETURN true;
END $$;

-- Up to p_limit expired messages, with their mailboxes' counters and the relay total.
CREATE FUNCTION hestia_sweep_messages(p_now bigint, p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
  b bigint := 0;
BEGIN
  PERFORM hestia_lock_totals();
  FOR r IN
    WITH d AS (
      DELETE FROM messages WHERE (mailbox_id, seq) IN (
        SELECT mailbox_id, seq FROM messages WHERE expires_at <= p_now LIMIT p_limit
      ) RETURNING mailbox_id, size
    )
    SELECT mailbox_id, count(*)::integer AS c, sum(size)::bigint AS s FROM d GROUP BY mailbox_id
  LOOP
    UPDATE mailboxes SET msg_count = msg_count - r.c, byte_count = byte_count - r.s
      WHERE id = r.mailbox_id;
    n := n + r.c;
    b := b + r.s;
  END LOOP;
  IF n > 0 THEN
    UPDATE relay_totals SET bytes = bytes - b WHERE id;
  END IF;
  RETURN n;
END $$;

CREATE FUNCTION hestia_sweep_idle(p_before_day integer, p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  i bytea;
  n integer := 0;
BEGIN
  PERFORM hestia_lock_totals();
  FOR i IN SELECT id FROM mailboxes WHERE last_seen_day < p_before_day LIMIT p_limit LOOP
    IF hestia_purge_mailbox(i) THEN
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;
