/**
 * The node API's provenance routes (docs/provenance.md): `GET /api/provenance` (receipts signed here, pending and
 * anchored batches), `GET /api/provenance/:hash` (the receipts of an output, a request or a receipt by its hash, each
 * with its batch, Merkle proof, anchor and verdict), `POST /api/provenance/verify` (checks a receipt and an optional
 * anchor: signature, proof, anchorer — a named reason when it fails), `POST /api/provenance/receipts` (a person's
 * own receipt, kept once it verifies as anchored by its signer) and `GET /api/lineage/:cid` (dataset → certification
 * → job → model and its parents → outputs; provenance/lineage.ts). Errors are the node's JSON envelope.
 */
import type { SignedReceipt } from '@mycel/sdk'
import type { Hono } from 'hono'
import type { Hex } from 'viem'
import { z } from 'zod'
import { errorBody } from './errors.ts'

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, '0x and 64 hex digits')
const receiptSchema = z
  .object({
    kind: z.enum(['ai', 'human']),
    model: z.string().max(256),
    request: hex32,
    output: hex32,
    time: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]),
    signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
  })
  .passthrough()
const anchorSchema = z.object({ root: hex32, proof: z.array(hex32).max(64) })
const verifyBody = z.object({ receipt: receiptSchema, anchor: anchorSchema.optional() })

export type ProvenanceApi = {
  lookup: (hash: Hex) => Promise<unknown[]>
  verify: (receipt: SignedReceipt, anchor?: { root: Hex; proof: Hex[] }) => Promise<{ ok: boolean; anchored?: boolean }>
  accept: (receipt: SignedReceipt, anchor: { root: Hex; proof: Hex[] }) => Hex | undefined
  overview: () => unknown
  /** The lineage graph of a dataset CID, a model weights CID, or an output or receipt hash (provenance/lineage.ts). */
  lineage: (cid: string) => Promise<unknown>
}

const toReceipt = (r: z.infer<typeof receiptSchema>): SignedReceipt => ({
  kind: r.kind,
  model: r.model,
  request: r.request as Hex,
  output: r.output as Hex,
  time: BigInt(r.time),
  signer: r.signer as Hex,
  signature: r.signature as Hex,
})
const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))) as unknown

export function addProvenanceRoutes(app: Hono, api: () => ProvenanceApi | undefined, notReady: () => string) {
  app.get('/api/provenance', (c) => {
    const p = api()
    if (!p) return c.json(errorBody('NOT_READY', notReady()), 503)
    return c.json(json(p.overview()))
  })
  app.get('/api/lineage/:cid', async (c) => {
    const p = api()
    if (!p) return c.json(errorBody('NOT_READY', notReady()), 503)
    const cid = c.req.param('cid')
    if (!/^(0x[0-9a-fA-F]{64}|[A-Za-z0-9]{2,128})$/.test(cid))
      return c.json(
        errorBody(
          'INVALID_CID',
          `"${cid.slice(0, 80)}" is neither a CID nor a 0x hash: give a dataset's sealed CID, a model's weights CID, or an output's hash.`,
        ),
        400,
      )
    const lineage = (await p.lineage(cid)) as { found: string | null }
    if (!lineage.found)
      return c.json(
        errorBody(
          'NOT_FOUND',
          `Nothing known of ${cid}: no dataset, model or output here has it (datasets and models are read from the chain, outputs from this node's receipts).`,
        ),
        404,
      )
    return c.json(json(lineage))
  })
  app.get('/api/provenance/:hash', async (c) => {
    const p = api()
    if (!p) return c.json(errorBody('NOT_READY', notReady()), 503)
    const hash = c.req.param('hash')
    if (!hex32.safeParse(hash).success)
      return c.json(
        errorBody(
          'INVALID_HASH',
          `${JSON.stringify(hash.slice(0, 80))} is not a SHA-256 or receipt hash (0x and 64 hex digits).`,
        ),
        400,
      )
    const receipts = await p.lookup(hash.toLowerCase() as Hex)
    if (receipts.length === 0)
      return c.json(
        errorBody(
          'NOT_FOUND',
          `Nothing is known of ${hash} here: no receipt names it as an output, a request or a receipt.`,
        ),
        404,
      )
    return c.json(json({ hash, receipts }))
  })
  const body = async (c: { req: { text: () => Promise<string> } }) => {
    try {
      return { ok: true as const, value: verifyBody.safeParse(JSON.parse(await c.req.text())) }
    } catch {
      return { ok: false as const }
    }
  }
  app.post('/api/provenance/verify', async (c) => {
    const p = api()
    if (!p) return c.json(errorBody('NOT_READY', notReady()), 503)
    const parsed = await body(c)
    if (!parsed.ok || !parsed.value.success)
      return c.json(
        errorBody(
          'INVALID_RECEIPT',
          'Send {"receipt": {kind, model, request, output, time, signer, signature}, "anchor"?: {root, proof}}.',
        ),
        400,
      )
    const { receipt, anchor } = parsed.value.data
    return c.json(json(await p.verify(toReceipt(receipt), anchor as { root: Hex; proof: Hex[] } | undefined)))
  })
  app.post('/api/provenance/receipts', async (c) => {
    const p = api()
    if (!p) return c.json(errorBody('NOT_READY', notReady()), 503)
    const parsed = await body(c)
    if (!parsed.ok || !parsed.value.success || !parsed.value.data.anchor)
      return c.json(
        errorBody(
          'INVALID_RECEIPT',
          'Send {"receipt": {…}, "anchor": {root, proof}} of a receipt anchored by its signer.',
        ),
        400,
      )
    const receipt = toReceipt(parsed.value.data.receipt)
    const anchor = parsed.value.data.anchor as { root: Hex; proof: Hex[] }
    if (anchor.proof.length > 0 || receipt.kind !== 'human')
      return c.json(
        errorBody(
          'INVALID_RECEIPT',
          "Only a person's own receipt, anchored on its own (its root is its digest, no proof), is kept here.",
        ),
        400,
      )
    const verdict = (await p.verify(receipt, anchor)) as {
      ok: boolean
      anchored?: boolean
      reason?: string
      message?: string
    }
    if (!verdict.ok || !verdict.anchored)
      return c.json(
        errorBody(verdict.reason ?? 'NOT_ANCHORED', verdict.message ?? 'The receipt is not anchored by its signer.'),
        400,
      )
    const digest = p.accept(receipt, anchor)
    return c.json({ kept: digest !== undefined, digest })
  })
}
