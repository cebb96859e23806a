/** The sender's FileSource: slices of a staged Blob, read one at a time (never the whole file). */
import type { FileSource } from '@hestia/core/files/ports.ts'

export class BlobFileSource implements FileSource {
  readonly size: number
  readonly #blob: Blob

  constructor(blob: Blob) {
    this.#blob = blob
    this.size = blob.size
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(
        `read of ${length} bytes at ${offset} is outside the ${this.size}-byte file`,
      )
    }
    const bytes = new Uint8Array(await this.#blob.slice(offset, offset + length).arrayBuffer())
    if (bytes.length !== length) {
      // A staged Blob whose backing file changed or vanished (e.g. the profile's disk was cleaned).
      throw new Error(`the staged file returned ${bytes.length} of ${length} bytes`)
    }
    return bytes
  }
}
