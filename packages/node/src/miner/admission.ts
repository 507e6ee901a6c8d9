/**
 * Admission: whether a request is paid for, before its model runs. A voucher in the `x-mycel-voucher` header is
 * checked and recorded by the {@link MinerLedger}; no voucher for a paid model gets a 402 with machine-readable
 * payment requirements; a request signed by a validator of a subnet the miner is registered in
 * (`x-mycel-validator`, docs/validators.md) is served free once the signature, its time window, its nonce and the
 * signer's validator permit (on chain) check out. After the answer, {@link Admission.settle} records what it cost.
 */
import {
  createNonceMemory,
  hasValidatorPermit,
  VALIDATOR_HEADER,
  ValidatorRequestError,
  verifyValidatorRequest,
} from '@mycel/sdk'
import type { Context } from 'hono'
import type { Address, PublicClient } from 'viem'
import type { Metrics } from '../common/metrics.ts'
import { maxUnitsOf, unitOf } from '../inference/offer.ts'
import { meteredUnits } from '../payments/meteredUnits.ts'
import { isFree, meteredCost, priceJson } from '../payments/pricing.ts'
import { PaymentError } from '../payments/refusals.ts'
import { parseVoucherHeader, VOUCHER_HEADER } from '../payments/voucherHeader.ts'
import { fail } from './http.ts'
import type { Admission, MinerLedger } from './ledger.ts'
import type { ServedModel } from './served.ts'

/** How long a validator permit read from the chain is trusted (ms). */
const PERMIT_CACHE_MS = 5_000

export type MinerReceipt = { channelId: string | null; cost: string; units: number; served: string }

export type MinerAdmission = {
  /** Admits the request's voucher (or a validator's signature), or returns the 4xx response to send. */
  pay: (c: Context, served: ServedModel, raw: Uint8Array) => Promise<Admission | Response>
  /** Records a served request: the price and the metered cost of `units`; the receipt goes in the answer. */
  settle: (admission: Admission, served: ServedModel, units: number) => Promise<MinerReceipt>
  /** The subnets the miner is registered in: validators of these are served free. Filled once registered. */
  netuids: bigint[]
}

export type MinerAdmissionParameters = {
  client: PublicClient
  registry: Address
  chainId: number
  paymentChannels: Address
  payee: Address
  token: Address
  ledger: MinerLedger
  metrics: Metrics
}

