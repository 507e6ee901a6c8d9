/**
 * One key, one process: a role that signs with a key another running node uses would take over that node's
 * registrations (a miner rewriting a validator's endpoint) and race it for nonces. Each node publishes the keys its
 * roles sign with in its `node.json`; a new process checks them before it signs anything.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Address } from 'viem'
import { NodeError } from '../common/errors.ts'
import { findRunningNode } from '../devnet/devnet.ts'

export type KeyUse = { role: string; address: Address }

export class KeyInUseError extends NodeError {
  override name = 'KeyInUseError'
  constructor(p: { address: Address; role: string; pid: number; dataDir: string; hint: string }) {
    super(
      'KEY_IN_USE',
      `Key ${p.address} is already used by the ${p.role} of the mycel node (pid ${p.pid}) running for data dir ${p.dataDir}; a second process signing with it would take over its registrations. ${p.hint}`,
      { exitCode: 2 },
    )
  }
}

/** A data dir and the data dirs of the miners started for it (`mycel miner serve` puts them in `<dataDir>/miners`). */
export function relatedDataDirs(dataDir: string): string[] {
  let miners: string[] = []
  try {
    miners = readdirSync(join(dataDir, 'miners'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dataDir, 'miners', e.name))
  } catch {
    // no miners started for it
  }
  return [dataDir, ...miners]
}

/** Throws {@link KeyInUseError} (with `hint`: how to pick another key) when a node running for `dataDirs` signs with `address`. */
export function assertKeyFree(address: Address, dataDirs: string[], hint: string): void {
  for (const dataDir of dataDirs) {
    const node = findRunningNode(dataDir)
    const use = node?.keys?.find((k) => k.address.toLowerCase() === address.toLowerCase())
    if (node && use) throw new KeyInUseError({ address, role: use.role, pid: node.pid, dataDir, hint })
  }
}
