/**
 * Ports the node picked itself (a miner asked for port 0, the demo subnet's miners), kept in `<dataDir>/ports.json`:
 * the next start listens where the endpoints published on chain point, so gateways and validators do not meet a
 * stale endpoint first and no transaction is needed to move it. A port taken meanwhile gives way to a free one (the
 * miner then moves its endpoint on chain).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isPortFree } from '../devnet/anvil.ts'

export function keptPorts(dataDir: string) {
  const file = join(dataDir, 'ports.json')
  let kept: Record<string, number> = {}
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>
  } catch {
    // first start, or an unreadable file: free ports, recorded below
  }
  return {
    /** The port `name` had, if it is free now; else 0 (any free port). */
    take: async (name: string, host: string) => {
      const port = kept[name]
      return Number.isInteger(port) && port !== undefined && port > 0 && (await isPortFree(host, port)) ? port : 0
    },
    /** Records the port of `url` for `name`. */
    keep: (name: string, url: string) => {
      const port = Number(new URL(url).port)
      if (kept[name] === port) return
      kept = { ...kept, [name]: port }
      writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`)
    },
  }
}
