/** Errors of the model-governance actions, each naming what was wrong. */
import type { Address } from 'viem'
import { BaseError } from '../errors/base.ts'

/** The vault / governor / timelock of a model are not wired as fractionalization promises. */
export class ModelGovernanceUnsoundError extends BaseError {
  override name = 'ModelGovernanceUnsoundError' as const
  readonly governor: Address
  readonly problems: readonly string[]
  constructor({ governor, problems }: { governor: Address; problems: readonly string[] }) {
    super(`The governance of ${governor} is not sound: ${problems.join(' ')}`, {
      docsPath: 'models-market.md#fractional-ownership-and-governance',
    })
    this.governor = governor
    this.problems = problems
  }
}

/** A contract creation did not produce a contract. */
export class GovernanceDeploymentError extends BaseError {
  override name = 'GovernanceDeploymentError' as const
  readonly contract: string
  readonly hash: `0x${string}`
  constructor({ contract, hash }: { contract: string; hash: `0x${string}` }) {
    super(`Deploying ${contract} failed (transaction ${hash} created no contract).`)
    this.contract = contract
    this.hash = hash
  }
}

/** A governance parameter is out of range. */
export class InvalidGovernanceParameterError extends BaseError {
  override name = 'InvalidGovernanceParameterError' as const
  readonly parameter: string
  readonly value: unknown
  constructor({ parameter, value, expected }: { parameter: string; value: unknown; expected: string }) {
    super(`Governance parameter ${parameter} = ${String(value)} is not valid: ${expected}.`)
    this.parameter = parameter
    this.value = value
  }
}

/** The client's account does not own the model it asked to fractionalize. */
export class ModelNotOwnedError extends BaseError {
  override name = 'ModelNotOwnedError' as const
  readonly modelId: bigint
  readonly owner: Address
  readonly caller: Address
  constructor({ modelId, owner, caller }: { modelId: bigint; owner: Address; caller: Address }) {
    super(`Model ${modelId} is owned by ${owner}, not by ${caller}: only its owner can fractionalize it.`)
    this.modelId = modelId
    this.owner = owner
    this.caller = caller
  }
}
