/**
 * Fractional ownership end to end on a real anvil with the real contracts, through the SDK: a creator registers a
 * model with terms in ModelRegistry, a miner buys a license (the mint fee is held by Licenses for the model), a paid
 * split claim in PaymentChannels credits the model's royalty, the creator fractionalizes (the NFT moves to the
 * timelock, the vault becomes the royalty recipient), `vault.collect` pulls from PaymentChannels and Licenses (the
 * IRoyaltySource release path, paying the recipient whoever calls), holders withdraw pro rata, and a holder who bought
 * after a collect gets none of it. A Governor proposal changes the model's minimum price through propose → vote →
 * queue → execute; only the timelock may set terms; a proposal that misses quorum is Defeated and never executes.
 */
import {
  buyLicense,
  type ContractRevertError,
  castVote,
  claimVoucher,
  collectRoyalties,
  DEVNET_GOVERNANCE,
  delegateVotes,
  executeProposal,
  type FractionalizeModelReturnType,
  findUnsettledChannels,
  fractionalizeModel,
  getModel,
  getProposal,
  getWithdrawable,
  type LicenseTerms,
  type MycelAddresses,
  modelRegistryAbi,
  openChannel,
  type ProposalAction,
  proposeGovernance,
  queueProposal,
  registerModel,
  releaseRoyalties,
  royaltiesOf,
  royaltyVaultAbi,
  setModelTerms,
  settleRoyalties,
  signVoucher,
  testUsdAbi,
  toContractTerms,
  withdrawRoyalties,
  writeContractAndWait,
} from '@mycel/sdk'
import { type Address, encodeFunctionData, parseEther } from 'viem'
import { readContract } from 'viem/actions'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { deployTestContracts, startTestChain, type TestChain } from '../../test/helpers/chain.ts'
import { licenseTerms } from './helpers/market.ts'

const USD = 1_000_000n // tUSD has 6 decimals
const SUPPLY = parseEther('1000')
const MINT_FEE = 5n * USD
const PAID = 100_000n // the first claim: 10 % royalty = 10,000

let t: TestChain
let a: MycelAddresses
let usd: Address
let g: FractionalizeModelReturnType
let channelId: bigint
let snap: `0x${string}`

const creator = () => t.wallet(1)
const miner = () => t.wallet(2)
const payer = () => t.wallet(3)
const alice = () => t.wallet(4)
const bob = () => t.wallet(5)
const dave = () => t.wallet(6)

const terms = (over: Partial<LicenseTerms> = {}) => licenseTerms(usd, { mintFee: MINT_FEE, ...over })

const balanceOf = (who: Address) =>
  readContract(t.publicClient, { address: usd, abi: testUsdAbi, functionName: 'balanceOf', args: [who] })
const shares = (from: ReturnType<typeof t.wallet>, to: Address, amount: bigint) =>
  writeContractAndWait(from, { address: g.vault, abi: royaltyVaultAbi, functionName: 'transfer', args: [to, amount] })

async function payAndClaim(cumulative: bigint) {
  const voucher = { channelId, cumulativeAmount: cumulative, cumulativeRequests: 1n, cumulativeUnits: 0n }
  const models = [{ modelId: 1n, cumulativeAmount: cumulative }]
  const domain = { chainId: t.chain.id, paymentChannels: a.paymentChannels }
  const signature = await signVoucher(payer().account as never, domain, { ...voucher, models })
  return claimVoucher(miner(), { paymentChannels: a.paymentChannels, voucher: { ...voucher, models, signature } })
}

/** A proposal's one action: the registry's setTerms of model 1. */
const setTermsOf = (newTerms: LicenseTerms): ProposalAction[] => [
  {
    target: a.modelRegistry,
    data: encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: 'setTerms',
      args: [1n, toContractTerms(newTerms)],
    }),
  },
]

async function revertName(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'should revert').toBeDefined()
  return (error as ContractRevertError).errorName
}

