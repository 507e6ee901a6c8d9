/**
 * Keys encrypted at rest in the Web3 Secret Storage v3 format (the geth/ethers keystore): scrypt derives a key from
 * the password, AES-128-CTR encrypts the private key, keccak256(derivedKey[16..32] ++ ciphertext) authenticates it.
 * Files live in `<dataDir>/keystore/<name>.json`; a plaintext key never touches the disk.
 */
import {
  createCipheriv,
  createDecipheriv,
  pbkdf2,
  pbkdf2Sync,
  randomBytes,
  randomUUID,
  scrypt,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex, getAddress, type Hex, hexToBytes, keccak256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { KeystoreError, WrongPasswordError } from './errors.ts'

export type KeystoreV3 = {
  version: 3
  id: string
  address: string
  crypto: {
    cipher: 'aes-128-ctr'
    cipherparams: { iv: string }
    ciphertext: string
    kdf: 'scrypt' | 'pbkdf2'
    kdfparams:
      | { dklen: number; n: number; r: number; p: number; salt: string }
      | { dklen: number; c: number; prf: 'hmac-sha256'; salt: string }
    mac: string
  }
}

/** geth's standard scrypt cost (N = 2^18, ~1 s) and its `--lightkdf` cost (N = 2^12) for throwaway keys. */
export const STANDARD_SCRYPT = { n: 262144, r: 8, p: 1 }
export const LIGHT_SCRYPT = { n: 4096, r: 8, p: 6 }

const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/, 'expected hex')
/** The shape a v3 keystore must have before any crypto runs on it. */
const keystoreSchema = z.object({
  version: z.literal(3),
  address: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, 'expected a 40-hex-digit address'),
  crypto: z.object({
    cipher: z.literal('aes-128-ctr'),
    cipherparams: z.object({ iv: hex }),
    ciphertext: hex,
    kdf: z.enum(['scrypt', 'pbkdf2']),
    kdfparams: z.union([
      z.object({
        dklen: z.number().int().min(32).max(64),
        n: z.number().int().positive(),
        r: z.number().int().positive(),
        p: z.number().int().positive(),
        salt: hex,
      }),
      z.object({
        dklen: z.number().int().min(32).max(64),
        c: z.number().int().positive(),
        prf: z.literal('hmac-sha256'),
        salt: hex,
      }),
    ]),
    mac: hex,
  }),
})

/** Validates `value` as a v3 keystore; {@link KeystoreError} names the first problem. */
export function parseKeystore(value: unknown, name = 'key'): KeystoreV3 {
  const result = keystoreSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new KeystoreError(
      `Key "${name}" is not a valid version 3 keystore: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}.`,
    )
  }
  return value as KeystoreV3
}

const strip = (hex: string) => (hex.startsWith('0x') ? hex.slice(2) : hex)

type KdfParams = KeystoreV3['crypto']['kdfparams']
/** What deriving a keystore's key takes, read once for the sync and async derivations. */
type Derivation =
  | {
      kdf: 'scrypt'
      secret: string
      salt: Buffer
      dklen: number
      options: { N: number; r: number; p: number; maxmem: number }
    }
  | { kdf: 'pbkdf2'; secret: string; salt: Buffer; dklen: number; iterations: number }

function derivation(password: string, kdf: KeystoreV3['crypto']['kdf'], params: KdfParams): Derivation {
  const secret = password.normalize('NFKC')
  const salt = Buffer.from(params.salt, 'hex')
  if (kdf === 'scrypt' && 'n' in params) {
    // scrypt needs 128·N·r bytes; twice that plus headroom, since Node's default cap (32 MiB) refuses geth's N = 2^18.
    const options = { N: params.n, r: params.r, p: params.p, maxmem: 256 * params.n * params.r + 64 * 1024 * 1024 }
    return { kdf, secret, salt, dklen: params.dklen, options }
  }
  if (kdf === 'pbkdf2' && 'c' in params) return { kdf, secret, salt, dklen: params.dklen, iterations: params.c }
  throw new KeystoreError(`Unsupported keystore KDF ${JSON.stringify(kdf)}: expected scrypt or pbkdf2.`)
}

/** The error for parameters the KDF refused (an N that is not a power of two, too much memory, …). */
function derivationError(d: Derivation, cause: unknown): KeystoreError {
  const what =
    d.kdf === 'scrypt'
      ? `scrypt parameters n=${d.options.N} r=${d.options.r} p=${d.options.p}`
      : `pbkdf2 iterations c=${d.iterations}`
  return new KeystoreError(`Unsupported ${what} (${(cause as Error).message}).`)
}

function deriveKey(password: string, kdf: KeystoreV3['crypto']['kdf'], params: KdfParams): Buffer {
  const d = derivation(password, kdf, params)
  try {
    return d.kdf === 'scrypt'
      ? scryptSync(d.secret, d.salt, d.dklen, d.options)
      : pbkdf2Sync(d.secret, d.salt, d.iterations, d.dklen, 'sha256')
  } catch (cause) {
    throw derivationError(d, cause)
  }
}

