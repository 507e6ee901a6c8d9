/**
 * `mycel content` as a user runs it (the real bin, in a child process, on a fresh data dir): add a file and a
 * directory with --json (the CIDs `ipfs add` gives), get to a file and to stdout, ls / pin / unpin / gc with --json,
 * help, and the errors for a bad CID, a missing file and a bad --cid-version.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { runCli } from '../../../test/helpers/cli.ts'

const dataDir = tempDir('mycel-cli-content-')
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
const cli = (...args: string[]) => runCli(['--data-dir', dataDir, ...args])
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>

const hello = join(dataDir, 'hello.txt')
writeFileSync(hello, 'hello world\n')
const big = join(dataDir, 'big.bin')
const bytes = new Uint8Array(1024 * 1024)
for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >>> 10)) % 251
writeFileSync(big, bytes)

describe('mycel content', () => {
  it('add --json prints the CID ipfs add gives, its size and blocks; --cid-version 1 the raw-leaf CID', async () => {
    const v0 = await cli('content', 'add', hello, '--json')
    expect(v0.code).toBe(0)
    expect(json(v0.stdout)).toEqual({
      cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
      size: 12,
      blocks: 1,
      pinned: true,
      cidVersion: 0,
    })
    const v1 = await cli('content', 'add', hello, '--cid-version', '1', '--json')
    expect(json(v1.stdout)).toMatchObject({ cid: 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4' })
    const large = await cli('content', 'add', big, '--json')
    expect(json(large.stdout)).toMatchObject({
      cid: 'QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3',
      size: 1024 * 1024,
      blocks: 5,
    })
    // Not a terminal: no progress bar on stderr.
    expect(large.stderr).toBe('')
  })

  it('adds a directory, and get -o writes it back as a folder; get of a file writes its bytes', async () => {
    const site = join(dataDir, 'site')
    mkdirSync(join(site, 'sub'), { recursive: true })
    writeFileSync(join(site, 'hello.txt'), 'hello world\n')
    writeFileSync(join(site, 'sub', 'b.txt'), 'b')
    const added = json((await cli('content', 'add', site, '--json')).stdout)
    expect(added).toMatchObject({ cid: 'QmemZnyaRUtUT2ZMNVw1yHHjqhdRwfJXfR8BNN353Kwnoc', size: 13, blocks: 4 })

    const out = join(dataDir, 'out')
    const got = await cli('content', 'get', String(added.cid), '-o', out, '--json')
    expect(got.code).toBe(0)
    expect(readFileSync(join(out, 'sub', 'b.txt'), 'utf8')).toBe('b')
    const file = join(dataDir, 'big.copy')
    expect((await cli('content', 'get', 'QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3', '-o', file)).code).toBe(0)
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(bytes))).toBe(true)
    const stdout = await cli('content', 'get', `${added.cid}/hello.txt`)
    expect(stdout.stdout).toBe('hello world\n')
  })

  it('ls, unpin, gc and pin with --json', async () => {
    const ls = json((await cli('content', 'ls', '--json')).stdout) as { pins: { cid: string; size: number }[] }
    expect(ls.pins.map((p) => p.cid)).toContain('QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3')
    expect(
      json((await cli('content', 'unpin', 'QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3', '--json')).stdout),
    ).toEqual({
      cid: 'QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3',
      unpinned: true,
    })
    const gc = json((await cli('content', 'gc', '--json')).stdout)
    expect(gc.removed).toBeGreaterThanOrEqual(5)
    const gone = await cli('content', 'pin', 'QmdMdxG2H3qicuyxkqCT7JHJ2kUrx3KiwKioFSjc578gT3', '--json')
    expect(gone.code).toBe(1)
    expect(json(gone.stdout)).toMatchObject({ error: { code: 'CONTENT_NOT_FOUND' } })
    const pinned = json(
      (await cli('content', 'pin', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', '--json')).stdout,
    )
    expect(pinned).toMatchObject({ cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', size: 12, blocks: 1 })
  })

  it('clear errors: a bad CID, a missing file, a bad --cid-version (exit 2)', async () => {
    const badCid = await cli('content', 'get', 'not-a-cid', '-o', join(dataDir, 'x'))
    expect(badCid.code).toBe(2)
    expect(badCid.stderr).toBe(
      'mycel: "not-a-cid" is not a usable CID: not a CID (expected a CIDv0 Qm… or a CIDv1 baf…).\n',
    )
    const missing = await cli('content', 'add', join(dataDir, 'nope.bin'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe(`mycel: Cannot add ${join(dataDir, 'nope.bin')}: no such file or directory.\n`)
    const version = await cli('content', 'add', hello, '--cid-version', '2')
    expect(version.code).toBe(2)
    expect(version.stderr).toBe('mycel: --cid-version must be 0 or 1, got "2".\n')
  })

  it.each(['content', 'content add', 'content get', 'content ls', 'content pin', 'content gc'])(
    'mycel %s --help',
    async (line) => {
      const help = await cli(...line.split(' '), '--help')
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`Usage: mycel ${line}`)
    },
  )
})
