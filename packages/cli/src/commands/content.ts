/**
 * `mycel content add | get | ls | pin | unpin | gc`: the data dir's content store (content/ in the node), speaking
 * IPFS — `add` gives the CID `ipfs add` gives (CIDv0 by default, `--cid-version 1` for raw leaves and base32), with a
 * progress bar on stderr for large files on a terminal; `get` reads from this store, else fetches the DAG (verified
 * block by block) from `--url`'s gateway or the node running for the data dir.
 */
import { createWriteStream, mkdirSync, statSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { type ContentStore, createContentStore, findRunningNode, parseContentCid } from '@mycel/node'
import type { Command } from 'commander'
import { type GlobalFlags, nodeOptions } from '../context.ts'
import { usageError } from '../errors.ts'
import { printJson, printLines, printTable, terminalProgress } from '../output.ts'

function openStore(globals: GlobalFlags): ContentStore {
  return createContentStore(nodeOptions(globals).dataDir)
}

async function withStore<result>(globals: GlobalFlags, run: (store: ContentStore) => Promise<result>): Promise<result> {
  const store = openStore(globals)
  try {
    return await run(store)
  } finally {
    store.close()
  }
}

function parseCidVersion(value: string): 0 | 1 {
  if (value === '0' || value === '1') return Number(value) as 0 | 1
  throw usageError(`--cid-version must be 0 or 1, got ${JSON.stringify(value)}.`)
}

/** Bytes in a file or a directory tree (what `add` will read), for the progress bar. */
async function totalBytes(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info) return 0
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(path)) if (!entry.startsWith('.')) total += await totalBytes(join(path, entry))
  return total
}

const human = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : bytes >= 1024 ** 2
      ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
      : bytes >= 1024
        ? `${(bytes / 1024).toFixed(1)} KiB`
        : `${bytes} B`

/** Progress of reading `total` bytes: a bar on a terminal, for 16 MiB or more. */
function progressBar(total: number) {
  if (total < 16 * 1024 * 1024) return { update: () => {}, end: () => {} }
  const started = Date.now()
  return terminalProgress(total, (done) => {
    const rate = done / 1024 ** 2 / Math.max(0.001, (Date.now() - started) / 1000)
    return `${human(done)} / ${human(total)} ${rate.toFixed(0)} MiB/s`
  })
}

type AddFlags = { cidVersion: string; pin: boolean }
type GetFlags = { output?: string; url?: string }

