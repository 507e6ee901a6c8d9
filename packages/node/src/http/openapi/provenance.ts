/**
 * The node API's provenance routes (http/provenanceRoutes.ts) as OpenAPI 3.1: receipts signed here, lookups by hash
 * with proofs and anchors, verification with a named reason, and a person's own anchored receipts. docs/provenance.md.
 */
import { errorResponse, errors, json, nodeError, type RouteSpec, route, z } from './shared.ts'

const notReady = { 503: errorResponse(nodeError, ['NOT_READY'], 'before the chain is known') }
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/)
const receipt = z.looseObject({
  kind: z.enum(['ai', 'human']),
  model: z.string(),
  request: hex32,
  output: hex32,
  time: z.union([z.number().int(), z.string()]),
  signer: z.string(),
  signature: z.string(),
})
const anchor = z.object({ root: hex32, proof: z.array(hex32) })
const verdict = z.looseObject({
  ok: z.boolean(),
  digest: z.string(),
  anchored: z.boolean().optional(),
  reason: z.string().optional(),
})

export const provenanceRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/provenance',
    summary: 'Receipts signed here: how many, how many pending, and the latest batches with their anchors',
    responses: {
      200: {
        description: 'Counts and batches',
        content: json(
          z.looseObject({
            receipts: z.number(),
            pending: z.number(),
            anchored: z.number(),
            batches: z.array(z.looseObject({})),
          }),
        ),
      },
      ...errors(nodeError, {}),
      ...notReady,
    },
  }),
  route({
    method: 'get',
    path: '/api/lineage/{cid}',
    summary:
      "The lineage of a dataset's sealed CID, a model's weights CID or an output's hash: certifications → dataset → training jobs → models and their parents and derivatives → outputs",
    request: { params: z.object({ cid: z.string() }) },
    responses: {
      200: {
        description: 'A graph whose edges point downstream (certifies, trained in, produced, parent of, answered)',
        content: json(
          z.looseObject({
            cid: z.string(),
            found: z.enum(['dataset', 'model', 'output']),
            nodes: z.array(
              z.looseObject({
                id: z.string(),
                kind: z.enum(['certification', 'dataset', 'job', 'model', 'output']),
                label: z.string(),
                details: z.looseObject({}),
              }),
            ),
            edges: z.array(z.object({ from: z.string(), to: z.string(), relation: z.string() })),
            truncated: z.boolean(),
          }),
        ),
      },
      ...errors(nodeError, { 400: ['INVALID_CID'], 404: ['NOT_FOUND'] }),
      ...notReady,
    },
  }),
  route({
    method: 'get',
    path: '/api/provenance/{hash}',
    summary:
      'The receipts naming an output, a request or a receipt by hash, each with its batch, Merkle proof, anchor and verdict',
    request: { params: z.object({ hash: z.string() }) },
    responses: {
      200: {
        description: 'What is known of the hash',
        content: json(z.looseObject({ hash: z.string(), receipts: z.array(z.looseObject({ receipt, verdict })) })),
      },
      ...errors(nodeError, { 400: ['INVALID_HASH'], 404: ['NOT_FOUND'] }),
      ...notReady,
    },
  }),
  route({
    method: 'post',
    path: '/api/provenance/verify',
    summary: 'Checks a receipt and an optional anchor: signature, Merkle proof, the signer’s anchor on chain',
    request: { body: { content: json(z.object({ receipt, anchor: anchor.optional() })) } },
    responses: {
      200: { description: 'The verdict (ok, or a named reason)', content: json(verdict) },
      ...errors(nodeError, { 400: ['INVALID_RECEIPT'] }),
      ...notReady,
    },
  }),
  route({
    method: 'post',
    path: '/api/provenance/receipts',
    summary: "A person's own receipt, anchored on its own by its signer: kept and found by the work's hash",
    request: { body: { content: json(z.object({ receipt, anchor })) } },
    responses: {
      200: { description: 'Kept', content: json(z.looseObject({ kept: z.boolean(), digest: z.string().optional() })) },
      ...errors(nodeError, { 400: ['INVALID_RECEIPT', 'BAD_SIGNATURE', 'PROOF_MISMATCH', 'NOT_ANCHORED'] }),
      ...notReady,
    },
  }),
]
