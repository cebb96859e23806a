// The page side of the file floor (lib/raw-file-floor.ts): what runs in the two blank pages of
// the raw arm (lib/raw-datachannel.ts), on its `bulk` channel. Every function here is installed
// in the pages as a global of one classic script (FLOOR_PAGE_SCRIPT), so they call each other by
// name and must not use anything of this module but types.
//
// The sender does the product's per-chunk work (core/src/files/sealer.ts, sender.ts): 16 KiB
// chunks sealed with AES-256-GCM (nonce = base XOR index, no associated data) through WebCrypto,
// one 512 KiB slice's chunks at once, three slices sealed ahead; three sealed chunks per
// data-channel message; never more than 256 chunks ahead of the receiver's acks. The receiver
// does the product's (receiver.ts, extension/src/files/chunk-sink.ts): each chunk decrypted
// (32 ahead), SHA-256 (hash-wasm, as wasm-sha256.ts) over the 56-byte header and every
// ciphertext in order, and the plaintext gathered in 512 KiB batches. `sealed` then drops each
// batch; `stored` joins it into one buffer and writes it as a Blob row to IndexedDB in a
// transaction of its own, one write at a time while the next batch is decrypted, as the sink does.
// Acks every 32 chunks once the batch holding them is done (`a<n>`), `d<n>` at the end, `e<why>`
// when the receiver fails (a chunk that does not authenticate).

/** What the floor needs of the raw pair's page state (raw-datachannel.ts `hestiaBench`). */
interface FloorPageGlobal {
  hestiaBench: { bulk: RTCDataChannel }
  hestiaFloor?: FloorReceiver
  hestiaFloorDb?: IDBDatabase
  hashwasm: { createSHA256(): Promise<WasmHasher> }
}

interface WasmHasher {
  init(): void
  update(data: Uint8Array): void
  digest(format: 'hex'): string
}

/** Sizes of the product's file path, passed in from core's constants. */
export interface FloorShape {
  bytes: number
  chunkBytes: number
  tagBytes: number
  batchBytes: number
  keyB64: string
  nonceB64: string
}

export interface FloorReceiveArgs extends FloorShape {
  mode: 'sealed' | 'stored'
  headerB64: string
  decryptAhead: number
  ackEvery: number
  transferId: string
  dbName: string
}

export interface FloorSendArgs extends FloorShape {
  sliceB64: string
  windowChunks: number
  sealAheadSlices: number
  framesPerMessage: number
  high: number
  low: number
  waitLimitMs: number
  /** Flips a byte of this chunk's ciphertext on the way (the hostile-sender check). */
  tamperChunk?: number
}

export interface FloorCollected {
  digest: string
  consumed: number
  /** Rows found in the page's database for this run (then deleted); 0 for `sealed`. */
  rows: number
}

interface InFlight {
  data: Uint8Array<ArrayBuffer>
  plain: Promise<ArrayBuffer>
}

interface FloorReceiver {
  args: FloorReceiveArgs
  chunks: number
  key: CryptoKey
  baseNonce: Uint8Array<ArrayBuffer>
  hasher: WasmHasher
  db: IDBDatabase | null
  queue: Uint8Array<ArrayBuffer>[]
  wake: (() => void) | null
  inFlight: InFlight[]
  started: number
  consumed: number
  batch: Uint8Array<ArrayBuffer>[]
  batchBytes: number
  batchFrom: number
  writing: Promise<void>
  lastAck: number
  previous: RTCDataChannel['onmessage']
  done: Promise<string>
}

export function floorBytes(b64: string): Uint8Array<ArrayBuffer> {
  const text = atob(b64)
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

/** core/src/crypto/cobblestone.ts chunkNonce: the index XORed into the last five bytes. */
export function floorNonce(base: Uint8Array<ArrayBuffer>, index: number): Uint8Array<ArrayBuffer> {
  const nonce = base.slice()
  let v = index
  for (let i = 11; i >= 7; i--) {
    nonce[i] = nonce[i]! ^ (v % 256)
    v = Math.floor(v / 256)
  }
  return nonce
}

export function floorConcat(parts: Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

export function floorOpenDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1)
    request.onupgradeneeded = () =>
      request.result.createObjectStore('chunks', { keyPath: ['transferId', 'offset'] })
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error(`cannot open ${name}`))
  })
}

