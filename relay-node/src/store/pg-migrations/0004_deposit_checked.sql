-- Schema 4 (issue 22, ADR 0240): a deposit's checks and its write in one round trip, and a batch of
-- deposits written set-wise.
--
-- Before, the relay read the mailbox row (a round trip of its own per deposit) to check the
-- depositor's capability and the mailbox's idle expiry, then queued the deposit; the batch call
-- ran hestia_deposit once per element, each updating the one relay_totals row again (a batch of N
-- left N versions of that row for the next element's lock to walk). Now:
--
-- * hestia_deposit_checked does the capability and expiry checks in the same order the relay did
--   (unknown_mailbox, bad_capability, mailbox_expired), then hestia_deposit (quotas, sequence,
--   NOTIFY). A NULL capability or day skips that check (callers without one: tests, tools).
-- * hestia_deposit_batch_checked takes a batch as before (ids, envelopes and capability hashes
--   back to back in binary parameters). When every deposit of the batch is accepted, which is when
--   all of them in order would be (quotas only grow, so checking the running sums of the whole
--   batch is exact), it writes them with one INSERT, one UPDATE per mailbox and one UPDATE of the
--   totals; the sequence numbers and the announcement order are those of the deposits one by
--   one, and one NOTIFY carries up to ~100 of them ("<id hex>:<seq>" separated by spaces) instead
--   of one NOTIFY each: every listening instance gets one message for them, not one per deposit.
--   Otherwise (some refused) it runs hestia_deposit_checked for each in order, as before.

CREATE FUNCTION hestia_deposit_checked(
  p_mailbox bytea, p_sealed bytea, p_expires bigint, p_cap bytea, p_alive_day integer,
  p_max_msgs integer, p_max_bytes bigint, p_max_total bigint
) RETURNS TABLE (outcome text, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  m mailboxes%ROWTYPE;
BEGIN
  PERFORM hestia_lock_totals();
  SELECT * INTO m FROM mailboxes WHERE id = p_mailbox;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown_mailbox'::text, NULL::bigint;
    RETURN;
  END IF;
  -- Hashes are compared, never the capability itself: timing says nothing useful about a guess.
  IF p_cap IS NOT NULL AND m.capability_hash <> p_cap THEN
    RETURN QUERY SELECT 'bad_capability'::text, NULL::bigint;
    RETURN;
  END IF;
  IF p_alive_day IS NOT NULL AND m.last_seen_day < p_alive_day THEN
    RETURN QUERY SELECT 'mailbox_expired'::text, NULL::bigint;
    RETURN;
  END IF;
  RETURN QUERY SELECT d.outcome, d.seq
    FROM hestia_deposit(p_mailbox, p_sealed, p_expires, p_max_msgs, p_max_bytes, p_max_total) d;
END $$;

CREATE FUNCTION hestia_deposit_batch_checked(
  p_mailboxes bytea, p_sealed bytea, p_sizes integer[], p_expires bigint[],
  p_caps bytea, p_alive_day integer,
  p_max_msgs integer, p_max_bytes bigint, p_max_total bigint
) RETURNS TABLE (outcome text, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  n integer := coalesce(array_length(p_sizes, 1), 0);
  total_size bigint;
  all_ok boolean;
  seqs bigint[];
  offs integer[];
  room boolean;
  i integer;
  r record;
  entry text;
  payload text := '';
BEGIN
  IF length(p_mailboxes) <> 32 * n
     OR array_length(p_expires, 1) IS DISTINCT FROM array_length(p_sizes, 1)
     OR (p_caps IS NOT NULL AND length(p_caps) <> 32 * n) THEN
    RAISE EXCEPTION 'hestia_deposit_batch_checked: ids, sizes, expiries and capabilities do not match';
  END IF;
  SELECT coalesce(sum(s), 0), coalesce(bool_and(s IS NOT NULL AND s >= 0), true)
    INTO total_size, all_ok FROM unnest(p_sizes) AS s;
  IF NOT all_ok OR total_size <> length(p_sealed) THEN
    RAISE EXCEPTION 'hestia_deposit_batch_checked: sizes do not add up to the sealed bytes';
  END IF;
  IF n = 0 THEN
    RETURN;
  END IF;
  PERFORM hestia_lock_totals();
  SELECT t.bytes + total_size <= p_max_total INTO room FROM relay_totals t WHERE t.id;

  -- Every deposit checked against its mailbox as if the ones before it in the batch were stored.
  WITH b AS (
    SELECT k, substring(p_mailboxes FROM (k - 1) * 32 + 1 FOR 32) AS mailbox_id,
           p_sizes[k] AS size,
           CASE WHEN p_caps IS NOT NULL THEN substring(p_caps FROM (k - 1) * 32 + 1 FOR 32) END AS cap
      FROM generate_series(1, n) AS k
  ), m AS (
    SELECT mb.id, mb.capability_hash, mb.last_seen_day, mb.next_seq, mb.msg_count, mb.byte_count
      FROM mailboxes mb WHERE mb.id IN (SELECT b.mailbox_id FROM b)
  ), c AS (
    SELECT b.k,
           sum(b.size) OVER (ORDER BY b.k) - b.size + 1 AS off,
           m.next_seq + row_number() OVER w - 1 AS seq,
           m.id IS NOT NULL
             AND (b.cap IS NULL OR m.capability_hash = b.cap)
             AND (p_alive_day IS NULL OR m.last_seen_day >= p_alive_day)
             AND m.msg_count + row_number() OVER w <= p_max_msgs
             AND m.byte_count + sum(b.size) OVER w <= p_max_bytes AS ok
      FROM b LEFT JOIN m ON m.id = b.mailbox_id
      WINDOW w AS (PARTITION BY b.mailbox_id ORDER BY b.k)
  )
  SELECT array_agg(c.seq ORDER BY c.k), array_agg(c.off::integer ORDER BY c.k),
         coalesce(bool_and(c.ok), false)
    INTO seqs, offs, all_ok FROM c;

  IF NOT (all_ok AND room) THEN
    FOR i IN 1 .. n LOOP
      SELECT d.outcome, d.seq INTO r
        FROM hestia_deposit_checked(
          substring(p_mailboxes FROM (i - 1) * 32 + 1 FOR 32),
          substring(p_sealed FROM offs[i] FOR p_sizes[i]),
          p_expires[i],
          CASE WHEN p_caps IS NOT NULL THEN substring(p_caps FROM (i - 1) * 32 + 1 FOR 32) END,
          p_alive_day, p_max_msgs, p_max_bytes, p_max_total
        ) d;
      outcome := r.outcome;
      seq := r.seq;
      RETURN NEXT;
    END LOOP;
    RETURN;
  END IF;

  INSERT INTO messages (mailbox_id, seq, sealed, size, expires_at)
    SELECT substring(p_mailboxes FROM (k - 1) * 32 + 1 FOR 32), seqs[k],
           substring(p_sealed FROM offs[k] FOR p_sizes[k]), p_sizes[k], p_expires[k]
      FROM generate_series(1, n) AS k;
  UPDATE mailboxes mb
     SET next_seq = mb.next_seq + g.c, msg_count = mb.msg_count + g.c, byte_count = mb.byte_count + g.s
    FROM (
      SELECT substring(p_mailboxes FROM (k - 1) * 32 + 1 FOR 32) AS id, count(*) AS c,
             sum(p_sizes[k]) AS s
        FROM generate_series(1, n) AS k GROUP BY 1
    ) g
   WHERE mb.id = g.id;
  UPDATE relay_totals SET bytes = bytes + total_size WHERE id;
  -- Announced in batch order, which is sequence order within each mailbox: several deposits per
  -- notification, separated by spaces, each payload under PostgreSQL's 8000-byte limit.
  FOR i IN 1 .. n LOOP
    entry := encode(substring(p_mailboxes FROM (i - 1) * 32 + 1 FOR 32), 'hex') || ':' || seqs[i];
    IF length(payload) + 1 + length(entry) > 7900 THEN
      PERFORM pg_notify('hestia_deposit', payload);
      payload := '';
    END IF;
    payload := CASE WHEN payload = '' THEN entry ELSE payload || ' ' || entry END;
    outcome := 'ok';
    seq := seqs[i];
    RETURN NEXT;
  END LOOP;
  PERFORM pg_notify('hestia_deposit', payload);
END $$;
