/**
 * Governance of a fractionalized model from the dashboard, through the node API (`POST /api/models/:id/governance/
 * {delegate,propose,vote,queue,execute}`): the node signs with a key it holds — on the devnet any of the devnet
 * accounts 0–9 (`account` in the body), elsewhere only the node's own key — so the dashboard never holds one.
 *
 * The proposal offered is the one a share holder most wants: the model's minimum price per request
 * (`ModelRegistry.setTerms` with the new price and every other term unchanged). Queue and execute take only the
 * proposal id: its actions and description come from its ProposalCreated event (markets/marketLogs.ts). Bodies are
 * checked with zod; a transaction the chain refuses is a 409 naming the revert.
 */
import {
  BaseError,
  castVote,
  delegateVotes,
  executeProposal,
  getModel,
  modelRegistryAbi,
  type ProposalAction,
  proposeGovernance,
  queueProposal,
  toContractTerms,
  type WriteClient,
} from '@mycel/sdk'
import { type Address, encodeFunctionData } from 'viem'
import { z } from 'zod'
import type { Catalog } from './catalog.ts'
import {
  GovernanceRejectedError,
  InvalidGovernanceRequestError,
  NotFractionalizedError,
  UnknownModelError,
  UnknownProposalError,
} from './errors.ts'

const account = z.number().int().min(0).max(9).optional()
const proposalId = z.string().regex(/^\d{1,78}$/, 'a decimal proposal id')
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address')

export const governanceBodies = {
  delegate: z.strictObject({ account, delegatee: address.optional() }),
  propose: z.strictObject({
    account,
    minPricePerRequest: z.string().regex(/^\d{1,29}$/, 'a whole number of token units (uint96)'),
    description: z.string().min(1).max(1000).optional(),
  }),
  vote: z.strictObject({
    account,
    proposalId,
    support: z.enum(['for', 'against', 'abstain']),
    reason: z.string().max(1000).optional(),
  }),
  queue: z.strictObject({ account, proposalId }),
  execute: z.strictObject({ account, proposalId }),
} as const
export type GovernanceAction = keyof typeof governanceBodies
export const governanceActions = Object.keys(governanceBodies) as GovernanceAction[]

export type GovernanceResult = { action: GovernanceAction; tx: `0x${string}`; signer: Address } & Record<
  string,
  unknown
>

export type ModelGovernanceWriter = {
  run: (modelId: bigint, action: GovernanceAction, body: unknown) => Promise<GovernanceResult>
}

const MAX_UINT96 = 2n ** 96n - 1n

/**
 * `walletOf(account)`: the wallet signing for `account` (a devnet account index, or undefined for the node's own
 * key); it throws SignerNotAllowedError for an account it may not sign with.
 */
export function createGovernanceWriter(
  catalog: Catalog,
  { modelRegistry, walletOf }: { modelRegistry: Address; walletOf: (account: number | undefined) => WriteClient },
): ModelGovernanceWriter {
  const governed = async (modelId: bigint) => {
    const g = await catalog.governance(modelId)
    if (g) return g
    await catalog.get(modelId) // UnknownModelError for a model that does not exist
    throw new NotFractionalizedError(modelId)
  }
  const actionsOf = async (modelId: bigint, id: string) => {
    const p = await catalog.proposal(modelId, BigInt(id))
    if (!p) throw new UnknownProposalError(modelId, id)
    const actions: ProposalAction[] = p.targets.map((target, i) => ({
      target,
      value: p.values[i] ?? 0n,
      data: p.calldatas[i] ?? '0x',
    }))
    return { actions, description: p.description }
  }

  return {
    async run(modelId, action, raw) {
      const parsed = governanceBodies[action].safeParse(raw ?? {})
      if (!parsed.success) {
        throw new InvalidGovernanceRequestError(
          parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        )
      }
      const body = parsed.data as Record<string, unknown> & { account?: number }
      const g = await governed(modelId)
      const wallet = walletOf(body.account)
      const signer = wallet.account.address
      try {
        switch (action) {
          case 'delegate': {
            const delegatee = (body.delegatee as Address | undefined) ?? signer
            const { hash } = await delegateVotes(wallet, { vault: g.vault, delegatee })
            return { action, tx: hash, signer, delegatee }
          }
          case 'propose': {
            const price = BigInt(body.minPricePerRequest as string)
            if (price > MAX_UINT96) throw new InvalidGovernanceRequestError('minPricePerRequest: above uint96')
            const model = await getModel(wallet, { modelRegistry, modelId }).catch(() => {
              throw new UnknownModelError(modelId)
            })
            if (!model.terms.hasTerms)
              throw new InvalidGovernanceRequestError(`model ${modelId} has no terms to change`)
            const { hasTerms: _, ...terms } = model.terms
            const data = encodeFunctionData({
              abi: modelRegistryAbi,
              functionName: 'setTerms',
              args: [modelId, toContractTerms({ ...terms, minPricePerRequest: price })],
            })
            const description =
              (body.description as string | undefined) ??
              `Set model ${modelId}'s minimum price per request to ${price} (proposed ${new Date().toISOString()})`
            const { hash, proposalId: id } = await proposeGovernance(wallet, {
              governor: g.governor,
              actions: [{ target: modelRegistry, data }],
              description,
            })
            return { action, tx: hash, signer, proposalId: `${id}`, description }
          }
          case 'vote': {
            const { hash, weight } = await castVote(wallet, {
              governor: g.governor,
              proposalId: BigInt(body.proposalId as string),
              support: body.support as 'for' | 'against' | 'abstain',
              ...(body.reason === undefined ? {} : { reason: body.reason as string }),
            })
            return { action, tx: hash, signer, weight: `${weight}` }
          }
          case 'queue':
          case 'execute': {
            const id = body.proposalId as string
            const { actions, description } = await actionsOf(modelId, id)
            const run = action === 'queue' ? queueProposal : executeProposal
            const { hash } = await run(wallet, { governor: g.governor, actions, description })
            return { action, tx: hash, signer, proposalId: id }
          }
        }
      } catch (error) {
        // Reverts (and the SDK's other named errors) are the chain refusing the request as it stands: a 409.
        if (error instanceof BaseError && !(error as { httpStatus?: number }).httpStatus) {
          throw new GovernanceRejectedError(action, error.shortMessage)
        }
        throw error
      } finally {
        catalog.invalidate()
      }
    },
  }
}
