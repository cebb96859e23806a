-- Schema 3 (issue 22, ADR 0233): the deposits of one group commit in one call, so a batch of N
-- deposits costs one round trip instead of N (+ BEGIN and COMMIT). Each element goes through
-- hestia_deposit (schema 1) in array order: the same quotas, sequence numbers and NOTIFY, in the
-- same order as N separate calls; one row per element, in order (WITH ORDINALITY at the caller).
CREATE FUNCTION hestia_deposit_batch(
  p_mailboxes bytea[], p_sealed bytea[], p_expires bigint[],
  p_max_msgs integer, p_max_bytes bigint, p_max_total bigint
) RETURNS TABLE (outcome text, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  r record;
BEGIN
  PERFORM hestia_lock_totals();
  FOR i IN 1 .. coalesce(array_length(p_mailboxes, 1), 0) LOOP
    SELECT d.outcome, d.seq INTO r
      FROM hestia_deposit(p_mailboxes[i], p_sealed[i], p_expires[i], p_max_msgs, p_max_bytes, p_max_total) d;
    outcome := r.outcome;
    seq := r.seq;
    RETURN NEXT;
  END LOOP;
END $$;
