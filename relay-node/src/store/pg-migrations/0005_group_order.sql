-- Schema 5 (issue 20, ADR 0132): compare-and-append for group mailboxes.
--
-- hestia_deposit_expected runs the checks of hestia_deposit_checked and, when they pass, stores the
-- deposit only if the mailbox's next sequence number equals p_expected (nothing was appended since
-- the depositor last read); otherwise it answers 'sequence_moved' with that next number, changing
-- nothing. The totals lock (hestia_lock_totals) serialises every deposit of every instance, so the
-- comparison and the write cannot be split by another deposit. Used only for conditional deposits
-- (group commits, rare); ordinary deposits keep going through the batch functions of schema 4.

CREATE FUNCTION hestia_deposit_expected(
  p_mailbox bytea, p_sealed bytea, p_expires bigint, p_cap bytea, p_alive_day integer,
  p_expected bigint, p_max_msgs integer, p_max_bytes bigint, p_max_total bigint
) RETURNS TABLE (outcome text, seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  m mailboxes%ROWTYPE;
BEGIN
  PERFORM hestia_lock_totals();
  SELECT * INTO m FROM mailboxes WHERE id = p_mailbox;
  IF FOUND
     AND (p_cap IS NULL OR m.capability_hash = p_cap)
     AND (p_alive_day IS NULL OR m.last_seen_day >= p_alive_day)
     AND m.next_seq <> p_expected THEN
    RETURN QUERY SELECT 'sequence_moved'::text, m.next_seq;
    RETURN;
  END IF;
  RETURN QUERY SELECT d.outcome, d.seq
    FROM hestia_deposit_checked(
      p_mailbox, p_sealed, p_expires, p_cap, p_alive_day, p_max_msgs, p_max_bytes, p_max_total
    ) d;
END $$;
