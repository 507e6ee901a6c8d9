/**
 * The typed errors of the shared folders keys/, config/ and content/: each a NodeError subclass with a stable code
 * and the message users already saw; and no bare `new Error(` left in those folders.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { InvalidOptionsError, NodeError } from '../src/common/errors.ts'
import { InvalidConfigFileError } from '../src/config/errors.ts'
import { resolveOptions } from '../src/config/options.ts'
import { createContentStore } from '../src/content/contentStore.ts'
import { ContentCidMismatchError } from '../src/content/errors.ts'
import { KeystoreError, WrongPasswordError } from '../src/keys/errors.ts'
import { decryptKeystore, encryptKeystore, LIGHT_SCRYPT, parseKeystore } from '../src/keys/keystore.ts'

const dir = tempDir('mycel-folder-errors-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('config/ errors', () => {
  it('a config file that is JSON but not an object is an InvalidConfigFileError (INVALID_CONFIG, exit 2)', () => {
    const file = join(dir, 'array.json')
    writeFileSync(file, '[1, 2]')
    const error = thrown(() => resolveOptions({ env: {}, cwd: dir, configFile: file }))
    expect(error).toBeInstanceOf(InvalidConfigFileError)
    expect(error).toBeInstanceOf(InvalidOptionsError)
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', exitCode: 2, file, reason: 'not a JSON object' })
    expect((error as Error).message).toBe(
      `Invalid config file ${file}: not a JSON object. Fix the JSON or point --config elsewhere.`,
    )
  })

  it('a config file that is not JSON names the parser’s reason', () => {
    const file = join(dir, 'broken.json')
    writeFileSync(file, '{ "port": ')
    const error = thrown(() => resolveOptions({ env: {}, cwd: dir, configFile: file }))
    expect(error).toBeInstanceOf(InvalidConfigFileError)
    const reason = thrown(() => JSON.parse('{ "port": ')) as Error
    expect((error as Error).message).toBe(
      `Invalid config file ${file}: ${reason.message}. Fix the JSON or point --config elsewhere.`,
    )
  })
})

describe('content/ errors', () => {
  it('bytes that do not hash to the expected CID are a ContentCidMismatchError (CID_MISMATCH)', async () => {
    const store = createContentStore(dir)
    const expectedCid = await store.put(new TextEncoder().encode('one'))
    const error = await store.put(new TextEncoder().encode('two'), expectedCid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentCidMismatchError)
    expect(error).toBeInstanceOf(NodeError)
    const { cid } = error as ContentCidMismatchError
    expect(cid).not.toBe(expectedCid)
    expect(error).toMatchObject({ code: 'CID_MISMATCH', exitCode: 1, expectedCid })
    expect((error as Error).message).toBe(`Content hashes to ${cid}, not the expected ${expectedCid}.`)
  })
})

describe('keys/ errors', () => {
  it('a wrong password is a WrongPasswordError (WRONG_PASSWORD), a bad keystore a KeystoreError (KEYSTORE, exit 2)', () => {
    const keystore = encryptKeystore(`0x${'11'.repeat(32)}`, 'right', LIGHT_SCRYPT)
    const wrong = thrown(() => decryptKeystore(keystore, 'wrong', 'hot'))
    expect(wrong).toBeInstanceOf(WrongPasswordError)
    expect(wrong).toMatchObject({ code: 'WRONG_PASSWORD', exitCode: 1 })
    expect((wrong as Error).message).toBe('Wrong password for key "hot" (the keystore MAC does not match).')
    const bad = thrown(() => parseKeystore({ version: 2 }, 'hot'))
    expect(bad).toBeInstanceOf(KeystoreError)
    expect(bad).toMatchObject({ code: 'KEYSTORE', exitCode: 2 })
  })
})

describe('keys/ config/ content/', () => {
  it('throw only NodeError subclasses: no bare `new Error(` in their sources', () => {
    const src = join(import.meta.dirname, '..', 'src')
    const bare = ['keys', 'config', 'content'].flatMap((folder) =>
      readdirSync(join(src, folder))
        .filter((name) => name.endsWith('.ts'))
        .filter((name) => /\bnew Error\(/.test(readFileSync(join(src, folder, name), 'utf8')))
        .map((name) => `${folder}/${name}`),
    )
    expect(bare).toEqual([])
  })
})