/** Installs the receiver on the bulk channel; the raw arm's counter comes back at collect. */
export async function floorReceiverStart(args: FloorReceiveArgs): Promise<void> {
  const g = globalThis as unknown as FloorPageGlobal
  const bulk = g.hestiaBench.bulk
  const key = await crypto.subtle.importKey('raw', floorBytes(args.keyB64), 'AES-GCM', false, [
    'decrypt',
  ])
  const hasher = await g.hashwasm.createSHA256()
  hasher.init()
  hasher.update(floorBytes(args.headerB64))
  const db = args.mode === 'stored' ? (g.hestiaFloorDb ??= await floorOpenDb(args.dbName)) : null
  const r: FloorReceiver = {
    args,
    chunks: Math.floor(args.bytes / args.chunkBytes) + 1,
    key,
    baseNonce: floorBytes(args.nonceB64),
    hasher,
    db,
    queue: [],
    wake: null,
    inFlight: [],
    started: 0,
    consumed: 0,
    batch: [],
    batchBytes: 0,
    batchFrom: 0,
    writing: Promise.resolve(),
    lastAck: 0,
    previous: bulk.onmessage,
    done: Promise.resolve(''),
  }
  bulk.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
    if (typeof event.data === 'string') return
    const bytes = new Uint8Array(event.data)
    const size = args.chunkBytes + args.tagBytes
    for (let at = 0; at < bytes.length; at += size)
      r.queue.push(bytes.subarray(at, Math.min(bytes.length, at + size)))
    const wake = r.wake
    r.wake = null
    wake?.()
  }
  g.hestiaFloor = r
  r.done = floorReceiveLoop(r).then(
    (digest) => {
      bulk.send(`d${r.consumed}`)
      return digest
    },
    (error: unknown) => {
      bulk.send(`e${String(error)}`)
      throw error
    },
  )
  r.done.catch(() => undefined)
}

/** receiver.ts #pullChunks: a chunk is taken in order once 32 are decrypting or all arrived. */
export async function floorReceiveLoop(r: FloorReceiver): Promise<string> {
  while (r.consumed < r.chunks) {
    if (r.started < r.chunks) {
      if (r.queue.length === 0) {
        await new Promise<void>((resolve) => {
          r.wake = resolve
        })
        continue
      }
      const data = r.queue.shift()!
      const iv = floorNonce(r.baseNonce, r.started)
      const plain = crypto.subtle.decrypt({ name: 'AES-GCM', iv }, r.key, data)
      plain.catch(() => undefined)
      r.inFlight.push({ data, plain })
      r.started++
    }
    if (r.inFlight.length >= r.args.decryptAhead || r.started >= r.chunks)
      await floorConsume(r, r.inFlight.shift()!)
  }
  await r.writing
  return r.hasher.digest('hex')
}

export async function floorConsume(r: FloorReceiver, head: InFlight): Promise<void> {
  let plain: Uint8Array<ArrayBuffer>
  try {
    plain = new Uint8Array(await head.plain)
  } catch {
    throw new Error(`chunk ${r.consumed} failed authentication`)
  }
  r.hasher.update(head.data)
  r.consumed++
  r.batch.push(plain)
  r.batchBytes += plain.length
  if (r.batchBytes >= r.args.batchBytes || r.consumed === r.chunks) await floorFlush(r)
}