export function encryptKeystore(privateKey: Hex, password: string, cost = STANDARD_SCRYPT): KeystoreV3 {
  const account = privateKeyToAccount(privateKey)
  const salt = randomBytes(32)
  const iv = randomBytes(16)
  const kdfparams = { dklen: 32, n: cost.n, r: cost.r, p: cost.p, salt: salt.toString('hex') }
  const derived = deriveKey(password, 'scrypt', kdfparams)
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(privateKey)), cipher.final()])
  const mac = keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))
  return {
    version: 3,
    id: randomUUID(),
    address: account.address.slice(2).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: iv.toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams,
      mac: strip(mac),
    },
  }
}

/** Decrypts a v3 keystore; {@link WrongPasswordError} when the MAC does not match. */
export function decryptKeystore(keystore: KeystoreV3, password: string, name = 'key'): Hex {
  const { crypto } = checkKeystore(keystore, name)
  return openKeystore(keystore, deriveKey(password, crypto.kdf, crypto.kdfparams), name)
}

/**
 * {@link decryptKeystore} with the key derivation on libuv's thread pool: the event loop (a node starting its other
 * roles) runs on while scrypt works.
 */
export async function decryptKeystoreAsync(keystore: KeystoreV3, password: string, name = 'key'): Promise<Hex> {
  const { crypto } = checkKeystore(keystore, name)
  const d = derivation(password, crypto.kdf, crypto.kdfparams)
  const derived = await new Promise<Buffer>((resolve, reject) => {
    const done = (error: Error | null, key: Buffer) => (error ? reject(error) : resolve(key))
    if (d.kdf === 'scrypt') scrypt(d.secret, d.salt, d.dklen, d.options, done)
    else pbkdf2(d.secret, d.salt, d.iterations, d.dklen, 'sha256', done)
  }).catch((cause: unknown) => {
    throw derivationError(d, cause)
  })
  return openKeystore(keystore, derived, name)
}

function checkKeystore(keystore: KeystoreV3, name: string): KeystoreV3 {
  if (keystore?.version !== 3 || !keystore.crypto) throw new KeystoreError(`Key "${name}" is not a version 3 keystore.`)
  if (keystore.crypto.cipher !== 'aes-128-ctr')
    throw new KeystoreError(`Key "${name}" uses unsupported cipher ${keystore.crypto.cipher}.`)
  return keystore
}

function openKeystore(keystore: KeystoreV3, derived: Buffer, name: string): Hex {
  const { crypto } = keystore
  const ciphertext = Buffer.from(crypto.ciphertext, 'hex')
  const mac = Buffer.from(strip(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))), 'hex')
  const expected = Buffer.from(strip(crypto.mac), 'hex')
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw new WrongPasswordError(name)
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), Buffer.from(crypto.cipherparams.iv, 'hex'))
  return bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/

/** A folder of named keystores. */
export function keystoreDir(dir: string) {
  const fileOf = (name: string) => {
    if (!NAME.test(name)) {
      throw new KeystoreError(`Invalid key name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-'.`)
    }
    return join(dir, `${name}.json`)
  }
  const read = (name: string): KeystoreV3 => {
    const file = fileOf(name)
    if (!existsSync(file))
      throw new KeystoreError(`No key named "${name}" in ${dir}. List keys with \`mycel keys list\`.`)
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      throw new KeystoreError(`Keystore file ${file} is not valid JSON.`)
    }
    return parseKeystore(parsed, name)
  }
  return {
    dir,
    save(
      name: string,
      privateKey: Hex,
      password: string,
      cost = STANDARD_SCRYPT,
    ): { name: string; address: `0x${string}`; file: string } {
      if (password.length === 0)
        throw new KeystoreError('Refusing an empty password: a keystore is only as strong as it.')
      const file = fileOf(name)
      if (existsSync(file)) throw new KeystoreError(`A key named "${name}" already exists (${file}).`)
      const keystore = encryptKeystore(privateKey, password, cost)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      writeFileSync(`${file}.tmp`, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 })
      renameSync(`${file}.tmp`, file)
      return { name, address: privateKeyToAccount(privateKey).address, file }
    },
    /** Every key; a file that is not a valid keystore is listed with its problem instead of failing the list. */
    list(): { name: string; address?: `0x${string}`; error?: string }[] {
      if (!existsSync(dir)) return []
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => {
          const name = f.slice(0, -5)
          try {
            return { name, address: getAddress(`0x${strip(read(name).address)}`) }
          } catch (error) {
            return { name, error: (error as Error).message.split('\n')[0] ?? 'unreadable' }
          }
        })
    },
    address(name: string): `0x${string}` {
      return getAddress(`0x${strip(read(name).address)}`)
    },
    unlock(name: string, password: string) {
      return privateKeyToAccount(decryptKeystore(read(name), password, name))
    },
    /** The private key of `name` (for ECIES: opening what was encrypted to it); keep it in memory only. */
    privateKey(name: string, password: string): Hex {
      return decryptKeystore(read(name), password, name)
    },
  }
}
