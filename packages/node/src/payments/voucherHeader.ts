/**
 * The voucher a paid request carries, in the `x-mycel-voucher` header: compact JSON with decimal strings, e.g.
 * `{"channelId":"3","cumulativeAmount":"25000","cumulativeRequests":"25","cumulativeUnits":"1840","signature":"0x…"}`.
 * A voucher paying a model with license terms (a `RoyaltyVoucher`, docs/models-market.md) adds its model split
 * before the signature: `"models":[{"modelId":"1","cumulativeAmount":"25000"}]`; an empty list is a plain voucher.
 * Parsing never throws for bad input: it returns the reason, which the miner answers with a 400. It checks types and
 * ranges only; whether a split is sound (sorted, adds up) is the ledger's 402 with a MODEL_SPLIT_* code.
 */
import type { ModelAmount, SignedVoucher } from '@mycel/sdk'

export const VOUCHER_HEADER = 'x-mycel-voucher'
/** Longest header value accepted (a plain one is about 230 characters; a split of 8 widest entries about 1,400). */
export const MAX_VOUCHER_HEADER = 2048

const UINT = /^(0|[1-9][0-9]*)$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const fields = [
  ['channelId', 256],
  ['cumulativeAmount', 96],
  ['cumulativeRequests', 64],
  ['cumulativeUnits', 64],
] as const

/** Most entries of a model split in a header (a royalty route holds at most 8 models). */
export const MAX_SPLIT_ENTRIES = 8

export function encodeVoucherHeader(voucher: SignedVoucher): string {
  const models = voucher.models
  return JSON.stringify({
    channelId: voucher.channelId.toString(),
    cumulativeAmount: voucher.cumulativeAmount.toString(),
    cumulativeRequests: voucher.cumulativeRequests.toString(),
    cumulativeUnits: voucher.cumulativeUnits.toString(),
    ...(models && models.length > 0
      ? {
          models: models.map((m) => ({
            modelId: m.modelId.toString(),
            cumulativeAmount: m.cumulativeAmount.toString(),
          })),
        }
      : {}),
    signature: voucher.signature,
  })
}

export type ParsedVoucherHeader = { ok: true; voucher: SignedVoucher } | { ok: false; reason: string }

/**
 * The header exactly as {@link encodeVoucherHeader} writes it, read with one regular expression: the request path's
 * common case, about twice as fast as the general parse below, which handles everything else (and every refusal).
 * Digit counts are capped by the widest value of each type; the ranges are still checked.
 */
const CANONICAL =
  /^\{"channelId":"(0|[1-9][0-9]{0,77})","cumulativeAmount":"(0|[1-9][0-9]{0,28})","cumulativeRequests":"(0|[1-9][0-9]{0,19})","cumulativeUnits":"(0|[1-9][0-9]{0,19})","signature":"(0x[0-9a-fA-F]{130})"\}$/
const LIMIT_256 = 1n << 256n
const LIMIT_96 = 1n << 96n
const LIMIT_64 = 1n << 64n

export function parseVoucherHeader(value: string): ParsedVoucherHeader {
  const m = CANONICAL.exec(value)
  if (m) {
    const voucher = {
      channelId: BigInt(m[1] as string),
      cumulativeAmount: BigInt(m[2] as string),
      cumulativeRequests: BigInt(m[3] as string),
      cumulativeUnits: BigInt(m[4] as string),
      signature: m[5] as `0x${string}`,
    }
    if (
      voucher.channelId < LIMIT_256 &&
      voucher.cumulativeAmount < LIMIT_96 &&
      voucher.cumulativeRequests < LIMIT_64 &&
      voucher.cumulativeUnits < LIMIT_64
    )
      return { ok: true, voucher }
  }
  return parseGeneral(value)
}

function parseGeneral(value: string): ParsedVoucherHeader {
  if (value.length > MAX_VOUCHER_HEADER) return { ok: false, reason: `longer than ${MAX_VOUCHER_HEADER} characters` }
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'not a JSON object' }
  const record = parsed as Record<string, unknown>
  const known = new Set<string>([...fields.map(([name]) => name), 'models', 'signature'])
  const extra = Object.keys(record).filter((k) => !known.has(k))
  if (extra.length > 0) return { ok: false, reason: `unknown field ${JSON.stringify(extra[0])}` }
  const numbers: Record<string, bigint> = {}
  for (const [name, bits] of fields) {
    const raw = record[name]
    if (typeof raw !== 'string' || raw.length > 80 || !UINT.test(raw)) {
      return { ok: false, reason: `${name} must be a decimal string, got ${JSON.stringify(raw)?.slice(0, 40)}` }
    }
    const n = BigInt(raw)
    if (n >= 1n << BigInt(bits)) return { ok: false, reason: `${name} does not fit uint${bits}` }
    numbers[name] = n
  }
  const signature = record.signature
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
    return { ok: false, reason: 'signature must be 0x followed by 130 hex digits' }
  }
  const split = parseSplit(record.models)
  if (typeof split === 'string') return { ok: false, reason: split }
  const voucher: SignedVoucher = {
    channelId: numbers.channelId as bigint,
    cumulativeAmount: numbers.cumulativeAmount as bigint,
    cumulativeRequests: numbers.cumulativeRequests as bigint,
    cumulativeUnits: numbers.cumulativeUnits as bigint,
    signature: signature as `0x${string}`,
  }
  if (split.length > 0) voucher.models = split
  return { ok: true, voucher }
}

/** The `models` field: absent or `[]` (a plain voucher), or entries of decimal `modelId` and `cumulativeAmount`. */
function parseSplit(raw: unknown): ModelAmount[] | string {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) return 'models must be a list of {"modelId","cumulativeAmount"}'
  if (raw.length > MAX_SPLIT_ENTRIES) return `models has ${raw.length} entries, more than ${MAX_SPLIT_ENTRIES}`
  const split: ModelAmount[] = []
  for (const [index, entry] of raw.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `models[${index}] must be an object`
    const e = entry as Record<string, unknown>
    const extra = Object.keys(e).find((k) => k !== 'modelId' && k !== 'cumulativeAmount')
    if (extra !== undefined) return `models[${index}] has an unknown field ${JSON.stringify(extra)}`
    const out: bigint[] = []
    for (const [name, bits] of [
      ['modelId', 256],
      ['cumulativeAmount', 96],
    ] as const) {
      const value = e[name]
      if (typeof value !== 'string' || value.length > 80 || !UINT.test(value))
        return `models[${index}].${name} must be a decimal string, got ${JSON.stringify(value)?.slice(0, 40)}`
      const n = BigInt(value)
      if (n >= 1n << BigInt(bits)) return `models[${index}].${name} does not fit uint${bits}`
      out.push(n)
    }
    split.push({ modelId: out[0] as bigint, cumulativeAmount: out[1] as bigint })
  }
  return split
}
