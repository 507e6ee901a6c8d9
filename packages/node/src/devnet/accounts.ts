/**
 * The devnet's accounts: anvil's well-known test mnemonic, whose keys are public knowledge and hold value only on
 * the local devnet. Account 0 deploys the contracts and is the treasury/faucet of the initial MYC supply.
 *
 * The keys are derived here with the native PBKDF2, HMAC and secp256k1 of node:crypto (BIP-39 seed, BIP-32 path
 * m/44'/60'/0'/0/index), once each: viem's `mnemonicToAccount` runs a JavaScript PBKDF2 and JavaScript curve
 * arithmetic on every call (~50 ms here), and a start names these accounts dozens of times.
 */
import { createECDH, createHmac, pbkdf2Sync } from 'node:crypto'
import type { Hex } from 'viem'
import { HDKey, type LocalAccount } from 'viem/accounts'
import { lazyAccount } from '../keys/account.ts'

export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'

/** The order of secp256k1's group. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const HARDENED = 0x80000000

let seed: Buffer | undefined
/** BIP-39: PBKDF2-HMAC-SHA512 of the NFKD mnemonic, salted with "mnemonic" (no passphrase). */
const seedOf = () => {
  seed ??= pbkdf2Sync(DEVNET_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512')
  return seed
}

/** BIP-32 child key derivation (private parent → private child). */
function child(key: Buffer, chainCode: Buffer, index: number): [Buffer, Buffer] {
  const i = Buffer.alloc(4)
  i.writeUInt32BE(index)
  const data =
    index >= HARDENED
      ? Buffer.concat([Buffer.alloc(1), key, i])
      : (() => {
          const ecdh = createECDH('secp256k1')
          ecdh.setPrivateKey(key)
          return Buffer.concat([ecdh.getPublicKey(undefined, 'compressed'), i])
        })()
  const digest = createHmac('sha512', chainCode).update(data).digest()
  const k = (BigInt(`0x${digest.subarray(0, 32).toString('hex')}`) + BigInt(`0x${key.toString('hex')}`)) % N
  return [Buffer.from(k.toString(16).padStart(64, '0'), 'hex'), digest.subarray(32)]
}

const keys = new Map<number, Hex>()

/** The private key of devnet account `index` (m/44'/60'/0'/0/index of the test mnemonic). */
export function devnetPrivateKey(index = 0): Hex {
  let hex = keys.get(index)
  if (!hex) {
    const master = createHmac('sha512', 'Bitcoin seed').update(seedOf()).digest()
    let node: [Buffer, Buffer] = [master.subarray(0, 32), master.subarray(32)]
    for (const step of [44 + HARDENED, 60 + HARDENED, HARDENED, 0, index]) node = child(node[0], node[1], step)
    hex = `0x${node[0].toString('hex')}`
    keys.set(index, hex)
  }
  return hex
}

export type DevnetAccount = LocalAccount & {
  /** The BIP-32 key of the account (derived in JavaScript on demand). */
  getHdKey: () => HDKey
}

const accounts = new Map<number, DevnetAccount>()

export function devnetAccount(index = 0): DevnetAccount {
  let account = accounts.get(index)
  if (!account) {
    account = Object.assign(lazyAccount(devnetPrivateKey(index)), {
      getHdKey: () => HDKey.fromMasterSeed(seedOf()).derive(`m/44'/60'/0'/0/${index}`),
    })
    accounts.set(index, account)
  }
  return account
}
