/**
 * The gateway's session key: a hot key that signs vouchers, authorized per channel with a cap, so the paying key
 * only opens and tops up channels. It is created once and kept encrypted at rest (Web3 Secret Storage v3) in
 * `<dataDir>/keystore/gateway-session.json`. The password is MYCEL_PASSWORD when set; otherwise a random one is
 * created in `<dataDir>/secrets/gateway-session.password` (mode 0600), so an unattended node can restart.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { generatePrivateKey, type LocalAccount } from 'viem/accounts'
import { lazyAccount } from './account.ts'
import { decryptKeystoreAsync, keystoreDir, LIGHT_SCRYPT, parseKeystore } from './keystore.ts'

const NAME = 'gateway-session'

/** The session key, created on first use; scrypt runs off the event loop while the node starts its other roles. */
export async function loadSessionKey(dataDir: string): Promise<{ account: LocalAccount; privateKey: Hex }> {
  const keys = keystoreDir(join(dataDir, 'keystore'))
  let password = process.env.MYCEL_PASSWORD
  if (password === undefined) {
    const dir = join(dataDir, 'secrets')
    const file = join(dir, `${NAME}.password`)
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
    }
    password = readFileSync(file, 'utf8').trim()
  }
  const file = join(keys.dir, `${NAME}.json`)
  if (!existsSync(file)) {
    const privateKey = generatePrivateKey()
    keys.save(NAME, privateKey, password, LIGHT_SCRYPT)
    return { account: lazyAccount(privateKey), privateKey }
  }
  const keystore = parseKeystore(JSON.parse(readFileSync(file, 'utf8')), NAME)
  const privateKey = await decryptKeystoreAsync(keystore, password, NAME)
  return { account: lazyAccount(privateKey), privateKey }
}