beforeAll(async () => {
  t = await startTestChain()
  a = await deployTestContracts(t)
  usd = a.testUsd as Address
  for (const i of [1, 2, 3]) {
    await writeContractAndWait(t.wallet(0), {
      address: usd,
      abi: testUsdAbi,
      functionName: 'mint',
      args: [t.wallet(i).account.address, 1_000n * USD],
    })
  }
  const { modelId } = await registerModel(creator(), {
    modelRegistry: a.modelRegistry,
    weightsCid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
    cardCid: 'bafkreicard',
    format: 'onnx',
    terms: terms(),
  })
  expect(modelId).toBe(1n)
  await buyLicense(miner(), { licenses: a.licenses, modelId })
  ;({ channelId } = await openChannel(payer(), {
    paymentChannels: a.paymentChannels,
    payee: miner().account.address,
    token: usd,
    amount: 100n * USD,
  }))
  const minerBefore = await balanceOf(miner().account.address)
  await payAndClaim(PAID)
  expect((await balanceOf(miner().account.address)) - minerBefore).toBe(PAID - PAID / 10n)
  // A model channel retains the royalty at the claim and credits it when settled (here by the creator).
  expect(await royaltiesOf(t.publicClient, { source: a.paymentChannels, modelId, token: usd })).toBe(0n)
  const due = await findUnsettledChannels(t.publicClient, {
    paymentChannels: a.paymentChannels,
    modelId,
    fromBlock: 0n,
  })
  expect(due.map((c) => [c.channelId, c.royalties])).toEqual([[channelId, [{ modelId, amount: PAID / 10n }]]])
  const { settled } = await settleRoyalties(creator(), {
    paymentChannels: a.paymentChannels,
    channelIds: due.map((c) => c.channelId),
  })
  expect(settled).toEqual([{ channelId, modelId, amount: PAID, royalties: PAID / 10n }])
  expect(await royaltiesOf(t.publicClient, { source: a.paymentChannels, modelId, token: usd })).toBe(PAID / 10n)
  expect(await royaltiesOf(t.publicClient, { source: a.licenses, modelId, token: usd })).toBe(MINT_FEE)

  g = await fractionalizeModel(creator(), {
    registry: a.modelRegistry,
    modelId,
    name: 'digits shares',
    symbol: 'DIGITS',
    supply: SUPPLY,
    tokens: [usd],
    sources: [a.paymentChannels, a.licenses],
    settings: DEVNET_GOVERNANCE,
  })
}, 120_000)
afterAll(async () => t?.stop())
beforeEach(async () => {
  snap = await t.snapshot()
})
afterEach(async () => t.revert(snap))

