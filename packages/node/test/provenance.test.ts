/**
 * Provenance on a real node (embedded devnet, miner and gateway): a paid answer carries its signed receipt (body and
 * header, through the gateway), the receipt is batched and anchored by the miner, and `/api/provenance/<output hash>`
 * returns it with a Merkle proof that verifies against the root the miner anchored. `POST /api/provenance/verify`
 * names what is wrong with a changed receipt (BAD_SIGNATURE), a proof for another root (PROOF_MISMATCH) and a root
 * its signer never anchored (NOT_ANCHORED); a person's receipt anchored on its own is kept and found; bad hashes and
 * bodies get 4xx.
 */
import { rmSync } from 'node:fs'
import { provenanceAnchorsAbi, receiptDomain, writeContractAndWait } from '@mycel/sdk'
import { createWalletClient, type Hex, hexToBytes, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import type { MycelNode } from '../src/app/start.ts'
import { devnetAccount, devnetPrivateKey } from '../src/devnet/accounts.ts'
import { createReceiptCodec, sha256Hex } from '../src/provenance/receiptCodec.ts'
import { parseReceiptHeader, RECEIPT_HEADER } from '../src/provenance/receiptHeader.ts'
import { startTestNode } from './testNode.ts'

const dataDir = tempDir('mycel-provenance-')
let node: MycelNode

beforeAll(async () => {
  node = await startTestNode(dataDir, { validator: 'off', epochs: 'off' })
}, 180_000)
afterAll(async () => {
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

type Answer = {
  receipt: { output: Hex; signer: Hex; signature: Hex; model: string; kind: string; time: number; request: Hex }
  batch: { root: Hex; proof: Hex[]; txHash: Hex | null } | null
  verdict: { ok: boolean; anchored?: boolean; reason?: string }
}
const lookup = async (hash: string) => {
  const response = await fetch(`${node.url}/api/provenance/${hash}`)
  return { status: response.status, body: (await response.json()) as { receipts: Answer[]; error?: { code: string } } }
}
const verify = async (body: unknown) =>
  (await (await fetch(`${node.url}/api/provenance/verify`, { method: 'POST', body: JSON.stringify(body) })).json()) as {
    ok: boolean
    anchored?: boolean
    reason?: string
  }

describe('provenance receipts', () => {
  it('signs every paid answer, anchors it, and proves it back to the chain', async () => {
    const response = await fetch(`${node.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text', messages: [{ role: 'user', content: 'To be' }], max_tokens: 12 }),
    })
    expect(response.status).toBe(200)
    const header = parseReceiptHeader(response.headers.get(RECEIPT_HEADER) ?? '')
    const body = (await response.json()) as {
      choices: { message: { content: string } }[]
      mycel: { provenance: Answer['receipt'] & { digest: Hex } }
    }
    const text = body.choices[0]?.message.content ?? ''
    const receipt = body.mycel.provenance
    expect(receipt.output).toBe(sha256Hex(text))
    expect(receipt.kind).toBe('ai')
    expect(receipt.model).toMatch(/^baf/)
    expect(header?.signature).toBe(receipt.signature)

    // Anchored within the batch window (10 s) and the flush after it.
    let answer: Answer | undefined
    for (let i = 0; i < 40 && !answer?.batch?.txHash; i++) {
      await new Promise((r) => setTimeout(r, 500))
      answer = (await lookup(receipt.output)).body.receipts[0]
    }
    expect(answer?.verdict).toMatchObject({ ok: true, anchored: true })
    const anchor = { root: answer?.batch?.root as Hex, proof: answer?.batch?.proof as Hex[] }
    expect(await verify({ receipt, anchor })).toMatchObject({ ok: true, anchored: true })
    expect((await lookup(receipt.digest)).body.receipts[0]?.receipt.output).toBe(receipt.output)

    // Named failures.
    expect(await verify({ receipt: { ...receipt, model: 'bafkreisomethingelse' }, anchor })).toMatchObject({
      ok: false,
      reason: 'BAD_SIGNATURE',
    })
    expect(await verify({ receipt, anchor: { ...anchor, root: sha256Hex('another root') } })).toMatchObject({
      ok: false,
      reason: 'PROOF_MISMATCH',
    })
    // A receipt signed by a key whose root nobody anchored.
    const codec = createReceiptCodec(receiptDomain(node.chainId, node.addresses.provenanceAnchors))
    const stranger = devnetAccount(7)
    const lonely = codec.sign(
      { kind: 'ai', model: 'x', request: sha256Hex('q'), output: sha256Hex('a'), time: 1n, signer: stranger.address },
      hexToBytes(devnetPrivateKey(7)),
    )
    expect(
      await verify({ receipt: { ...lonely, time: 1 }, anchor: { root: codec.digest(lonely), proof: [] } }),
    ).toMatchObject({ ok: false, reason: 'NOT_ANCHORED' })
  }, 60_000)

  it("keeps a person's own receipt anchored on its own, and finds it by the work's hash", async () => {
    const person = devnetAccount(9)
    const codec = createReceiptCodec(receiptDomain(node.chainId, node.addresses.provenanceAnchors))
    const output = sha256Hex('a poem written by hand')
    const receipt = codec.sign(
      {
        kind: 'human',
        model: '',
        request: `0x${'00'.repeat(32)}`,
        output,
        time: 1_800_000_000n,
        signer: person.address,
      },
      hexToBytes(devnetPrivateKey(9)),
    )
    const digest = codec.digest(receipt)
    const post = (anchor: unknown) =>
      fetch(`${node.url}/api/provenance/receipts`, {
        method: 'POST',
        body: JSON.stringify({ receipt: { ...receipt, time: Number(receipt.time) }, anchor }),
      })
    // Not anchored yet: refused with the reason.
    const early = await post({ root: digest, proof: [] })
    expect(early.status).toBe(400)
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('NOT_ANCHORED')
    const wallet = createWalletClient({ account: person, chain: undefined, transport: http(node.rpcUrl) })
    await writeContractAndWait(wallet as never, {
      address: node.addresses.provenanceAnchors,
      abi: provenanceAnchorsAbi,
      functionName: 'anchor',
      args: [digest, 1, 'bafkreipoem'],
    })
    expect((await post({ root: digest, proof: [] })).status).toBe(200)
    const found = await lookup(output)
    expect(found.body.receipts[0]).toMatchObject({
      receipt: { kind: 'human', signer: person.address },
      verdict: { ok: true, anchored: true },
    })
  })

  it('answers bad hashes and bodies with 4xx and unknown hashes with 404', async () => {
    expect((await lookup('0x1234')).status).toBe(400)
    const unknown = await lookup(sha256Hex('never produced'))
    expect(unknown.status).toBe(404)
    expect(unknown.body.error?.code).toBe('NOT_FOUND')
    for (const body of ['not json', JSON.stringify({ receipt: { kind: 'ai' } })]) {
      const r = await fetch(`${node.url}/api/provenance/verify`, { method: 'POST', body })
      expect(r.status).toBe(400)
    }
  })
})
