/**
 * Typed actions over Staking and the subnet parameters: stake (approving MYC first when needed), unstake, withdraw
 * unlocked stake, read a hotkey's stake; read and set a subnet's consensus parameters. Each write simulates first,
 * so a revert comes back as a readable error.
 */
import type { Client } from 'viem'
import { readContract } from 'viem/actions'
import { stakingAbi, subnetRegistryAbi } from '../../contracts.ts'
import { ensureAllowance, type WriteClient, writeContractAndWait } from '../write.ts'

type Address = `0x${string}`

export type SubnetParams = {
  tempo: number
  kappa: number
  bondsPenalty: number
  bondsMovingAverage: number
  yuma3: boolean
  liquidAlpha: boolean
  alphaLow: number
  alphaHigh: number
  alphaSigmoidSteepness: number
  commitRevealPeriod: number
  weightsRateLimit: number
  maxValidators: number
  immunityPeriod: number
  activityCutoff: number
}

/**
 * Stakes `amount` MYC of the client's account on `hotkey` in `netuid` (approving the Staking contract first when the
 * allowance is short).
 *
 * @example
 * await stake(wallet, { staking, netuid: 1n, hotkey: validator, amount: parseEther('100') })
 */
export async function stake(
  client: WriteClient,
  parameters: { staking: Address; netuid: bigint; hotkey: Address; amount: bigint },
) {
  const token = await readContract(client, { address: parameters.staking, abi: stakingAbi, functionName: 'token' })
  await ensureAllowance(client, token, parameters.staking, parameters.amount)
  return writeContractAndWait(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'stake',
    args: [parameters.netuid, parameters.hotkey, parameters.amount],
  })
}

/** Removes `amount` of the client's stake on `hotkey`; the tokens unlock after the cooldown ({@link withdrawStake}). */
export async function unstake(
  client: WriteClient,
  parameters: { staking: Address; netuid: bigint; hotkey: Address; amount: bigint },
) {
  return writeContractAndWait(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'unstake',
    args: [parameters.netuid, parameters.hotkey, parameters.amount],
  })
}

/** Sends the client every unstaked amount whose cooldown has passed. */
export async function withdrawStake(client: WriteClient, parameters: { staking: Address }) {
  return writeContractAndWait(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'withdraw',
    args: [],
  })
}

/** A hotkey's total stake in a subnet, and `staker`'s part of it. */
export async function getStake(
  client: Client,
  parameters: { staking: Address; netuid: bigint; hotkey: Address; staker?: Address },
): Promise<{ total: bigint; own: bigint }> {
  const total = await readContract(client, {
    address: parameters.staking,
    abi: stakingAbi,
    functionName: 'stakeOf',
    args: [parameters.netuid, parameters.hotkey],
  })
  const own = parameters.staker
    ? await readContract(client, {
        address: parameters.staking,
        abi: stakingAbi,
        functionName: 'positionOf',
        args: [parameters.netuid, parameters.hotkey, parameters.staker],
      })
    : 0n
  return { total, own }
}

/** A subnet's consensus parameters. */
export async function getSubnetParams(
  client: Client,
  parameters: { registry: Address; netuid: bigint },
): Promise<SubnetParams> {
  return readContract(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'getSubnetParams',
    args: [parameters.netuid],
  })
}

/** Sets a subnet's consensus parameters (the subnet owner only; the contract checks every bound). */
export async function setSubnetParams(
  client: WriteClient,
  parameters: { registry: Address; netuid: bigint; params: SubnetParams },
) {
  return writeContractAndWait(client, {
    address: parameters.registry,
    abi: subnetRegistryAbi,
    functionName: 'setSubnetParams',
    args: [parameters.netuid, parameters.params],
  })
}