export function contentCommand(program: Command) {
  const content = program
    .command('content')
    .description('The content store: add files and directories (the CIDs `ipfs add` gives), get, pin, gc')

  content
    .command('add')
    .description('Add a file or a directory (pinned); prints its CID, size and block count')
    .argument('<path>', 'a file, or a directory (added recursively; hidden files skipped, as ipfs add does)')
    .option('--cid-version <0|1>', "0: ipfs add's default (Qm…, dag-pb leaves); 1: raw leaves, base32 (baf…)", '0')
    .option('--no-pin', 'do not pin (gc may remove it)')
    .action(async (path: string, flags: AddFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const cidVersion = parseCidVersion(flags.cidVersion)
      const bar = progressBar(await totalBytes(path))
      const added = await withStore(globals, (store) =>
        store.add(path, { cidVersion, pin: flags.pin, onProgress: bar.update }),
      )
      bar.end()
      if (globals.json) return printJson({ ...added, pinned: flags.pin, cidVersion })
      printLines([`added ${path}`, ['cid', added.cid], ['size', `${added.size} bytes`], ['blocks', added.blocks]])
    })

  content
    .command('get')
    .description('Write content to a file (a directory to a folder): from this store, else from a node (verified)')
    .argument('<cid>', 'a CID, optionally with a path under a directory: <cid>/models/a.onnx')
    .option('-o, --output <path>', 'where to write (default: stdout, files only)')
    .option('--url <url>', 'a node to fetch from when the content is not here (default: the node of this data dir)')
    .action(async (target: string, flags: GetFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const [cidText = '', ...path] = target
        .replace(/^\/?ipfs\//, '')
        .split('/')
        .filter(Boolean)
      const root = parseContentCid(cidText)
      const written = await withStore(globals, async (store) => {
        const peer = flags.url ?? findRunningNode(nodeOptions(globals).dataDir)?.apiUrl
        if (peer) store.setPeers({ peers: () => [peer], timeoutMs: 120_000 })
        const entry = await store.resolve(root, path)
        if (entry.type === 'directory') {
          if (!flags.output) throw usageError(`${target} is a directory: give -o <folder> to write it to.`)
          return writeTree(store, entry.cid.toString(), flags.output)
        }
        if (entry.type !== 'file' && entry.type !== 'raw' && entry.type !== 'identity') {
          throw usageError(`${target} is not a file or a directory.`)
        }
        const source = entry.content()
        if (!flags.output) {
          for await (const chunk of source) process.stdout.write(chunk)
          return Number(entry.size)
        }
        await pipeline(source, createWriteStream(flags.output))
        return statSync(flags.output).size
      })
      if (!flags.output) return
      if (globals.json)
        return printJson({ cid: root.toString(), path: path.join('/'), output: flags.output, bytes: written })
      printLines([`wrote ${target}`, ['to', flags.output], ['bytes', written]])
    })

  content
    .command('ls')
    .description('The pinned roots, with their size and block count')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const pins = await withStore(globals, async (store) => store.ls())
      if (globals.json) return printJson({ pins })
      if (pins.length === 0) return printLines(['nothing pinned (add content with `mycel content add <path>`)'])
      printTable(
        pins.map((p) => ({ ...p, size: human(p.size) })),
        ['cid', 'size', 'blocks', 'name', 'pinnedAt'],
      )
    })

  content
    .command('pin')
    .description('Pin a CID (fetched first, verified, when it is not here)')
    .argument('<cid>', 'the root to keep')
    .option('--url <url>', 'a node to fetch from when the content is not here (default: the node of this data dir)')
    .action(async (cid: string, flags: { url?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const pin = await withStore(globals, async (store) => {
        const peer = flags.url ?? findRunningNode(nodeOptions(globals).dataDir)?.apiUrl
        if (peer) store.setPeers({ peers: () => [peer], timeoutMs: 120_000 })
        return store.pin(cid)
      })
      if (globals.json) return printJson(pin)
      printLines([`pinned ${pin.cid}`, ['size', human(pin.size)], ['blocks', pin.blocks]])
    })

  content
    .command('unpin')
    .description('Unpin a CID (its blocks go at the next gc unless another pin reaches them)')
    .argument('<cid>', 'the root to let go')
    .action(async (cid: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const removed = await withStore(globals, async (store) => store.unpin(cid))
      if (globals.json) return printJson({ cid, unpinned: removed })
      printLines([removed ? `unpinned ${cid}` : `${cid} was not pinned`])
    })

  content
    .command('gc')
    .description('Delete every block no pin reaches')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const result = await withStore(globals, (store) => store.gc())
      if (globals.json) return printJson(result)
      printLines([
        'garbage collected',
        ['removed', `${result.removed} blocks`],
        ['freed', human(result.freedBytes)],
        ['kept', `${result.kept} blocks`],
      ])
    })
}

/** Writes the UnixFS directory `cid` under `folder`, recursively. */
async function writeTree(store: ContentStore, cid: string, folder: string): Promise<number> {
  const entry = await store.resolve(parseContentCid(cid))
  mkdirSync(folder, { recursive: true })
  if (entry.type !== 'directory') return 0
  let total = 0
  for await (const child of entry.entries()) {
    // A directory from elsewhere could name an entry `..` or `a/b`: never written outside `folder`.
    if (child.name === '' || child.name === '.' || child.name === '..' || /[/\\\0]/.test(child.name)) {
      throw usageError(`${cid} has an entry named ${JSON.stringify(child.name)}, which cannot be written safely.`)
    }
    const inner = await store.resolve(child.cid as never)
    const target = join(folder, child.name)
    if (inner.type === 'directory') total += await writeTree(store, child.cid.toString(), target)
    else if (inner.type === 'file' || inner.type === 'raw') {
      await pipeline(inner.content(), createWriteStream(target))
      total += Number(inner.size)
    }
  }
  return total
}
