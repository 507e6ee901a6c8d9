/** A built epoch as JSON and back (bigints kept as `"123n"` strings), for storing it. Pure. */
import type { BuiltEpoch } from './buildEpoch.ts'
import { columnLeaf, merkleTree, unpackColumns } from './packing.ts'

/** JSON that keeps bigints, written as `"123n"` strings (what the epoch records use). */
export const bigintJson = {
  stringify: (value: unknown): string => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v)),
  parse: <T>(text: string): T =>
    JSON.parse(text, (_key, v) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as T,
}

/** A built epoch as JSON (bigints as `"123n"`), for storing it; {@link builtEpochFromJson} restores it. */
export function builtEpochToJson(built: BuiltEpoch): string {
  const { proof: _proof, ...data } = built
  return bigintJson.stringify(data)
}

/** Restores a built epoch stored with {@link builtEpochToJson} (its Merkle proofs are rebuilt from the columns). */
export function builtEpochFromJson(json: string): BuiltEpoch {
  const data = bigintJson.parse<Omit<BuiltEpoch, 'proof'>>(json)
  const columns = unpackColumns(data.proposal.columns)
  const tree = merkleTree(columns.map((c, uid) => columnLeaf(uid, c.rank, c.bondsHash)))
  return { ...data, proof: (uid) => tree.proof(uid) }
}
