-- Schema 3 (issue 22, ADR 0233): the deposits of one group commit in one call, so a batch of N
-- deposits costs one round trip instead of N (+ BEGIN and COMMIT). The batch travels as two binary
-- parameters (the 32-byte mailbox ids back to back, the sealed envelopes back to back) plus their
-- sizes and expiries: no hex-encoded array literal to build, send and parse. Each element goes
-- through hestia_deposit (schema 1) in order: the same quotas, sequence numbers and NOTIFY, in the
-- same order as N separate calls; one row per element, in order (WITH ORDINALITY at the caller).
CREATE FUNCTION hestia_deposit_batch(
  p_mailboxes bytea, p_sealed bytea, p_sizes integer[], p_expires bigint[],
  p_max_msgs integer, p_max_bytes bigint, p_max_total bigint
) RETURNS TABLE (outcome text, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  off integer := 1;
  r record;
BEGIN
  IF length(p_mailboxes) <> 32 * coalesce(array_length(p_sizes, 1), 0)
     OR array_length(p_expires, 1) IS DISTINCT FROM array_length(p_sizes, 1) THEN
    RAISE EXCEPTION 'hestia_deposit_batch: ids, sizes and expiries do not match';
  END IF;
  PERFORM hestia_lock_totals();
  FOR i IN 1 .. coalesce(array_length(p_sizes, 1), 0) LOOP
    SELECT d.outcome, d.seq INTO r
      FROM hestia_deposit(
        substring(p_mailboxes FROM (i - 1) * 32 + 1 FOR 32),
        substring(p_sealed FROM off FOR p_sizes[i]),
        p_expires[i], p_max_msgs, p_max_bytes, p_max_total
      ) d;
    off := off + p_sizes[i];
    outcome := r.outcome;
    seq := r.seq;
    RETURN NEXT;
  END LOOP;
  IF off - 1 <> length(p_sealed) THEN
    RAISE EXCEPTION 'hestia_deposit_batch: sizes do not add up to the sealed bytes';
  END IF;
END $$;
