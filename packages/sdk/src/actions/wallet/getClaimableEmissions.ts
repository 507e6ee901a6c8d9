/**
 * What an account can claim of the network's emission, in one place so a change in how emission is paid changes
 * one function. Today emission reaches an account in two ways: a miner's share is minted straight to its hotkey
 * when anyone claims it (so it shows in the MYC balance), and a validator's dividends are paid into Staking, where
 * they wait, per stake position, until claimed with `Staking.claimRewards(netuid, hotkey)`: the validator's take
 * and its own stake's share on its hotkey's position, a delegator's share on its own. This reads the latter.
 */
import type { Client, GetContractEventsErrorType, ReadContractErrorType } from 'viem'
import { getContractEvents, readContract } from 'viem/actions'
import { stakingAbi } from '../../contracts.ts'

type Address = `0x${string}`

export type ClaimableEmission = { netuid: number; hotkey: Address; amount: bigint }

export type GetClaimableEmissionsParameters = {
  staking: Address
  account: Address
  /** First block to search for the account's positions (default 0: the deployment block is cheaper). */
  fromBlock?: bigint
}
export type GetClaimableEmissionsReturnType = ClaimableEmission[]
export type GetClaimableEmissionsErrorType = GetContractEventsErrorType | ReadContractErrorType

/**
 * Rewards waiting in Staking for `account`, per position with something to claim, largest first.
 *
 * @example
 * const claimable = await getClaimableEmissions(client, { staking, account: '0x…' })
 * const total = claimable.reduce((sum, c) => sum + c.amount, 0n)
 */
export async function getClaimableEmissions(
  client: Client,
  { staking, account, fromBlock = 0n }: GetClaimableEmissionsParameters,
): Promise<GetClaimableEmissionsReturnType> {
  // Positions: where the account staked, and where it is the hotkey dividends were paid to (its take).
  const [staked, paidTo] = await Promise.all([
    getContractEvents(client, {
      address: staking,
      abi: stakingAbi,
      eventName: 'Staked',
      args: { staker: account },
      fromBlock,
    }),
    getContractEvents(client, {
      address: staking,
      abi: stakingAbi,
      eventName: 'RewardsDistributed',
      args: { hotkey: account },
      fromBlock,
    }),
  ])
  const positions = new Map<string, { netuid: bigint; hotkey: Address }>()
  for (const log of [...staked, ...paidTo]) {
    const { netuid, hotkey } = log.args as { netuid: bigint; hotkey: Address }
    positions.set(`${netuid}:${hotkey.toLowerCase()}`, { netuid, hotkey })
  }
  const out: ClaimableEmission[] = []
  for (const { netuid, hotkey } of positions.values()) {
    const amount = await readContract(client, {
      address: staking,
      abi: stakingAbi,
      functionName: 'pendingRewards',
      args: [netuid, hotkey, account],
    })
    if (amount > 0n) out.push({ netuid: Number(netuid), hotkey, amount })
  }
  return out.sort((a, b) => (a.amount > b.amount ? -1 : a.amount < b.amount ? 1 : 0))
}
