/**
 * Where a history transfer to another device of ours stands, kept in the store so it goes on from
 * there after this device restarts (issue 19, ADR 0790): `LocalSecrets.historyOut`, one place per
 * device (cut-off, chunks and texts acknowledged in order, the plan's cursor). history-send.ts
 * decides when a place moves; this module only reads and writes it.
 */
import { changeSecrets, WRITE_NOTHING, type MessengerContext } from '../context.ts'
import type { HistoryResume } from '../secrets.ts'

/** The place kept for the transfer to `deviceId` (before a restart), if any. */
export function keptHistoryPlace(
  ctx: MessengerContext,
  deviceId: string,
): HistoryResume | undefined {
  return ctx.secrets.historyOut?.find((x) => x.deviceId === deviceId)
}

/** Writes transfers' places one after another, in the order they were asked for. */
export class HistoryPlaces {
  #writing: Promise<void> = Promise.resolve()

  /**
   * Keeps `place` as the place of the transfer to `deviceId` (null: forgets it), after the writes
   * asked for before; a failed write is logged, and the next one still runs.
   */
  keep(ctx: MessengerContext, deviceId: string, place: HistoryResume | null): void {
    this.#writing = this.#writing
      .then(() => writeHistoryPlace(ctx, deviceId, place))
      .catch((err: unknown) => ctx.log('history: place not kept', err))
  }

  /** Resolves once every write asked for so far has ended. */
  settled(): Promise<void> {
    return this.#writing
  }
}

/** Stores `place` as the place of the transfer to `deviceId` (null: forgets it). */
export async function writeHistoryPlace(
  ctx: MessengerContext,
  deviceId: string,
  place: HistoryResume | null,
): Promise<void> {
  await changeSecrets(
    ctx,
    (s) => {
      const others = (s.historyOut ?? []).filter((r) => r.deviceId !== deviceId)
      if (place === null && others.length === (s.historyOut ?? []).length) return WRITE_NOTHING
      s.historyOut = place === null ? others : [...others, place]
      return true
    },
    'skip',
  )
}
