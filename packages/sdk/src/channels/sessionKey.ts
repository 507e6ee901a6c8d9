/**
 * The session key in force on a payment channel, by the rule PaymentChannels applies (`_checkSessionSigner`), in
 * one place for everyone who must predict it (the miner admitting a voucher, the claimer deciding when to claim, the
 * gateway choosing which key to sign with). Pure: the channel's stored key, its scheduled change and a time in,
 * the keys the contract honours out.
 *
 * The rule: a narrowing change (another key, a lower cap, or no key) is scheduled for `effectiveAt`. Before that
 * time the current key is honoured up to its cap, and the scheduled key (when it is a key, and another than the
 * current one) up to the scheduled cap. From `effectiveAt` on (`block.timestamp >= effectiveAt`) the change is in
 * force: only the scheduled key, up to its cap. The contract applies it lazily (at the next session-signed claim),
 * so the stored key can be stale; this module never is. The payer's own key is always honoured and is not a
 * session key: it is not handled here.
 */
import type { Address } from 'viem'

const ZERO: Address = '0x0000000000000000000000000000000000000000'
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/** A session key and the highest cumulative amount its vouchers may carry. */
export type SessionKey = { signer: Address; cap: bigint }

/** A scheduled change: the key and cap in force from unix time `effectiveAt` on. */
export type PendingSessionKey = SessionKey & { effectiveAt: bigint }

/** What a channel stores about its session key (as `getChannel` and `getPendingSessionSigner` read it). */
export type SessionKeyState = {
  sessionSigner: Address
  sessionCap: bigint
  /** The scheduled change, or null / undefined / an all-zero entry for none. */
  pending?: PendingSessionKey | null | undefined
}

export type SessionKeysInForce = {
  /** The key the contract treats as current at that time (a due change applied); null when there is none. */
  current: SessionKey | null
  /** The change still scheduled at that time; null when there is none (or it is in force already). */
  pending: PendingSessionKey | null
  /** The keys whose vouchers the contract redeems at that time, each with the cap it holds them to. */
  accepted: SessionKey[]
}

/**
 * The session keys of a channel in force at unix time `at` (the block timestamp a claim would be mined with).
 *
 * @example
 * const { accepted } = sessionKeysInForce({ ...channel, pending: await getPendingSessionSigner(client, { paymentChannels, channelId }) }, now)
 */
export function sessionKeysInForce(state: SessionKeyState, at: bigint): SessionKeysInForce {
  let signer = state.sessionSigner
  let cap = state.sessionCap
  let pending = state.pending && state.pending.effectiveAt > 0n ? state.pending : null
  if (pending && at >= pending.effectiveAt) {
    signer = pending.signer
    cap = pending.cap
    pending = null
  }
  const current = same(signer, ZERO) ? null : { signer, cap }
  const accepted: SessionKey[] = current ? [current] : []
  if (pending && !same(pending.signer, ZERO) && !same(pending.signer, signer)) {
    accepted.push({ signer: pending.signer, cap: pending.cap })
  }
  return { current, pending, accepted }
}

/** Why the contract would refuse a session-signed voucher, named after its custom error. */
export type SessionVoucherVerdict =
  | { ok: true; cap: bigint }
  | { ok: false; reason: 'PaymentChannelsInvalidSigner' }
  | { ok: false; reason: 'PaymentChannelsSessionCapExceeded'; cap: bigint }

/**
 * Whether the contract would redeem a voucher of `cumulativeAmount` signed by `signer` (a session key, not the
 * payer) at unix time `at`, and with which cap; the other checks of a claim (amount above what was claimed, within
 * the deposit, the channel not past its close window) are not part of this rule.
 *
 * @example
 * const verdict = checkSessionVoucher(state, { signer, cumulativeAmount: 1_000n, at: BigInt(Math.floor(Date.now() / 1000)) })
 */
export function checkSessionVoucher(
  state: SessionKeyState,
  voucher: { signer: Address; cumulativeAmount: bigint; at: bigint },
): SessionVoucherVerdict {
  const key = sessionKeysInForce(state, voucher.at).accepted.find((k) => same(k.signer, voucher.signer))
  if (!key) return { ok: false, reason: 'PaymentChannelsInvalidSigner' }
  if (voucher.cumulativeAmount > key.cap)
    return { ok: false, reason: 'PaymentChannelsSessionCapExceeded', cap: key.cap }
  return { ok: true, cap: key.cap }
}
