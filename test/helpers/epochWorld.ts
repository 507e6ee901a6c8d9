/**
 * A whole incentive-subnet deployment in an in-process EVM (real bytecode): token, registry, staking, weights,
 * epoch referee and epochs, wired as deployMycel wires them, with helpers to register neurons, stake, commit and
 * reveal weights, and read an epoch's state the way a node does. Shared by the epoch tests and bench/epochs.ts.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  type EpochSlot,
  type EpochState,
  encodeWeights,
  epochRefereeAbi,
  epochRefereeBytecode,
  epochStateOf,
  epochsAbi,
  epochsBytecode,
  mycelTokenAbi,
  mycelTokenBytecode,
  type PreviousEpoch,
  stakingAbi,
  stakingBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
  weightsAbi,
  weightsBytecode,
  weightsCommitHash,
} from '@mycel/sdk'
import {
  type Abi,
  type Address,
  decodeErrorResult,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  keccak256,
  maxUint256,
  parseEther,
  toHex,
} from 'viem'
import { type CallResult, createInProcessChain, type InProcessChain } from '../../contracts/test/helpers/evm.ts'

export const treasury = '0x00000000000000000000000000000000000000aa' as const
export const subnetOwner = '0x00000000000000000000000000000000000000ab' as const
/** The parts the epoch tests play: one proposer, one challenger, a delegator, three validators and three miners. */
export const proposer = '0x00000000000000000000000000000000000000ac' as const
export const challenger = '0x00000000000000000000000000000000000000ad' as const
export const delegator = '0x00000000000000000000000000000000000000ae' as const
export const validators = [
  '0x0000000000000000000000000000000000000101',
  '0x0000000000000000000000000000000000000102',
  '0x0000000000000000000000000000000000000103',
] as const
export const miners = [
  '0x0000000000000000000000000000000000000201',
  '0x0000000000000000000000000000000000000202',
  '0x0000000000000000000000000000000000000203',
] as const
const zeroAddress = '0x0000000000000000000000000000000000000000'

const abis = {
  token: mycelTokenAbi,
  registry: subnetRegistryAbi,
  staking: stakingAbi,
  weights: weightsAbi,
  referee: epochRefereeAbi,
  epochs: epochsAbi,
} as const
export type ContractName = keyof typeof abis

export function errorName(data: Hex): string {
  for (const abi of Object.values(abis)) {
    try {
      return decodeErrorResult({ abi: abi as Abi, data }).errorName
    } catch {}
  }
  return data
}

/** Gas a transaction with this calldata and execution gas costs under Prague (EIP-2028 and the EIP-7623 floor). */
export function transactionGas(data: Hex, executionGas: bigint): bigint {
  let zero = 0n
  let nonzero = 0n
  for (let i = 2; i < data.length; i += 2) {
    if (data.slice(i, i + 2) === '00') zero++
    else nonzero++
  }
  const standard = 21_000n + 4n * zero + 16n * nonzero + executionGas
  const floor = 21_000n + 10n * (zero + 4n * nonzero)
  return standard > floor ? standard : floor
}

export type EpochWorld = {
  chain: InProcessChain
  addresses: Record<ContractName, EvmAddress>
  call: (from: Address, contract: ContractName, fn: string, args?: unknown[]) => Promise<CallResult & { data: Hex }>
  must: (from: Address, contract: ContractName, fn: string, args?: unknown[]) => Promise<never>
  /** Commits `weights` for `hotkey` in `netuid` (default 1), to be revealed by {reveal}. */
  commit: (hotkey: Address, weights: number[], netuid?: bigint) => Promise<void>
  /** Reveals what `hotkey` last committed in `netuid` (default 1); a revert comes back as `ok: false`. */
  reveal: (hotkey: Address, netuid?: bigint) => Promise<CallResult & { data: Hex }>
  /** Commits and reveals `weights` for `hotkey` in `netuid` (default 1), advancing the chain by `tempo` blocks. */
  setWeights: (entries: { hotkey: Address; weights: number[] }[], netuid?: bigint, tempo?: bigint) => Promise<void>
  /** The state of `netuid` (default 1) at `snapshot` as a node reads it. */
  readState: (snapshot: bigint, previous: PreviousEpoch | null, netuid?: bigint) => Promise<EpochState>
  /** Creates another subnet owned by {subnetOwner} with `subnetParams` over the defaults; returns its netuid. */
  addSubnet: (maxNeurons: number, subnetParams: Record<string, unknown>) => Promise<bigint>
  /** The latest revealed row per `netuid:hotkey`. */
  rows: Map<string, Hex>
}