export function createMinerAdmission({
  client,
  registry,
  chainId,
  paymentChannels,
  payee,
  token,
  ledger,
  metrics,
}: MinerAdmissionParameters): MinerAdmission {
  const nonces = createNonceMemory()
  const netuids: bigint[] = []
  const permits = new Map<string, { ok: boolean; until: number }>()

  const requirements = (served: ServedModel) => ({
    scheme: 'mycel-channel',
    version: 1,
    chainId,
    paymentChannels,
    payee,
    token,
    model: served.model.id,
    price: priceJson(served.price),
    unit: unitOf(served.model),
    maxUnitsPerRequest: maxUnitsOf(served.model),
    header: VOUCHER_HEADER,
  })

  /** Whether `hotkey` holds a validator permit in `netuid` (cached for a few seconds). */
  async function hasPermit(netuid: bigint, hotkey: Address): Promise<boolean> {
    const key = `${netuid}:${hotkey.toLowerCase()}`
    const cached = permits.get(key)
    if (cached && cached.until > Date.now()) return cached.ok
    let ok = false
    try {
      ok = await hasValidatorPermit(client, { registry, netuid, hotkey })
    } catch {
      ok = false // not registered in the subnet
    }
    permits.set(key, { ok, until: Date.now() + PERMIT_CACHE_MS })
    return ok
  }

  /** A validator's signed request: free when it checks out, else the 401/403 to send. */
  async function validatorAdmission(c: Context, served: ServedModel, raw: Uint8Array): Promise<Admission | Response> {
    let verified: { hotkey: Address; netuid: bigint }
    try {
      verified = await verifyValidatorRequest({
        chainId,
        registry,
        miner: payee,
        header: c.req.header(VALIDATOR_HEADER),
        method: c.req.method,
        path: c.req.path,
        body: raw,
        remember: nonces,
      })
    } catch (error) {
      if (!(error instanceof ValidatorRequestError)) throw error
      metrics.inc('mycel_miner_validator_refusals_total', 'Validator requests refused.', { code: error.code })
      return fail(
        c,
        401,
        `VALIDATOR_${error.code}`,
        `The ${VALIDATOR_HEADER} header was refused: ${error.shortMessage}.`,
      )
    }
    if (!netuids.includes(verified.netuid)) {
      metrics.inc('mycel_miner_validator_refusals_total', 'Validator requests refused.', { code: 'NOT_IN_SUBNET' })
      return fail(c, 403, 'NOT_IN_SUBNET', `This miner is not registered in subnet ${verified.netuid}.`)
    }
    if (!(await hasPermit(verified.netuid, verified.hotkey))) {
      metrics.inc('mycel_miner_validator_refusals_total', 'Validator requests refused.', { code: 'NO_PERMIT' })
      return fail(
        c,
        403,
        'NO_VALIDATOR_PERMIT',
        `${verified.hotkey} holds no validator permit in subnet ${verified.netuid}; pay with a voucher instead.`,
      )
    }
    metrics.inc('mycel_miner_validator_requests_total', 'Validator requests served free.', {
      netuid: String(verified.netuid),
    })
    return { channelId: 0n, price: 0n, model: served.model.id, settled: true }
  }

  async function pay(c: Context, served: ServedModel, raw: Uint8Array): Promise<Admission | Response> {
    if (c.req.header(VALIDATOR_HEADER) !== undefined) return validatorAdmission(c, served, raw)
    if (isFree(served.price)) return { channelId: 0n, price: 0n, model: served.model.id, settled: true }
    const header = c.req.header(VOUCHER_HEADER)
    if (header === undefined) {
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: 'PAYMENT_REQUIRED' })
      return fail(
        c,
        402,
        'PAYMENT_REQUIRED',
        `Model ${served.model.id} is paid per request: send a voucher in the ${VOUCHER_HEADER} header (see "payment").`,
        {
          payment: requirements(served),
        },
      )
    }
    const parsed = parseVoucherHeader(header)
    if (!parsed.ok) return fail(c, 400, 'INVALID_VOUCHER', `The ${VOUCHER_HEADER} header is invalid: ${parsed.reason}.`)
    try {
      return await ledger.admit(parsed.voucher, {
        price: served.price.perRequest,
        token,
        model: served.model.id,
      })
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error
      metrics.inc('mycel_miner_payment_refusals_total', 'Requests refused for payment.', { code: error.code })
      return fail(c, error.status, error.code, error.message, {
        payment: { ...requirements(served), ...error.payment, channelId: parsed.voucher.channelId.toString() },
      })
    }
  }

  async function settle(admission: Admission, served: ServedModel, units: number): Promise<MinerReceipt> {
    // Never metered above what the offer promises as the most one request can use.
    const counted = meteredUnits(units, BigInt(maxUnitsOf(served.model)))
    if (isFree(served.price) || admission.channelId === 0n)
      return { channelId: null, cost: '0', units: Number(counted), served: '0' }
    const metered = meteredCost(served.price, counted)
    await ledger.settle(admission, metered)
    metrics.inc('mycel_miner_paid_requests_total', 'Paid requests served.', { model: served.model.id })
    const row = ledger.channel(admission.channelId)
    return {
      channelId: admission.channelId.toString(),
      cost: (admission.price + metered).toString(),
      units: Number(counted),
      served: (row?.served ?? 0n).toString(),
    }
  }

  return { pay, settle, netuids }
}
