-- Schema 2 (issue 22, ADR 0232): the mailbox-count cap (--max-mailboxes) holds across instances.
-- relay_totals also counts the mailboxes, changed in the same transaction as the rows, under the
-- same first lock (hestia_lock_totals), so two instances creating at once cannot pass the cap.

ALTER TABLE relay_totals ADD COLUMN mailboxes bigint NOT NULL DEFAULT 0;
UPDATE relay_totals SET mailboxes = (SELECT count(*) FROM mailboxes) WHERE id;

DROP FUNCTION hestia_create_mailbox(bytea, bytea, bytea, integer);

-- 'relay_full' (nothing changed) when the relay already holds p_max_mailboxes mailboxes.
CREATE FUNCTION hestia_create_mailbox(
  p_id bytea, p_auth_key bytea, p_capability_hash bytea, p_day integer, p_max_mailboxes bigint
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  m mailboxes%ROWTYPE;
  total bigint;
BEGIN
  SELECT t.mailboxes INTO total FROM relay_totals t WHERE id FOR UPDATE;
  SELECT * INTO m FROM mailboxes WHERE id = p_id;
  IF FOUND THEN
    IF m.auth_key = p_auth_key AND m.capability_hash = p_capability_hash THEN
      RETURN 'exists_same';
    END IF;
    RETURN 'exists_other';
  END IF;
  IF total >= p_max_mailboxes THEN
    RETURN 'relay_full';
  END IF;
  INSERT INTO mailboxes (id, auth_key, capability_hash, last_seen_day, next_seq, msg_count, byte_count)
    VALUES (p_id, p_auth_key, p_capability_hash, p_day, 1, 0, 0);
  UPDATE relay_totals SET mailboxes = mailboxes + 1 WHERE id;
  RETURN 'created';
END $$;

-- As in schema 1, and the mailbox count goes down with the row (the idle sweep purges through it).
CREATE OR REPLACE FUNCTION hestia_purge_mailbox(p_id bytea) RETURNS boolean
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
  UPDATE relay_totals SET bytes = bytes - b, mailboxes = mailboxes - 1 WHERE id;
  -- Sequence 0 (deposits start at 1): the mailbox is gone; every instance ends its subscriptions.
  PERFORM pg_notify('hestia_deposit', encode(p_id, 'hex') || ':0');
  RETURN true;
END $$;
