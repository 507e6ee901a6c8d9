/**
 * `mycel verify <file|text|hash>` and `mycel attest <file>` — provenance of content (docs/provenance.md). `verify`
 * hashes a file or a text (SHA-256; a 0x hash is taken as it is), asks a node what it knows of it, and checks every
 * receipt itself: the signature, the Merkle proof, and the signer's anchor on chain — then says which model and miner
 * produced it and when, or that a person attested it, or that nothing is known. `attest` signs a receipt of a person's
 * own work (C2PA's `digitalCreation`), anchors it on chain from their account and hands it to the node.
 */
import { readFileSync, statSync } from 'node:fs'
import {
  createContentStore,
  createReceiptCodec,
  findRunningNode,
  NodeError,
  sha256Hex,
  verifyReceipt,
} from '@mycel/node'
import {
  DIGITAL_SOURCE_TYPES,
  provenanceAnchorsAbi,
  receiptDomain,
  type SignedReceipt,
  writeContractAndWait,
} from '@mycel/sdk'
import type { Command } from 'commander'
import type { Hex } from 'viem'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer, signerKey } from '../context.ts'
import { usageError } from '../errors.ts'
import { signerOptions } from '../options.ts'
import { printJson, printLines } from '../output.ts'

type Answer = {
  receipt: Omit<SignedReceipt, 'time'> & { time: number }
  digest: Hex
  batch: { root: Hex; cid: string; proof: Hex[]; txHash: Hex | null; block: number | null } | null
}

/** What `input` names: a hash as given, else a file's or a text's SHA-256. */
function hashOf(input: string): { hash: Hex; what: string } {
  if (/^0x[0-9a-fA-F]{64}$/.test(input)) return { hash: input.toLowerCase() as Hex, what: 'hash' }
  const info = statSync(input, { throwIfNoEntry: false })
  if (info?.isFile()) return { hash: sha256Hex(readFileSync(input)), what: `file ${input}` }
  if (info?.isDirectory()) throw usageError(`${input} is a directory: verify a file, a text or a hash.`)
  return { hash: sha256Hex(input), what: 'text' }
}

function nodeUrl(url: string | undefined, dataDir: string): string {
  const found = url ?? findRunningNode(dataDir)?.apiUrl
  if (!found)
    throw usageError(
      'No node to ask: none runs for this data dir. Start one (`mycel up`) or pass --url <node API URL>.',
    )
  return found.replace(/\/+$/, '')
}

