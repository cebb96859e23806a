/** Banned peers and IPs, persisted in DATA/bans.json so a ban survives restarts. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const BANS_FILE = 'bans.json'

export class BanList {
  private readonly path: string
  readonly peers = new Set<string>()
  readonly ips = new Set<string>()

  constructor(dataDir: string) {
    this.path = join(dataDir, BANS_FILE)
    if (existsSync(this.path)) {
      const data = JSON.parse(readFileSync(this.path, 'utf8')) as {
        peers?: string[]
        ips?: string[]
      }
      for (const p of data.peers ?? []) this.peers.add(p)
      for (const ip of data.ips ?? []) this.ips.add(ip)
    }
  }

  isBanned(peer: string | undefined, ip: string | undefined): boolean {
    return (peer !== undefined && this.peers.has(peer)) || (ip !== undefined && this.ips.has(ip))
  }

  add(kind: 'peer' | 'ip', value: string): void {
    ;(kind === 'peer' ? this.peers : this.ips).add(value)
    this.save()
  }

  remove(kind: 'peer' | 'ip', value: string): boolean {
    const removed = (kind === 'peer' ? this.peers : this.ips).delete(value)
    if (removed) this.save()
    return removed
  }

  private save(): void {
    const tmp = this.path + '.tmp'
    writeFileSync(
      tmp,
      JSON.stringify({ peers: [...this.peers], ips: [...this.ips] }, null, 2) + '\n',
      {
        mode: 0o600,
      },
    )
    renameSync(tmp, this.path)
  }
}
