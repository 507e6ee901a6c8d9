/** Action: pay a validator its dividends of a final epoch, through Staking. */
import type { Address } from 'viem'
import { epochsAbi } from '../../contracts.ts'
import { type SettledProposal, validatorIndex } from '../../epochs/claims.ts'
import type { BaseError } from '../../errors/base.ts'
import {
  type WriteClient,
  type WriteContractAndWaitErrorType,
  type WriteContractAndWaitReturnType,
  writeContractAndWait,
} from '../write.ts'

export type ClaimValidatorEmissionParameters = SettledProposal & {
  epochs: Address
  netuid: bigint
  epoch: bigint
  uid: number
}
export type ClaimValidatorEmissionReturnType = WriteContractAndWaitReturnType
/** A {@link BaseError} when `uid` was not a validator of the epoch, before anything is sent. */
export type ClaimValidatorEmissionErrorType = WriteContractAndWaitErrorType | BaseError

/**
 * Pays validator `uid` its dividends of a final epoch, through Staking (take and delegators apply).
 *
 * @example
 * await claimValidatorEmission(wallet, { epochs, netuid: 1n, epoch: 0n, uid: 0, header, proposal })
 */
export function claimValidatorEmission(
  client: WriteClient,
  parameters: ClaimValidatorEmissionParameters,
): Promise<ClaimValidatorEmissionReturnType> {
  const { proposal } = parameters
  const index = validatorIndex(proposal, parameters.uid, parameters.epoch)
  return writeContractAndWait(client, {
    address: parameters.epochs,
    abi: epochsAbi,
    functionName: 'claimValidator',
    args: [parameters.netuid, parameters.epoch, parameters.header, BigInt(index), proposal.inputs, proposal.dividends],
  })
}
