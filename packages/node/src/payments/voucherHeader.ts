/**
 * The voucher a paid request carries, in the `x-mycel-voucher` header: compact JSON with decimal strings, e.g.
 * `{"channelId":"3","cumulativeAmount":"25000","cumulativeRequests":"25","cumulativeUnits":"1840","signature":"0x…"}`.
 * Parsing never throws for bad input: it returns the reason, which the miner answers with a 400.
 */
import type { SignedVoucher } from '@mycel/sdk'

export const VOUCHER_HEADER = 'x-mycel-voucher'
/** Longest header value accepted (a real one is about 230 characters). */
export const MAX_VOUCHER_HEADER = 1024

const UINT = /^(0|[1-9][0-9]*)$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const fields = [
  ['channelId', 256],
  ['cumulativeAmount', 96],
  ['cumulativeRequests', 64],
  ['cumulativeUnits', 64],
] as const

export function encodeVoucherHeader(voucher: SignedVoucher): string {
  return JSON.stringify({
    channelId: voucher.channelId.toString(),
    cumulativeAmount: voucher.cumulativeAmount.toString(),
    cumulativeRequests: voucher.cumulativeRequests.toString(),
    cumulativeUnits: voucher.cumulativeUnits.toString(),
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
  const known = new Set<string>([...fields.map(([name]) => name), 'signature'])
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
  return {
    ok: true,
    voucher: {
      channelId: numbers.channelId as bigint,
      cumulativeAmount: numbers.cumulativeAmount as bigint,
      cumulativeRequests: numbers.cumulativeRequests as bigint,
      cumulativeUnits: numbers.cumulativeUnits as bigint,
      signature: signature as `0x${string}`,
    },
  }
}
