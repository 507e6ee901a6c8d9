/**
 * Typed actions over the Weights contract: commit a validator's weights (hash only), reveal them within the window,
 * read the pending commit, and read revealed rows from the `WeightsRevealed` events (the row bytes live only there
 * and in the reveal's calldata; the contract keeps their hash).
 */
import { type Client, type Hex, parseEventLogs, toHex } from 'viem'
import { getChainId, getContractEvents, readContract } from 'viem/actions'
import { weightsAbi } from '../../contracts.ts'
import { encodeWeights, weightsCommitHash } from '../../weights/weights.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'

type Address = `0x${string}`

/** A fresh random 32-byte salt for a commit. */
export function randomSalt(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * Commits `weights` (u16 per uid, from {@link toChainWeights}) for the client's hotkey in `netuid`, and returns what
 * the reveal needs. Keep `packed` and `salt` until the reveal: without them the commit cannot be opened.
 */
export async function commitWeights(
  client: WriteClient,
  parameters: { weights: Address; netuid: bigint; values: readonly number[]; salt?: Hex },
) {
  const packed = encodeWeights(parameters.values)
  const salt = parameters.salt ?? randomSalt()
  const commitHash = weightsCommitHash({
    chainId: client.chain?.id ?? (await getChainId(client)),
    weightsContract: parameters.weights,
    netuid: parameters.netuid,
    hotkey: client.account.address,
    packed,
    salt,
  })
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.weights,
    abi: weightsAbi,
    functionName: 'commitWeights',
    args: [parameters.netuid, commitHash],
  })
  const [event] = parseEventLogs({ abi: weightsAbi, eventName: 'WeightsCommitted', logs: receipt.logs })
  return {
    hash,
    commitHash,
    packed,
    salt,
    commitBlock: receipt.blockNumber,
    /** The reveal window: from this block, until (excluding) that one. */
    revealFrom: BigInt(event?.args.revealFrom ?? 0n),
    revealUntil: BigInt(event?.args.revealUntil ?? 0n),
  }
}

/** Reveals a commit made with {@link commitWeights}: the packed weights and the salt. */
export async function revealWeights(
  client: WriteClient,
  parameters: { weights: Address; netuid: bigint; packed: Hex; salt: Hex },
) {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.weights,
    abi: weightsAbi,
    functionName: 'revealWeights',
    args: [parameters.netuid, parameters.packed, parameters.salt],
  })
  return { hash, revealBlock: receipt.blockNumber }
}

export type WeightsCommit = {
  hash: Hex
  commitBlock: bigint
  /** The uids the commit covers (the subnet's count when it was made). */
  length: number
  /** The reveal window, a whole tempo period: from this block, until (excluding) that one. */
  revealFrom: bigint
  revealUntil: bigint
}

/** The pending commit of `hotkey` in `netuid`, or null. */
export async function getWeightsCommit(
  client: Client,
  parameters: { weights: Address; netuid: bigint; hotkey: Address },
): Promise<WeightsCommit | null> {
  const c = await readContract(client, {
    address: parameters.weights,
    abi: weightsAbi,
    functionName: 'commitOf',
    args: [parameters.netuid, parameters.hotkey],
  })
  if (/^0x0*$/.test(c.hash)) return null
  return {
    hash: c.hash,
    commitBlock: BigInt(c.commitBlock),
    length: Number(c.length),
    revealFrom: BigInt(c.revealFrom),
    revealUntil: BigInt(c.revealUntil),
  }
}

export type RevealedRow = {
  uid: number
  hotkey: Address
  /** The packed weights: a big-endian u16 per uid. */
  packed: Hex
  commitBlock: bigint
  revealBlock: bigint
  transactionHash: Hex
}

/** Every row revealed in `netuid` between two blocks (inclusive), oldest first. */
export async function getRevealedRows(
  client: Client,
  parameters: { weights: Address; netuid: bigint; fromBlock?: bigint; toBlock?: bigint },
): Promise<RevealedRow[]> {
  const logs = await getContractEvents(client, {
    address: parameters.weights,
    abi: weightsAbi,
    eventName: 'WeightsRevealed',
    args: { netuid: parameters.netuid },
    fromBlock: parameters.fromBlock ?? 0n,
    toBlock: parameters.toBlock ?? 'latest',
  })
  return logs.map((log) => ({
    uid: Number(log.args.uid),
    hotkey: log.args.hotkey as Address,
    packed: log.args.weights as Hex,
    commitBlock: BigInt(log.args.commitBlock as bigint),
    revealBlock: log.blockNumber as bigint,
    transactionHash: log.transactionHash as Hex,
  }))
}