export function provenanceCommands(program: Command) {
  program
    .command('verify')
    .description(
      'Say where a file, a text or a hash came from: the model and miner that produced it and when, or the person who attested it, checked against the chain (signature, Merkle proof, anchor)',
    )
    .argument('<input>', 'a file, a text, or a SHA-256 / receipt hash (0x + 64 hex digits)')
    .option('--url <url>', "the node to ask (default: this data dir's running node)")
    .action(async (input: string, flags: { url?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const { hash, what } = hashOf(input)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const url = nodeUrl(flags.url, ctx.options.dataDir)
      const response = await fetch(`${url}/api/provenance/${hash}`).catch((error: Error) => {
        throw new NodeError('NODE_UNREACHABLE', `The node at ${url} did not answer (${error.message}).`)
      })
      if (response.status === 404) {
        if (globals.json) return printJson({ hash, known: false, receipts: [] })
        throw new NodeError('NOT_KNOWN', `Nothing is known of ${what} (${hash}) at ${url}: no receipt names it.`)
      }
      if (!response.ok) throw new NodeError('LOOKUP_FAILED', `The node answered ${response.status} for ${hash}.`)
      const { receipts } = (await response.json()) as { receipts: Answer[] }
      // Checked here, not taken from the node: the signature, the proof, and the signer's anchor on chain.
      const codec = createReceiptCodec(receiptDomain(ctx.chainId, addresses.provenanceAnchors))
      const checked = await Promise.all(
        receipts.map(async (a) => {
          const receipt = { ...a.receipt, time: BigInt(a.receipt.time) } as SignedReceipt
          const verdict = await verifyReceipt(
            { client: ctx.client, addresses, codec },
            receipt,
            a.batch?.txHash ? { root: a.batch.root, proof: a.batch.proof } : undefined,
          )
          return { ...a, verdict, sourceType: DIGITAL_SOURCE_TYPES[receipt.kind] }
        }),
      )
      if (globals.json) return printJson({ hash, known: true, receipts: checked })
      for (const a of checked) {
        const r = a.receipt
        const when = new Date(r.time * 1000).toISOString()
        printLines([
          r.kind === 'ai'
            ? `${what} was produced by an AI model (${a.sourceType})`
            : `${what} was attested as a person's own work (${a.sourceType})`,
          ...(r.kind === 'ai'
            ? [['model', r.model] as [string, string], ['miner', r.signer] as [string, string]]
            : [['attested by', r.signer] as [string, string]]),
          ['when', when],
          [
            'verified',
            a.verdict.ok
              ? a.verdict.anchored
                ? `signature, Merkle proof (${a.batch?.proof.length ?? 0} steps) and the signer's anchor of root ${a.batch?.root}`
                : 'signature; its batch is not anchored yet'
              : `NO — ${a.verdict.reason}: ${'message' in a.verdict ? a.verdict.message : ''}`,
          ],
          ...(a.batch?.txHash && a.batch.txHash !== '0x'
            ? [['anchored in', `${a.batch.txHash} (block ${a.batch.block})`] as [string, string]]
            : []),
          ...(a.batch?.cid ? [['batch', a.batch.cid] as [string, string]] : []),
        ])
      }
      if (checked.some((a) => !a.verdict.ok)) process.exitCode = 1
    })

  signerOptions(
    program
      .command('attest')
      .description(
        "Sign and anchor a receipt of your own work (a person's, C2PA digitalCreation), so `mycel verify` can tell it from AI output",
      )
      .argument('<file>', 'the work')
      .option('--url <url>', "the node to publish the receipt to (default: this data dir's running node)"),
  ).action(async (file: string, flags: SignerFlags & { url?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw usageError(`${file}: no such file.`)
    const output = sha256Hex(readFileSync(file))
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const url = nodeUrl(flags.url, ctx.options.dataDir)
    const { account, privateKey } = await signerKey(ctx, flags)
    const codec = createReceiptCodec(receiptDomain(ctx.chainId, addresses.provenanceAnchors))
    const receipt = codec.sign(
      {
        kind: 'human',
        model: '',
        request: `0x${'00'.repeat(32)}`,
        output,
        time: BigInt(Math.floor(Date.now() / 1000)),
        signer: account.address,
      },
      Buffer.from(privateKey.slice(2), 'hex'),
    )
    const digest = codec.digest(receipt)
    const store = createContentStore(ctx.options.dataDir)
    let cid: string
    try {
      const batch = { batch: 'mycel.receipts/1', root: digest, receipts: [{ ...receipt, time: Number(receipt.time) }] }
      ;({ cid } = await store.addBytes(Buffer.from(JSON.stringify(batch)), { cidVersion: 1 }))
    } finally {
      store.close()
    }
    const wallet = await signer(ctx, flags)
    const { hash } = await writeContractAndWait(wallet, {
      address: addresses.provenanceAnchors,
      abi: provenanceAnchorsAbi,
      functionName: 'anchor',
      args: [digest, 1, cid],
    })
    const published = await fetch(`${url}/api/provenance/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        receipt: { ...receipt, time: Number(receipt.time) },
        anchor: { root: digest, proof: [] },
      }),
    }).catch((error: Error) => {
      throw new NodeError(
        'NODE_UNREACHABLE',
        `Anchored in ${hash}, but the node at ${url} did not take the receipt (${error.message}).`,
      )
    })
    if (!published.ok) {
      const body = (await published.json().catch(() => ({}))) as { error?: { message?: string } }
      throw new NodeError(
        'RECEIPT_REFUSED',
        `Anchored in ${hash}, but the node refused the receipt: ${body.error?.message ?? published.status}`,
      )
    }
    if (globals.json)
      return printJson({ file, output, digest, signer: account.address, batchCid: cid, transactionHash: hash })
    printLines([
      `attested ${file} as your own work`,
      ['sha-256', output],
      ['signer', account.address],
      ['receipt', digest],
      ['anchored in', hash],
      ['check with', `mycel verify ${file}`],
    ])
  })
}
