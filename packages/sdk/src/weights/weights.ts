/**
 * Validator weights as the chain takes them: validation of any numbers a validator's scoring produced, quantization
 * to u16 (the row's largest weight becomes 65535, like subtensor), the packed two-bytes-per-uid encoding the Weights
 * contract stores by hash, and the commit hash (bound to the chain and the contract, so a commit cannot be replayed
 * elsewhere).
 */
import { encodeAbiParameters, type Hex, hexToBytes, keccak256, toHex } from 'viem'
import { BaseError } from '../errors/base.ts'
import { quantizeWeights } from '../yuma/json.ts'

export class InvalidWeightsError extends BaseError {
  override name = 'InvalidWeightsError' as const
  readonly index: number | undefined
  constructor({ message, index }: { message: string; index?: number }) {
    super(index === undefined ? message : `weights[${index}]: ${message}`, { docsPath: 'weights.md' })
    this.index = index
  }
}

/**
 * Checks scores (one per uid, any non-negative finite numbers, not all zero) against the subnet's uid count and
 * returns them as u16, max-upscaled. Throws {@link InvalidWeightsError} naming the first bad entry.
 */
export function toChainWeights(scores: readonly number[], uidCount: number): number[] {
  if (scores.length !== uidCount) {
    throw new InvalidWeightsError({ message: `has ${scores.length} entries; the subnet has ${uidCount} uids` })
  }
  scores.forEach((x, i) => {
    if (typeof x !== 'number' || Number.isNaN(x))
      throw new InvalidWeightsError({ message: 'is not a number', index: i })
    if (!Number.isFinite(x)) throw new InvalidWeightsError({ message: 'is not finite', index: i })
    if (x < 0) throw new InvalidWeightsError({ message: `is negative (${x})`, index: i })
  })
  const weights = quantizeWeights(scores)
  if (weights.every((w) => w === 0)) throw new InvalidWeightsError({ message: 'every weight is zero' })
  return weights
}

/** u16 weights as the contract's packed bytes: a big-endian u16 per uid. */
export function encodeWeights(weights: readonly number[]): Hex {
  const bytes = new Uint8Array(weights.length * 2)
  weights.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0 || w > 65_535) {
      throw new InvalidWeightsError({ message: 'must be an integer in [0, 65535]', index: i })
    }
    bytes[2 * i] = w >> 8
    bytes[2 * i + 1] = w & 0xff
  })
  return `0x${Buffer.from(bytes).toString('hex')}`
}

/** The packed bytes back as u16 weights. */
export function decodeWeights(packed: Hex): number[] {
  const bytes = hexToBytes(packed)
  if (bytes.length % 2 !== 0) throw new InvalidWeightsError({ message: 'packed weights must have an even length' })
  return Array.from(
    { length: bytes.length / 2 },
    (_, i) => ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number),
  )
}

/** keccak256 of the packed weights: what the contract keeps for a revealed row. */
export function weightsRowHash(packed: Hex): Hex {
  return keccak256(packed)
}

/** The commit hash the Weights contract checks at reveal (`commitHashOf`). */
export function weightsCommitHash(parameters: {
  chainId: number
  weightsContract: `0x${string}`
  netuid: bigint
  hotkey: `0x${string}`
  packed: Hex
  salt: Hex
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'bytes32' },
        { type: 'bytes32' },
      ],
      [
        BigInt(parameters.chainId),
        parameters.weightsContract,
        parameters.netuid,
        parameters.hotkey,
        keccak256(parameters.packed),
        parameters.salt,
      ],
    ),
  )
}

/** A fresh random 32-byte salt for a weights commit. */
export function randomSalt(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)))
}
