/**
 * The payment rules with one home each: the metered-units clamp (payments/meteredUnits.ts), the refusal codes and
 * their error (payments/refusals.ts), and the miner offer's build side (inference/offer.ts).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NodeError } from '../src/common/errors.ts'
import { errorBody, errorResponse } from '../src/http/errors.ts'
import type { Model } from '../src/inference/backend.ts'
import {
  buildOffer,
  MAX_INSTANCES,
  MAX_PROMPT_TOKENS,
  MAX_UNITS_PER_REQUEST,
  offerBytes,
  offeredModel,
  offeredTerms,
  parseOffer,
} from '../src/inference/offer.ts'
import { meteredUnits } from '../src/payments/meteredUnits.ts'
import {
  isPaymentRefusalCode,
  PaymentError,
  paymentRefusalCodes,
  readPaymentRefusal,
} from '../src/payments/refusals.ts'

describe('meteredUnits', () => {
  it('bills nothing for a missing, negative, fractional or unsafe count', () => {
    for (const units of [undefined, -1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(meteredUnits(units, 100n)).toBe(0n)
    }
  })

  it('property: bills the count, never above the offer maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.bigInt({ min: 0n, max: 2n ** 64n }),
        (u, max) => {
          const billed = meteredUnits(u, max)
          expect(billed).toBe(BigInt(u) < max ? BigInt(u) : max)
        },
      ),
    )
  })
})

describe('payment refusals', () => {
  it('is a NodeError with the stable code, the status and the message as given', () => {
    const error = new PaymentError(402, 'UNDERPAID', 'Channel 1 must pay 5.', { requiredAmount: '5' })
    expect(error).toBeInstanceOf(NodeError)
    expect(error).toMatchObject({ code: 'UNDERPAID', status: 402, payment: { requiredAmount: '5' } })
    expect(error.message).toBe('Channel 1 must pay 5.')
  })

  it('knows every code the miner answers with, and nothing else', () => {
    expect(paymentRefusalCodes).toContain('UNDERPAID')
    expect(new Set(paymentRefusalCodes).size).toBe(paymentRefusalCodes.length)
    expect(paymentRefusalCodes.every(isPaymentRefusalCode)).toBe(true)
    expect(isPaymentRefusalCode('MODEL_NOT_FOUND')).toBe(false)
    expect(isPaymentRefusalCode(undefined)).toBe(false)
  })

  it("reads a miner's refusal: the code, and the required amount of UNDERPAID only", () => {
    const underpaid = { error: { code: 'UNDERPAID', message: 'pay more', payment: { requiredAmount: '25000' } } }
    expect(readPaymentRefusal(underpaid)).toEqual({
      code: 'UNDERPAID',
      known: 'UNDERPAID',
      message: 'pay more',
      requiredAmount: 25000n,
    })
    const closing = { error: { code: 'CHANNEL_CLOSING', payment: { requiredAmount: '1' } } }
    expect(readPaymentRefusal(closing)).toMatchObject({ known: 'CHANNEL_CLOSING', requiredAmount: undefined })
    const tooLong = { error: { code: 'UNDERPAID', payment: { requiredAmount: '1'.repeat(31) } } }
    expect(readPaymentRefusal(tooLong).requiredAmount).toBeUndefined()
    expect(readPaymentRefusal({ error: { code: 'SOMETHING_NEW' } })).toMatchObject({
      code: 'SOMETHING_NEW',
      known: undefined,
    })
    for (const junk of [null, undefined, 'x', {}, { error: 5 }, { error: { code: 7, payment: null } }]) {
      expect(readPaymentRefusal(junk)).toEqual({
        code: undefined,
        known: undefined,
        message: undefined,
        requiredAmount: undefined,
      })
    }
  })
})

const textModel = (contextLength?: number): Model => ({
  id: 'text',
  backend: 'onnx',
  description: 'a text model',
  text: {
    generate: () => {
      throw new Error('not called')
    },
    maxTokens: 256,
    ...(contextLength === undefined ? {} : { contextLength }),
  },
  close: async () => {},
})
const tensorModel: Model = {
  id: 'digits',
  backend: 'onnx',
  description: 'digits',
  tensor: { inputs: [], outputs: [], infer: async () => [], maxElements: 10 },
  close: async () => {},
}
const network = {
  chainId: 31337,
  paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  payee: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  token: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  endpoint: 'http://127.0.0.1:1',
} as const

describe('the miner offer (build side)', () => {
  it('states units, limits and the context bound, and readers accept it as built', () => {
    const price = { perRequest: 10n, per1kUnits: 3n }
    const offer = buildOffer({
      ...network,
      models: [
        offeredModel(textModel(), price),
        offeredModel(textModel(10_000_000), price),
        offeredModel(tensorModel, price, `b${'a'.repeat(58)}`),
      ],
    })
    expect(offer.models.map((m) => [m.unit, m.maxUnitsPerRequest, m.contextLength])).toEqual([
      ['token', 256 + MAX_PROMPT_TOKENS, 256 + MAX_PROMPT_TOKENS],
      ['token', 256 + MAX_PROMPT_TOKENS, MAX_UNITS_PER_REQUEST],
      ['instance', MAX_INSTANCES, undefined],
    ])
    expect(offer.models[2]?.weightsCid).toBe(`b${'a'.repeat(58)}`)
    const parsed = parseOffer(JSON.parse(new TextDecoder().decode(offerBytes(offer))))
    expect(parsed).toEqual({ ok: true, offer })
    expect(offeredTerms(offer.models[0] as (typeof offer.models)[number])).toEqual({
      price,
      maxUnits: BigInt(256 + MAX_PROMPT_TOKENS),
    })
  })

  it('refuses to build an offer its readers would refuse, naming the field', () => {
    const model = { ...tensorModel, id: 'x'.repeat(201) }
    expect(() => buildOffer({ ...network, models: [offeredModel(model, { perRequest: 0n, per1kUnits: 0n })] })).toThrow(
      expect.objectContaining({ code: 'OFFER_INVALID', exitCode: 2, message: expect.stringContaining('models.0.id') }),
    )
  })
})

describe('PaymentError as an HTTP answer', () => {
  it('keeps what the refusal adds to the requirements and answers with its own status', () => {
    const error = new PaymentError(402, 'UNDERPAID', 'pay more', { requiredAmount: '7' })
    expect(error.payment).toEqual({ requiredAmount: '7' })
    expect(error.httpStatus).toBe(402)
    expect(errorResponse(error, 'miner')).toEqual({ status: 402, body: errorBody('UNDERPAID', 'pay more') })
  })
})
