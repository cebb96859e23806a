/**
 * What a relay operator sees of each deposit: the size of every sealed envelope the relay stored,
 * recorded by a trigger in the relay's own SQLite database (so acked and deleted ones count too).
 * Test-only: the trigger is created in the test relay's temporary data directory.
 */
import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'

export interface DepositRecorder {
  /** Sizes in bytes of every envelope deposited since the recorder started, in order. */
  sizes(): number[]
  close(): void
}

export function recordDeposits(relayDataDir: string): DepositRecorder {
  const db = new DatabaseSync(join(relayDataDir, 'mailboxes.sqlite'))
  db.exec(`
    CREATE TABLE IF NOT EXISTS test_deposit_log (n INTEGER PRIMARY KEY, size INTEGER NOT NULL);
    CREATE TRIGGER IF NOT EXISTS test_deposit_logger AFTER INSERT ON messages
    BEGIN INSERT INTO test_deposit_log (size) VALUES (length(NEW.sealed)); END;
  `)
  return {
    sizes: () =>
      db
        .prepare('SELECT size FROM test_deposit_log ORDER BY n')
        .all()
        .map((row) => Number(row.size)),
    close: () => db.close(),
  }
}
