/**
 * The miner's tensor routes, the Open Inference Protocol (KServe v2): `/v2/health/live`, `/v2/health/ready`,
 * `/v2/models/{name}` (the model's inputs and outputs) and `/v2/models/{name}/infer`. A request is checked (shape,
 * inputs, batch size) before it is paid for, and paid for before the model runs; billed per instance.
 */
import type { Hono } from 'hono'
import type { Common } from '../common/common.ts'
import { type Model, ModelInputError } from '../inference/backend.ts'
import { inferRequest, matchInputs, tensorsOf } from '../inference/kserve.ts'
import { MAX_INSTANCES } from '../inference/offer.ts'
import { priceJson } from '../payments/pricing.ts'
import type { MinerAdmission } from './admission.ts'
import { fail, type ModelFinder, readJson, zodMessage } from './http.ts'
import type { MinerLedger } from './ledger.ts'
import { issueReceipt, RECEIPT_HEADER, type ReceiptIssuer } from './receipts.ts'

export type TensorRouteParameters = {
  findModel: ModelFinder
  admission: Pick<MinerAdmission, 'pay' | 'settle'>
  ledger: Pick<MinerLedger, 'release'>
  log: Common['logger']
  token: `0x${string}`
  /** Signs and stores each answer's provenance receipt. */
  receipts?: ReceiptIssuer | undefined
}

export function addTensorRoutes(
  app: Hono,
  { findModel, admission, ledger, log, token, receipts }: TensorRouteParameters,
) {
  app.get('/v2/health/live', (c) => c.json({ live: true }))
  app.get('/v2/health/ready', (c) => c.json({ ready: true }))
  app.get('/v2/models/:name', (c) => {
    const served = findModel(c, c.req.param('name'), 'tensor')
    if (served instanceof Response) return served
    const t = served.model.tensor
    return c.json({
      name: served.model.id,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: t?.inputs ?? [],
      outputs: t?.outputs ?? [],
      mycel: { price: priceJson(served.price), unit: 'instance', token },
    })
  })
  app.post('/v2/models/:name/infer', async (c) => {
    const body = await readJson(c)
    if (!body.ok) return body.response
    const parsed = inferRequest.safeParse(body.value)
    if (!parsed.success) return fail(c, 400, 'INVALID_REQUEST', zodMessage(parsed.error))
    const served = findModel(c, c.req.param('name'), 'tensor')
    if (served instanceof Response) return served
    const tensorModel = served.model.tensor as NonNullable<Model['tensor']>
    let tensors: ReturnType<typeof tensorsOf>
    try {
      tensors = tensorsOf(parsed.data, tensorModel.maxElements)
      matchInputs(tensorModel.inputs, tensors)
      const batch = tensors[0]?.shape[0] ?? 1
      if (batch > MAX_INSTANCES) {
        throw new ModelInputError('BATCH_TOO_LARGE', `At most ${MAX_INSTANCES} instances per request; got ${batch}.`)
      }
    } catch (error) {
      return fail(c, 400, error instanceof ModelInputError ? error.code : 'INVALID_TENSOR', (error as Error).message)
    }
    const paid = await admission.pay(c, served, body.raw)
    if (paid instanceof Response) return paid
    let outputs: Awaited<ReturnType<typeof tensorModel.infer>>
    try {
      outputs = await tensorModel.infer(
        tensors,
        parsed.data.outputs?.map((o) => o.name),
      )
    } catch (error) {
      ledger.release(paid)
      if (error instanceof ModelInputError) return fail(c, 400, error.code, `${error.message} Nothing was charged.`)
      log.warn({ msg: 'inference failed', model: served.model.id, err: (error as Error).message })
      return fail(c, 502, 'BACKEND_FAILED', `Model "${served.model.id}" failed. Nothing was charged.`)
    }
    const instances = tensors[0]?.shape[0] ?? 1
    const receipt = await admission.settle(paid, served, instances)
    // The output a receipt names: the outputs as this answer carries them (JSON).
    const provenance = issueReceipt(receipts, served, body.raw, JSON.stringify(outputs))
    if (provenance) c.header(RECEIPT_HEADER, provenance.header)
    return c.json({
      model_name: served.model.id,
      model_version: '1',
      id: parsed.data.id ?? crypto.randomUUID(),
      outputs,
      mycel: { ...receipt, ...(provenance ? { provenance: provenance.json } : {}) },
    })
  })
}