describe('fractional ownership on the real registry', () => {
  it('moves the NFT to the timelock and makes the vault the royalty recipient; the wiring verifies', async () => {
    const model = await getModel(t.publicClient, { modelRegistry: a.modelRegistry, modelId: 1n })
    expect(model.owner).toBe(g.timelock)
    expect(model.royaltyRecipient).toBe(g.vault)
    expect(g.governance.sound).toBe(true)
    expect(g.governance.fractionalized).toBe(true)
    // The creator can no longer take the royalties: a release it sends pays the vault.
    const creatorBefore = await balanceOf(creator().account.address)
    const released = await releaseRoyalties(creator(), { source: a.paymentChannels, modelId: 1n, token: usd })
    expect(released.recipient).toBe(g.vault)
    expect(await balanceOf(creator().account.address)).toBe(creatorBefore)
  })

  it('collect pulls from PaymentChannels and Licenses; holders withdraw pro rata; a later buyer gets none of it', async () => {
    const [c, al, b] = [creator(), alice(), bob()].map((w) => w.account.address) as [Address, Address, Address]
    await shares(creator(), al, (SUPPLY * 40n) / 100n) // alice holds 40 % before the collect
    const first = await collectRoyalties(bob(), { vault: g.vault, token: usd }) // anyone may collect
    expect(first.arrived).toBe(MINT_FEE + PAID / 10n)
    expect(await royaltiesOf(t.publicClient, { source: a.paymentChannels, modelId: 1n, token: usd })).toBe(0n)
    expect(await royaltiesOf(t.publicClient, { source: a.licenses, modelId: 1n, token: usd })).toBe(0n)
    expect(await balanceOf(g.vault)).toBe(first.arrived)

    await shares(creator(), b, (SUPPLY * 10n) / 100n) // bob buys after the collect
    const arrived = first.arrived
    expect(await getWithdrawable(t.publicClient, { vault: g.vault, token: usd, account: c })).toBe(
      (arrived * 60n) / 100n,
    )
    expect(await getWithdrawable(t.publicClient, { vault: g.vault, token: usd, account: al })).toBe(
      (arrived * 40n) / 100n,
    )
    expect(await getWithdrawable(t.publicClient, { vault: g.vault, token: usd, account: b })).toBe(0n)
    expect(await revertName(withdrawRoyalties(bob(), { vault: g.vault, token: usd }))).toBe(
      'RoyaltyVaultNothingToWithdraw',
    )

    // A second paid claim: now creator 50 %, alice 40 %, bob 10 %.
    await payAndClaim(PAID * 2n)
    // Its royalty is retained in the channel until settled (anyone may), then the vault collects it.
    await settleRoyalties(alice(), { paymentChannels: a.paymentChannels, channelIds: [channelId] })
    const second = await collectRoyalties(alice(), { vault: g.vault, token: usd })
    expect(second.arrived).toBe(PAID / 10n)
    for (const [wallet, expected] of [
      [creator(), (arrived * 60n) / 100n + (second.arrived * 50n) / 100n],
      [alice(), (arrived * 40n) / 100n + (second.arrived * 40n) / 100n],
      [bob(), (second.arrived * 10n) / 100n],
    ] as const) {
      const before = await balanceOf(wallet.account.address)
      const { amount } = await withdrawRoyalties(wallet, { vault: g.vault, token: usd })
      expect(amount).toBe(expected)
      expect((await balanceOf(wallet.account.address)) - before).toBe(expected)
    }
    expect(await balanceOf(g.vault)).toBe(0n) // every unit collected went out (the amounts divide exactly)
  })

  it('changes the minimum price by propose → vote → queue → execute; only the timelock sets terms', async () => {
    const newTerms = terms({ minPricePerRequest: 2_000n })
    expect(
      await revertName(setModelTerms(creator(), { modelRegistry: a.modelRegistry, modelId: 1n, terms: newTerms })),
    ).toBe('ModelRegistryNotOwner')

    await shares(creator(), alice().account.address, (SUPPLY * 30n) / 100n)
    await delegateVotes(alice(), { vault: g.vault, delegatee: alice().account.address })
    await t.increaseTime(1)
    const actions = setTermsOf(newTerms)
    const description = 'Raise the minimum price of model 1 to 2,000 per request'
    const { proposalId } = await proposeGovernance(alice(), { governor: g.governor, actions, description })
    await t.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1)
    await castVote(alice(), { governor: g.governor, proposalId, support: 'for' })
    // The creator's 70 % against outweighs alice's 30 % for: quorum is met, the majority says no.
    await castVote(creator(), { governor: g.governor, proposalId, support: 'against' })
    await t.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1)
    expect((await getProposal(t.publicClient, { governor: g.governor, proposalId })).state).toBe('Defeated')

    // The same change proposed again, and this time the creator votes for it.
    const description2 = `${description} (again)`
    const { proposalId: id2 } = await proposeGovernance(alice(), {
      governor: g.governor,
      actions,
      description: description2,
    })
    await t.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1)
    await castVote(alice(), { governor: g.governor, proposalId: id2, support: 'for' })
    await castVote(creator(), { governor: g.governor, proposalId: id2, support: 'for' })
    expect(await revertName(castVote(creator(), { governor: g.governor, proposalId: id2, support: 'for' }))).toBe(
      'GovernorAlreadyCastVote',
    )
    expect(await revertName(queueProposal(alice(), { governor: g.governor, actions, description: description2 }))).toBe(
      'GovernorUnexpectedProposalState',
    ) // still Active
    await t.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1)
    await queueProposal(bob(), { governor: g.governor, actions, description: description2 })
    expect(await revertName(executeProposal(bob(), { governor: g.governor, actions, description: description2 }))).toBe(
      'TimelockUnexpectedOperationState',
    ) // the timelock delay has not passed
    await t.increaseTime(DEVNET_GOVERNANCE.timelockDelay + 1)
    await executeProposal(bob(), { governor: g.governor, actions, description: description2 })
    const model = await getModel(t.publicClient, { modelRegistry: a.modelRegistry, modelId: 1n })
    expect(model.terms.minPricePerRequest).toBe(2_000n)
    expect(model.terms.royaltyBps).toBe(1_000)
  })

  it('a proposal that misses quorum is Defeated and never executes', async () => {
    // dave holds 1 share of 1,000 (0.1 %, below the 4 % quorum) and is the only voter.
    await shares(creator(), dave().account.address, parseEther('1'))
    await delegateVotes(dave(), { vault: g.vault, delegatee: dave().account.address })
    await t.increaseTime(1)
    const actions = setTermsOf(terms({ minPricePerRequest: 1n }))
    const description = 'Price model 1 at 1 unit'
    const { proposalId } = await proposeGovernance(dave(), { governor: g.governor, actions, description })
    await t.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1)
    await castVote(dave(), { governor: g.governor, proposalId, support: 'for' })
    await t.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1)
    const proposal = await getProposal(t.publicClient, { governor: g.governor, proposalId })
    expect(proposal.state).toBe('Defeated')
    expect(proposal.votes.for).toBe(parseEther('1'))
    expect(proposal.quorum).toBe((SUPPLY * 4n) / 100n)
    expect(await revertName(queueProposal(dave(), { governor: g.governor, actions, description }))).toBe(
      'GovernorUnexpectedProposalState',
    )
    expect(await revertName(executeProposal(dave(), { governor: g.governor, actions, description }))).toBe(
      'GovernorUnexpectedProposalState',
    )
    const model = await getModel(t.publicClient, { modelRegistry: a.modelRegistry, modelId: 1n })
    expect(model.terms.minPricePerRequest).toBe(1_000n)
  })
})