export async function createEpochWorld(options: {
  emissionPerBlock: bigint
  bond: bigint
  challengeBlocks: bigint
  maxNeurons: number
  subnetParams: Record<string, unknown>
}): Promise<EpochWorld> {
  const chain = await createInProcessChain()
  const at = (x: EvmAddress) => x.toString() as Address
  const deploy = (data: Hex) => chain.deploy(data, treasury)
  const token = await deploy(
    encodeDeployData({ abi: mycelTokenAbi, bytecode: mycelTokenBytecode, args: [treasury, parseEther('100000000')] }),
  )
  const registry = await deploy(
    encodeDeployData({ abi: subnetRegistryAbi, bytecode: subnetRegistryBytecode, args: [at(token), treasury] }),
  )
  const staking = await deploy(
    encodeDeployData({ abi: stakingAbi, bytecode: stakingBytecode, args: [at(token), at(registry), 10n] }),
  )
  const weights = await deploy(encodeDeployData({ abi: weightsAbi, bytecode: weightsBytecode, args: [at(registry)] }))
  const referee = await deploy(
    encodeDeployData({
      abi: epochRefereeAbi,
      bytecode: epochRefereeBytecode,
      args: [at(registry), at(staking), at(weights)],
    }),
  )
  const epochs = await deploy(
    encodeDeployData({
      abi: epochsAbi,
      bytecode: epochsBytecode,
      args: [
        at(token),
        at(registry),
        at(staking),
        at(referee),
        options.emissionPerBlock,
        options.bond,
        options.challengeBlocks,
      ],
    }),
  )
  const addresses = { token, registry, staking, weights, referee, epochs }
  const rows = new Map<string, Hex>()
  const call: EpochWorld['call'] = async (from, contract, fn, args = []) => {
    const abi = abis[contract] as Abi
    const r = await chain.call(from, addresses[contract], abi, fn, args, { gasLimit: 30_000_000n })
    return { ...r, data: encodeFunctionData({ abi, functionName: fn, args } as never) }
  }
  const must: EpochWorld['must'] = async (from, contract, fn, args = []) => {
    const r = await call(from, contract, fn, args)
    if (!r.ok) throw new Error(`${contract}.${fn} reverted: ${errorName(r.revertData)} ${r.error ?? ''}`)
    return r.result as never
  }
  await must(treasury, 'registry', 'setEpochs', [at(epochs)])
  await must(treasury, 'token', 'grantRole', [keccak256(toHex('MINTER_ROLE')), at(epochs)])
  const addSubnet: EpochWorld['addSubnet'] = async (maxNeurons, subnetParams) => {
    await must(subnetOwner, 'registry', 'createSubnet', ['s', 'image-classification', 'bafkqaaa', maxNeurons, 0n])
    const netuid = (await must(subnetOwner, 'registry', 'subnetCount', [])) as bigint
    const params = await must(subnetOwner, 'registry', 'getSubnetParams', [netuid])
    await must(subnetOwner, 'registry', 'setSubnetParams', [netuid, { ...(params as object), ...subnetParams }])
    return netuid
  }
  await addSubnet(options.maxNeurons, options.subnetParams)
  const tempo = BigInt((options.subnetParams.tempo as number | undefined) ?? 360)
  const rowKey = (netuid: bigint, hotkey: Address) => `${netuid}:${hotkey.toLowerCase()}`
  const salt = keccak256(toHex('salt'))
  /** What each validator committed last, per `netuid:hotkey`, until it reveals. */
  const pending = new Map<string, Hex>()

  const world: EpochWorld = {
    chain,
    addresses,
    call,
    must,
    rows,
    addSubnet,
    async commit(hotkey, w, netuid = 1n) {
      const packed = encodeWeights(w)
      pending.set(rowKey(netuid, hotkey), packed)
      const hash = weightsCommitHash({
        chainId: Number(chain.evm.common.chainId()),
        weightsContract: at(addresses.weights),
        netuid,
        hotkey,
        packed,
        salt,
      })
      await must(hotkey, 'weights', 'commitWeights', [netuid, hash])
    },
    async reveal(hotkey, netuid = 1n) {
      const packed = pending.get(rowKey(netuid, hotkey))
      if (!packed) throw new Error(`${hotkey} has nothing committed in subnet ${netuid}`)
      const r = await call(hotkey, 'weights', 'revealWeights', [netuid, packed, salt])
      if (r.ok) rows.set(rowKey(netuid, hotkey), packed)
      return r
    },
    async setWeights(entries, netuid = 1n, subnetTempo = tempo) {
      for (const { hotkey, weights: w } of entries) await world.commit(hotkey, w, netuid)
      chain.block += subnetTempo
      for (const { hotkey } of entries) {
        const r = await world.reveal(hotkey, netuid)
        if (!r.ok) throw new Error(`revealWeights by ${hotkey} reverted: ${errorName(r.revertData)}`)
      }
    },
    async readState(snapshot, previous, netuid = 1n) {
      const subnet = (await must(subnetOwner, 'registry', 'getSubnet', [netuid])) as { createdAtBlock: bigint }
      // As a node reads it: the uid count and parameters at the snapshot, the emission the contract will fix.
      const [, neurons, p] = (await must(subnetOwner, 'registry', 'epochSettings', [
        netuid,
        previous?.snapshotBlock ?? subnet.createdAtBlock,
      ])) as [bigint, number, Parameters<typeof epochStateOf>[0]['params']]
      const [shareBlocks, emission] = (await must(subnetOwner, 'epochs', 'emissionUntil', [netuid, snapshot])) as [
        bigint,
        bigint,
      ]
      const slots: EpochSlot[] = []
      for (let uid = 0; uid < neurons; uid++) {
        const [hotkey, registeredAt] = (await must(subnetOwner, 'registry', 'neuronAt', [netuid, uid, snapshot])) as [
          Address,
          bigint,
        ]
        if (hotkey === zeroAddress) {
          slots.push({ hotkey: null, registeredAt, stake: 0n })
          continue
        }
        const stake = (await must(subnetOwner, 'staking', 'stakeAt', [netuid, hotkey, snapshot])) as bigint
        const row = (await must(subnetOwner, 'weights', 'rowAt', [netuid, hotkey, snapshot])) as {
          commitBlock: number
          revealBlock: number
          activeUntil: number
        }
        slots.push({
          hotkey,
          registeredAt,
          stake,
          row:
            row.revealBlock > 0
              ? {
                  packed: rows.get(rowKey(netuid, hotkey)) as Hex,
                  commitBlock: BigInt(row.commitBlock),
                  revealBlock: BigInt(row.revealBlock),
                  activeUntil: BigInt(row.activeUntil),
                }
              : undefined,
        })
      }
      return epochStateOf({
        snapshot,
        createdAtBlock: subnet.createdAtBlock,
        params: p,
        slots,
        previous,
        emission: { shareBlocks, emission },
      })
    },
  }
  return world
}

/** Funds `accounts` with MYC from the treasury and approves the staking and epochs contracts. */
export async function fund(world: EpochWorld, accounts: readonly Address[], amount: bigint): Promise<void> {
  for (const who of accounts) {
    await world.must(treasury, 'token', 'transfer', [who, amount])
    await world.must(who, 'token', 'approve', [world.addresses.staking.toString(), maxUint256])
    await world.must(who, 'token', 'approve', [world.addresses.epochs.toString(), maxUint256])
  }
}
