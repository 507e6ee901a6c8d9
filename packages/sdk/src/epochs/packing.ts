/**
 * The encodings an epoch proposal uses on chain, mirroring `contracts/src/epochs/EpochMath.sol` (all big-endian):
 * - Q32 values as uint40 (five bytes; Q32 reaches 2^32): bonds columns, dividends;
 * - inputs: per validator, uid (2 bytes), stake (uint96) and masked row sum (uint32): 18 bytes;
 * - the prune order: a u16 per uid;
 * - columns: per uid, rank (uint40) and its bonds column hash (`bondsColumnHash`: zero for an all-zero column, else
 *   the first 16 bytes of keccak256 of the packed column): 21 bytes;
 * - column leaves, and the Merkle tree over them (sorted-pair keccak256, an odd node moves up unchanged;
 *   OpenZeppelin's MerkleProof verifies its proofs).
 */
import { concatHex, type Hex, keccak256, numberToHex, slice } from 'viem'

/** Q32 values as packed big-endian uint40s. */
export function packQ(values: readonly number[]): Hex {
  return concatHex(['0x', ...values.map((x) => numberToHex(BigInt(x), { size: 5 }))])
}

/** Packed uint40s back as numbers. */
export function unpackQ(packed: Hex): number[] {
  const count = (packed.length - 2) / 10
  return Array.from({ length: count }, (_, i) => Number.parseInt(packed.slice(2 + 10 * i, 12 + 10 * i), 16))
}

/**
 * The 16-byte hash of a bonds column, as `EpochMath.bondsHash` computes it: zero for an all-zero column (a
 * validator's, or a miner nobody weights: 16 zero bytes of calldata cost a quarter of 16 nonzero ones), else the
 * first 16 bytes of keccak256 of the packed column.
 */
export function bondsColumnHash(values: readonly number[]): Hex {
  if (values.every((x) => x === 0)) return `0x${'00'.repeat(16)}`
  return slice(keccak256(packQ(values)), 0, 16)
}

/** A proposal's packed inputs: per validator, its uid, stake and row sum. */
export function packInputs(inputs: readonly { uid: number; stake: bigint; rowSum: bigint }[]): Hex {
  return concatHex([
    '0x',
    ...inputs.flatMap((x) => [
      numberToHex(x.uid, { size: 2 }),
      numberToHex(x.stake, { size: 12 }),
      numberToHex(x.rowSum, { size: 4 }),
    ]),
  ])
}

/** uids as packed big-endian u16s. */
export function packUids(uids: readonly number[]): Hex {
  return concatHex(['0x', ...uids.map((uid) => numberToHex(uid, { size: 2 }))])
}

/** The packed columns of a proposal: per uid, its rank (uint40) and its bonds column hash (bytes16). */
export function packColumns(columns: readonly { rank: number; bondsHash: Hex }[]): Hex {
  return concatHex(['0x', ...columns.flatMap((c) => [numberToHex(BigInt(c.rank), { size: 5 }), c.bondsHash])])
}

/** The leaf of column `uid`. */
export function columnLeaf(uid: number, rank: number, bondsHash: Hex): Hex {
  return keccak256(concatHex([numberToHex(uid, { size: 2 }), numberToHex(BigInt(rank), { size: 5 }), bondsHash]))
}

function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concatHex([a, b])) : keccak256(concatHex([b, a]))
}

/** A Merkle tree over `leaves`: its root and a proof for any index. */
export function merkleTree(leaves: readonly Hex[]): { root: Hex; proof: (index: number) => Hex[] } {
  const levels: Hex[][] = [leaves.slice()]
  while ((levels.at(-1) as Hex[]).length > 1) {
    const level = levels.at(-1) as Hex[]
    const next: Hex[] = []
    for (let k = 0; k < level.length; k += 2) {
      next.push(k + 1 < level.length ? hashPair(level[k] as Hex, level[k + 1] as Hex) : (level[k] as Hex))
    }
    levels.push(next)
  }
  const root = leaves.length === 0 ? (`0x${'0'.repeat(64)}` as Hex) : ((levels.at(-1) as Hex[])[0] as Hex)
  return {
    root,
    proof(index) {
      const proof: Hex[] = []
      let i = index
      for (const level of levels.slice(0, -1)) {
        const sibling = i % 2 === 0 ? i + 1 : i - 1
        if (sibling < level.length) proof.push(level[sibling] as Hex)
        i = Math.floor(i / 2)
      }
      return proof
    },
  }
}

/** Packed inputs back as records. */
export function unpackInputs(packed: Hex): { uid: number; stake: bigint; rowSum: bigint }[] {
  const count = (packed.length - 2) / 36
  return Array.from({ length: count }, (_, i) => {
    const at = 2 + 36 * i
    return {
      uid: Number.parseInt(packed.slice(at, at + 4), 16),
      stake: BigInt(`0x${packed.slice(at + 4, at + 28)}`),
      rowSum: BigInt(`0x${packed.slice(at + 28, at + 36)}`),
    }
  })
}

/** Packed u16 uids back as numbers. */
export function unpackUids(packed: Hex): number[] {
  const count = (packed.length - 2) / 4
  return Array.from({ length: count }, (_, i) => Number.parseInt(packed.slice(2 + 4 * i, 6 + 4 * i), 16))
}

/** Packed columns back as records. */
export function unpackColumns(packed: Hex): { rank: number; bondsHash: Hex }[] {
  const count = (packed.length - 2) / 42
  return Array.from({ length: count }, (_, i) => {
    const at = 2 + 42 * i
    return {
      rank: Number.parseInt(packed.slice(at, at + 10), 16),
      bondsHash: `0x${packed.slice(at + 10, at + 42)}` as Hex,
    }
  })
}
