/**
 * The node's own hot keys, created once and kept encrypted at rest (Web3 Secret Storage v3) in
 * `<dataDir>/keystore/<name>.json`: the gateway's session key (`gateway-session`: signs vouchers, authorized per
 * channel with a cap, so the paying key only opens and tops up channels) and the vault key (`vault`: dataset keys
 * are wrapped to it at rest, docs/data.md). The password is MYCEL_PASSWORD when set; otherwise a random one is
 * created in `<dataDir>/secrets/<name>.password` (mode 0600), so an unattended node can restart.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { generatePrivateKey, type LocalAccount } from 'viem/accounts'
import { lazyAccount } from './account.ts'
import { decryptKeystoreAsync, keystoreDir, LIGHT_SCRYPT, parseKeystore } from './keystore.ts'

export type NodeKeyName = 'gateway-session' | 'vault'

/** The key `name`, created on first use; scrypt runs off the event loop while the node starts its other roles. */
export async function loadNodeKey(
  dataDir: string,
  name: NodeKeyName,
): Promise<{ account: LocalAccount; privateKey: Hex }> {
  const keys = keystoreDir(join(dataDir, 'keystore'))
  let password = process.env.MYCEL_PASSWORD
  if (password === undefined) {
    const dir = join(dataDir, 'secrets')
    const file = join(dir, `${name}.password`)
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      try {
        writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
      } catch (error) {
        // Another process (the CLI beside the node) created it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    }
    password = readFileSync(file, 'utf8').trim()
  }
  const file = join(keys.dir, `${name}.json`)
  if (!existsSync(file)) {
    const privateKey = generatePrivateKey()
    try {
      keys.save(name, privateKey, password, LIGHT_SCRYPT)
      return { account: lazyAccount(privateKey), privateKey }
    } catch (error) {
      if (!existsSync(file)) throw error // saved by another process meanwhile: read theirs below
    }
  }
  const keystore = parseKeystore(JSON.parse(readFileSync(file, 'utf8')), name)
  const privateKey = await decryptKeystoreAsync(keystore, password, name)
  return { account: lazyAccount(privateKey), privateKey }
}

/** The gateway's session key. */
export const loadSessionKey = (dataDir: string) => loadNodeKey(dataDir, 'gateway-session')