/** SinkWriter.#flush: waits for the previous write, then starts this batch's. */
export async function floorFlush(r: FloorReceiver): Promise<void> {
  await r.writing
  const upTo = r.batchFrom + r.batch.length
  const offset = r.batchFrom * r.args.chunkBytes
  const parts = r.batch
  const total = r.batchBytes
  r.batch = []
  r.batchBytes = 0
  r.batchFrom = upTo
  const db = r.db
  const write =
    db === null
      ? Promise.resolve()
      : floorPut(
          db,
          r.args.transferId,
          offset,
          parts.length === 1 ? parts[0]! : floorConcat(parts, total),
        )
  r.writing = write.then(() => {
    if (upTo - r.lastAck >= r.args.ackEvery && upTo <= r.chunks - 1) {
      r.lastAck = upTo
      ;(globalThis as unknown as FloorPageGlobal).hestiaBench.bulk.send(`a${upTo}`)
    }
  })
  r.writing.catch(() => undefined)
}

/** chunk-sink.ts write(): the batch as one Blob row, resolved once its transaction committed. */
export function floorPut(
  db: IDBDatabase,
  transferId: string,
  offset: number,
  data: Uint8Array<ArrayBuffer>,
): Promise<void> {
  const row = { transferId, offset, length: data.length, data: new Blob([data]) }
  return new Promise((resolve, reject) => {
    const tx = db.transaction('chunks', 'readwrite')
    tx.objectStore('chunks').put(row)
    tx.oncomplete = () => resolve()
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('floor write aborted'))
  })
}

/** Counts and deletes this run's rows (after the measured time). */
export function floorDropRows(db: IDBDatabase, transferId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('chunks', 'readwrite')
    const range = IDBKeyRange.bound([transferId, 0], [transferId, Infinity])
    const store = tx.objectStore('chunks')
    const counted = store.count(range)
    store.delete(range)
    tx.oncomplete = () => resolve(counted.result)
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('floor clean-up aborted'))
  })
}

/** Waits for the receiver (at most `waitMs`), puts the raw arm's counter back, drops the rows. */
export async function floorReceiverCollect(waitMs: number): Promise<FloorCollected> {
  const g = globalThis as unknown as FloorPageGlobal
  const r = g.hestiaFloor
  if (r === undefined) throw new Error('no floor receiver in this page')
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const digest = await Promise.race([
      r.done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('floor receiver did not finish')), waitMs)
      }),
    ])
    const rows = r.db === null ? 0 : await floorDropRows(r.db, r.args.transferId)
    return { digest, consumed: r.consumed, rows }
  } finally {
    clearTimeout(timer)
    g.hestiaBench.bulk.onmessage = r.previous
    g.hestiaFloor = undefined
  }
}

/** Acks from the receiver: the window's lower edge, the end, or its failure. */
export function floorAcks(bulk: RTCDataChannel, waitLimitMs: number) {
  const state = { acked: 0, error: null as Error | null, wake: null as (() => void) | null }
  let finish: (chunks: number) => void = () => undefined
  let fail: (error: Error) => void = () => undefined
  const done = new Promise<number>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  done.catch(() => undefined)
  const timer = setTimeout(
    () => onMessage({ data: 'efloor transfer not acknowledged' }),
    waitLimitMs,
  )
  const onMessage = (event: { data: unknown }): void => {
    if (typeof event.data !== 'string') return
    const rest = event.data.slice(1)
    if (event.data.startsWith('a')) state.acked = Number(rest)
    else if (event.data.startsWith('d')) finish(Number(rest))
    else if (event.data.startsWith('e')) {
      state.error = new Error(`floor receiver: ${rest}`)
      fail(state.error)
    }
    const wake = state.wake
    state.wake = null
    wake?.()
  }
  bulk.addEventListener('message', onMessage)
  return {
    state,
    done,
    /** Resolves at the next message from the receiver; rejects once it failed. */
    moved: () =>
      new Promise<void>((resolve, reject) => {
        if (state.error !== null) return reject(state.error)
        state.wake = () => (state.error === null ? resolve() : reject(state.error))
      }),
    dispose: () => {
      clearTimeout(timer)
      bulk.removeEventListener('message', onMessage)
    },
  }
}

