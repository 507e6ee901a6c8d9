/** Web3 Secret Storage v3: the spec's known-answer vector, round trips, wrong passwords, and the named key folder. */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { bytesToHex, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { KeystoreError, WrongPasswordError } from '../src/keys/errors.ts'
import {
  decryptKeystore,
  decryptKeystoreAsync,
  encryptKeystore,
  type KeystoreV3,
  keystoreDir,
  LIGHT_SCRYPT,
} from '../src/keys/keystore.ts'

const dir = tempDir('mycel-keys-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// The PBKDF2 test vector published with the Web3 Secret Storage definition.
const specVector = {
  version: 3,
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  address: '008aeeda4d805471df9b2a5b0f38a0c3bcba786b',
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
} as KeystoreV3

describe('keystore v3', () => {
  it('decrypts the specification test vector', () => {
    expect(decryptKeystore(specVector, 'testpassword')).toBe(
      '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d',
    )
  })

  it('rejects a wrong password with a clear error', () => {
    expect(() => decryptKeystore(specVector, 'wrong', 'deployer')).toThrow(WrongPasswordError)
    expect(() => decryptKeystore(specVector, 'wrong', 'deployer')).toThrow(
      'Wrong password for key "deployer" (the keystore MAC does not match).',
    )
  })

  it('decrypts off the event loop to the same key, and refuses a wrong password alike (pbkdf2 and scrypt)', async () => {
    expect(await decryptKeystoreAsync(specVector, 'testpassword')).toBe(decryptKeystore(specVector, 'testpassword'))
    await expect(decryptKeystoreAsync(specVector, 'wrong', 'deployer')).rejects.toThrow(
      'Wrong password for key "deployer" (the keystore MAC does not match).',
    )
    const key = generatePrivateKey()
    const keystore = encryptKeystore(key, 'pw', LIGHT_SCRYPT)
    expect(await decryptKeystoreAsync(keystore, 'pw')).toBe(key)
    await expect(decryptKeystoreAsync(keystore, 'pw!')).rejects.toThrow(WrongPasswordError)
  })

  it('refuses KDF parameters it cannot use with the same error, on and off the event loop', async () => {
    const keystore = encryptKeystore(generatePrivateKey(), 'pw', LIGHT_SCRYPT)
    const bad = { ...keystore, crypto: { ...keystore.crypto, kdfparams: { ...keystore.crypto.kdfparams, n: 3 } } }
    const message = /^Unsupported scrypt parameters n=3 r=8 p=6 \(.+\)\.$/
    expect(() => decryptKeystore(bad, 'pw')).toThrow(message)
    await expect(decryptKeystoreAsync(bad, 'pw')).rejects.toThrow(message)
    await expect(decryptKeystoreAsync(bad, 'pw')).rejects.toBeInstanceOf(KeystoreError)
  })

  it('writes the standard scrypt parameters by default and reads them back', () => {
    const key = generatePrivateKey()
    const keystore = encryptKeystore(key, 'correct horse')
    expect(keystore.crypto.kdf).toBe('scrypt')
    expect(keystore.crypto.kdfparams).toMatchObject({ n: 262144, r: 8, p: 1, dklen: 32 })
    expect(keystore.address).toBe(privateKeyToAccount(key).address.slice(2).toLowerCase())
    expect(decryptKeystore(keystore, 'correct horse')).toBe(key)
  })

  it('property: any key and password round-trip, and any other password fails', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        (bytes, password) => {
          const key = bytesToHex(bytes) as Hex
          // Zero or out-of-range scalars are not private keys.
          fc.pre(BigInt(key) > 0n && BigInt(key) < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n)
          const keystore = encryptKeystore(key, password, { n: 1024, r: 8, p: 1 })
          expect(decryptKeystore(keystore, password)).toBe(key)
          expect(() => decryptKeystore(keystore, `${password}x`)).toThrow(WrongPasswordError)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('stores named keys encrypted, lists them, and never writes the plaintext key', () => {
    const store = keystoreDir(join(dir, 'keystore'))
    const key = generatePrivateKey()
    const saved = store.save('deployer', key, 'pw', LIGHT_SCRYPT)
    expect(saved.address).toBe(privateKeyToAccount(key).address)
    const text = readFileSync(saved.file, 'utf8')
    expect(text).not.toContain(key.slice(2))
    expect(statSync(saved.file).mode & 0o777).toBe(0o600)
    expect(store.list()).toEqual([{ name: 'deployer', address: saved.address }])
    expect(store.address('deployer')).toBe(saved.address)
    expect(store.unlock('deployer', 'pw').address).toBe(saved.address)
    expect(() => store.unlock('deployer', 'nope')).toThrow(WrongPasswordError)
    expect(() => store.save('deployer', key, 'pw', LIGHT_SCRYPT)).toThrow('A key named "deployer" already exists')
    expect(() => store.save('../evil', key, 'pw')).toThrow(KeystoreError)
    expect(() => store.save('empty', key, '')).toThrow('Refusing an empty password')
    expect(() => store.unlock('missing', 'pw')).toThrow('No key named "missing"')
  })

  it('names what is wrong with a malformed keystore, and lists the other keys anyway', () => {
    const store = keystoreDir(join(dir, 'mixed'))
    const good = store.save('good', generatePrivateKey(), 'pw', LIGHT_SCRYPT)
    const broken = JSON.parse(readFileSync(good.file, 'utf8'))
    delete broken.crypto.kdfparams
    writeFileSync(join(dir, 'mixed', 'broken.json'), JSON.stringify(broken))
    writeFileSync(join(dir, 'mixed', 'garbage.json'), 'not json')
    expect(() => store.unlock('broken', 'pw')).toThrow(
      'Key "broken" is not a valid version 3 keystore: crypto.kdfparams:',
    )
    expect(store.list()).toEqual([
      { name: 'broken', error: expect.stringContaining('crypto.kdfparams') },
      { name: 'garbage', error: expect.stringContaining('is not valid JSON') },
      { name: 'good', address: good.address },
    ])
  })
})
