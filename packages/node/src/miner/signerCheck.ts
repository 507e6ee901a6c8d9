/**
 * Who may sign a voucher on a channel: the payer, or the session key in force within its cap. The contract applies
 * a scheduled session-key change lazily, so the key and cap in force are computed by the SDK's `sessionKeysInForce`
 * (the contract's rule in one place): a change past its time is in force. A key that is only scheduled is refused (the payer could still replace or cancel it before it applies,
 * voiding what it signed), and while a change is scheduled the current key is held to the lower of both caps and
 * refused within the safety margin before it retires.
 */
import { sessionKeysInForce } from '@mycel/sdk'
import type { Address } from 'viem'
import type { ChannelState } from '../payments/channelCache.ts'
import { PaymentError } from '../payments/refusals.ts'

const lower = (a: string) => a.toLowerCase() as Address
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/**
 * Throws the {@link PaymentError} (402) that refuses `signer` signing `amount` on `channel` at unix time `seconds`
 * (and for at least `safetySeconds` more); returns when it may. `signer` is lower case.
 */
export function checkSigner(
  channel: ChannelState,
  signer: Address,
  amount: bigint,
  { seconds, safetySeconds }: { seconds: bigint; safetySeconds: bigint },
): void {
  const id = channel.channelId
  if (signer === lower(channel.payer)) return
  // The key in force and the change still scheduled, by the contract's rule (the SDK's one home of it).
  const inForce = sessionKeysInForce(channel, seconds)
  const key = lower(inForce.current?.signer ?? ZERO_ADDRESS)
  let cap = inForce.current?.cap ?? 0n
  const pending = inForce.pending
  if (pending && signer === lower(pending.signer) && signer !== key) {
    throw new PaymentError(
      402,
      'SESSION_KEY_PENDING',
      `The session key ${signer} of channel ${id} takes effect only at unix time ${pending.effectiveAt}; sign with the current key or the payer key until then.`,
    )
  }
  if (signer !== key || key === ZERO_ADDRESS) {
    throw new PaymentError(
      402,
      'UNAUTHORIZED_SIGNER',
      `The voucher is signed by ${signer}, which is neither the payer nor an authorized session key of channel ${id} (or it was signed for another chain, contract or channel).`,
    )
  }
  if (pending) {
    if (lower(pending.signer) !== signer && pending.effectiveAt <= seconds + safetySeconds) {
      throw new PaymentError(
        402,
        'SESSION_KEY_RETIRING',
        `The session key ${signer} of channel ${id} is being replaced at unix time ${pending.effectiveAt}; sign with the new key or the payer key.`,
      )
    }
    if (lower(pending.signer) === signer && pending.cap < cap) cap = pending.cap
  }
  if (amount > cap) {
    throw new PaymentError(
      402,
      'SESSION_CAP_EXCEEDED',
      `Voucher amount ${amount} exceeds the session key's cap ${cap} on channel ${id}; the payer must raise the cap.`,
    )
  }
}