/** sealer.ts forEachSealedChunk: each slice's chunks sealed at once, `ahead` slices ahead. */
export async function floorSealedChunks(
  args: FloorSendArgs,
  key: CryptoKey,
  onChunk: (index: number, ciphertext: Uint8Array<ArrayBuffer>) => Promise<void>,
): Promise<void> {
  const base = floorBytes(args.nonceB64)
  const slice = floorBytes(args.sliceB64)
  const last = Math.floor(args.bytes / args.chunkBytes)
  const per = Math.max(1, Math.floor(args.batchBytes / args.chunkBytes))
  const sealSlice = (first: number): Promise<Uint8Array<ArrayBuffer>[]> => {
    const jobs: Promise<Uint8Array<ArrayBuffer>>[] = []
    for (let i = first; i <= Math.min(last, first + per - 1); i++) {
      const at = (i - first) * args.chunkBytes
      const length = i < last ? args.chunkBytes : args.bytes - last * args.chunkBytes
      const iv = floorNonce(base, i)
      jobs.push(
        crypto.subtle
          .encrypt({ name: 'AES-GCM', iv }, key, slice.subarray(at, at + length))
          .then((sealed) => new Uint8Array(sealed)),
      )
    }
    return Promise.all(jobs)
  }
  const queue: Promise<Uint8Array<ArrayBuffer>[]>[] = []
  let nextFirst = 0
  const refill = (depth: number): void => {
    while (queue.length < depth && nextFirst <= last) {
      const sealed = sealSlice(nextFirst)
      sealed.catch(() => undefined)
      queue.push(sealed)
      nextFirst += per
    }
  }
  refill(1)
  for (let first = 0; queue.length > 0; first += per) {
    const current = await queue.shift()!
    refill(Math.max(1, args.sealAheadSlices))
    for (let k = 0; k < current.length; k++) await onChunk(first + k, current[k]!)
  }
}

/** The sending side: seals and sends the file, returns the time until the receiver's end. */
export async function floorSend(
  args: FloorSendArgs,
): Promise<{ milliseconds: number; acknowledged: number }> {
  const bulk = (globalThis as unknown as FloorPageGlobal).hestiaBench.bulk
  const key = await crypto.subtle.importKey('raw', floorBytes(args.keyB64), 'AES-GCM', false, [
    'encrypt',
  ])
  bulk.bufferedAmountLowThreshold = args.low
  const acks = floorAcks(bulk, args.waitLimitMs)
  const drained = () =>
    new Promise<void>((resolve) =>
      bulk.addEventListener('bufferedamountlow', () => resolve(), { once: true }),
    )
  let group: Uint8Array<ArrayBuffer>[] = []
  let groupBytes = 0
  const flush = async (): Promise<void> => {
    if (group.length === 0) return
    const message = group.length === 1 ? group[0]! : floorConcat(group, groupBytes)
    group = []
    groupBytes = 0
    if (bulk.bufferedAmount > args.high) await drained()
    bulk.send(message)
  }
  const started = performance.now()
  try {
    await floorSealedChunks(args, key, async (index, ciphertext) => {
      if (index - acks.state.acked >= args.windowChunks) await flush()
      while (index - acks.state.acked >= args.windowChunks) await acks.moved()
      if (acks.state.error !== null) throw acks.state.error
      if (index === args.tamperChunk) ciphertext[0] = ciphertext[0]! ^ 1
      group.push(ciphertext)
      groupBytes += ciphertext.length
      if (group.length >= args.framesPerMessage) await flush()
    })
    await flush()
    const acknowledged = await acks.done
    return { milliseconds: performance.now() - started, acknowledged }
  } finally {
    acks.dispose()
  }
}

/** The functions above as one classic script: each becomes a global of the page. */
export const FLOOR_PAGE_SCRIPT: string = [
  floorBytes,
  floorNonce,
  floorConcat,
  floorOpenDb,
  floorReceiverStart,
  floorReceiveLoop,
  floorConsume,
  floorFlush,
  floorPut,
  floorDropRows,
  floorReceiverCollect,
  floorAcks,
  floorSealedChunks,
  floorSend,
]
  .map((fn) => fn.toString())
  .join('\n\n')
