/**
 * A model's governance on a real anvil through the SDK: deployModelGovernance wires vault, timelock and governor and
 * getModelGovernance verifies it (and flags a wiring that leaves a proposer or an admin behind); a proposal goes
 * propose → vote → queue → execute and the timelock makes an owner-only call no one else can; a proposal that
 * misses quorum is Defeated and can be neither queued nor executed; votes are counted at the proposal's snapshot
 * (delegation and transfers after it do not count). Proposal ids and timelock operation ids computed by the SDK
 * equal the contracts'.
 */
import {
  CANCELLER_ROLE,
  ContractRevertError,
  castVote,
  DEFAULT_ADMIN_ROLE,
  DEVNET_GOVERNANCE,
  delegateVotes,
  deployModelGovernance,
  EXECUTOR_ROLE,
  executeProposal,
  getModelGovernance,
  getProposal,
  hashDescription,
  hashProposal,
  InvalidGovernanceParameterError,
  modelGovernorAbi,
  modelGovernorBytecode,
  modelGovernorTimelockAbi,
  modelGovernorTimelockBytecode,
  PROPOSER_ROLE,
  type ProposalAction,
  proposeGovernance,
  queueProposal,
  royaltyVaultAbi,
  testUsdAbi,
  testUsdBytecode,
  timelockOperationId,
  writeContractAndWait,
} from '@mycel/sdk'
import fc from 'fast-check'
import { type Address, encodeFunctionData, getAddress, parseEther, zeroAddress } from 'viem'
import { deployContract, getCode, readContract, waitForTransactionReceipt } from 'viem/actions'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../../test/helpers/chain.ts'
import { testContract } from './helpers/testContracts.ts'

const SUPPLY = parseEther('1000000')
const USD = 1_000_000n
let t: TestChain
let nft: Address
let snap: `0x${string}`

const creator = () => t.wallet(1)
const alice = () => t.wallet(2)
const bob = () => t.wallet(3)

async function deploy(abi: never, bytecode: `0x${string}`, args: unknown[], index = 0): Promise<Address> {
  const wallet = t.wallet(index)
  const hash = await deployContract(wallet, {
    abi,
    bytecode,
    args: args as never,
    account: wallet.account,
    chain: t.chain,
  })
  const receipt = await waitForTransactionReceipt(t.publicClient, { hash })
  if (!receipt.contractAddress) throw new Error('no contract created')
  return getAddress(receipt.contractAddress)
}

beforeAll(async () => {
  t = await startTestChain()
  const model = testContract('TestModelNft')
  nft = await deploy(model.abi as never, model.bytecode, [])
  await writeContractAndWait(t.wallet(0), {
    address: nft,
    abi: model.abi,
    functionName: 'mint',
    args: [creator().account.address, 1n],
  } as never)
})
afterAll(async () => t?.stop())
beforeEach(async () => {
  snap = await t.snapshot()
})
afterEach(async () => t.revert(snap))

async function revertName(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ContractRevertError)
  return (error as ContractRevertError).errorName
}

/** Deploys governance for model 1 held by the creator, and a TestUSD it owns handed to the timelock. */
async function governed(settings = DEVNET_GOVERNANCE) {
  const usd = await deploy(testUsdAbi as never, testUsdBytecode, [creator().account.address], 1)
  const d = await deployModelGovernance(creator(), {
    registry: nft,
    modelId: 1n,
    name: 'digits shares',
    symbol: 'DIGITS',
    supply: SUPPLY,
    tokens: [usd],
    settings,
  })
  await writeContractAndWait(creator(), {
    address: usd,
    abi: testUsdAbi,
    functionName: 'transferOwnership',
    args: [d.timelock],
  })
  return { ...d, usd }
}

const mintAction = (usd: Address, to: Address, amount: bigint): ProposalAction => ({
  target: usd,
  data: encodeFunctionData({ abi: testUsdAbi, functionName: 'mint', args: [to, amount] }),
})

describe('deployModelGovernance / getModelGovernance', () => {
  it('deploys, wires and verifies the trio; each contract is below the 24,576-byte limit', async () => {
    const d = await governed()
    expect(d.governance.problems).toEqual([])
    expect(d.governance.sound).toBe(true)
    expect(d.governance.vault).toBe(d.vault)
    expect(d.governance.timelock).toBe(d.timelock)
    expect(d.governance.modelId).toBe(1n)
    expect(d.governance.fractionalized).toBe(false) // the registry call is fractionalizeModel's second half
    expect(d.governance.modelOwner).toBe(creator().account.address)
    expect(d.governance.settings).toMatchObject({
      clockMode: 'mode=timestamp',
      votingDelay: 1n,
      votingPeriod: 300n,
      quorumPercent: 4n,
      timelockDelay: 60n,
    })
    expect(d.governance.shares).toMatchObject({ symbol: 'DIGITS', totalSupply: SUPPLY, tokens: [d.usd] })
    const role = (r: `0x${string}`, who: Address) =>
      readContract(t.publicClient, {
        address: d.timelock,
        abi: modelGovernorTimelockAbi,
        functionName: 'hasRole',
        args: [r, who],
      })
    const me = creator().account.address
    expect(await role(PROPOSER_ROLE, d.governor)).toBe(true)
    expect(await role(CANCELLER_ROLE, d.governor)).toBe(true)
    expect(await role(EXECUTOR_ROLE, zeroAddress)).toBe(true)
    expect(await role(DEFAULT_ADMIN_ROLE, me)).toBe(false)
    expect(await role(DEFAULT_ADMIN_ROLE, d.timelock)).toBe(true)
    const sizes: Record<string, number> = {}
    for (const [name, address] of Object.entries({ vault: d.vault, governor: d.governor, timelock: d.timelock })) {
      const code = await getCode(t.publicClient, { address })
      sizes[name] = ((code?.length ?? 2) - 2) / 2
      expect(sizes[name]).toBeLessThan(24_576)
    }
    console.info(`deployed sizes (bytes): ${JSON.stringify(sizes)}; deployment gas in all: ${d.gasUsed}`)
  })

  it('reports a timelock that kept its deployer as admin and proposer, and a governor of another token', async () => {
    const me = creator().account.address
    const d = await governed()
    // A look-alike: same code, but the deployer stays admin and proposer.
    const timelock = await deploy(
      modelGovernorTimelockAbi as never,
      modelGovernorTimelockBytecode,
      [60n, [me], [zeroAddress], me],
      1,
    )
    const governor = await deploy(
      modelGovernorAbi as never,
      modelGovernorBytecode,
      ['bad', d.vault, timelock, 1, 300, 0n, 4n],
      1,
    )
    const report = await getModelGovernance(t.publicClient, { governor, modelId: 2n })
    expect(report.sound).toBe(false)
    expect(report.problems).toEqual([
      `The timelock's proposers are ${me.toLowerCase()}; only the governor ${governor} may be.`,
      `The timelock's cancellers are ${me.toLowerCase()}; only the governor ${governor} may be.`,
      `The timelock's admins are ${timelock.toLowerCase()}, ${me.toLowerCase()}; only the timelock itself may be (the deployer must renounce).`,
      'The vault belongs to model 1, not to model 2.',
    ])
    // A governor counting the votes of something other than a RoyaltyVault (here the TestUSD).
    const other = await deploy(
      modelGovernorAbi as never,
      modelGovernorBytecode,
      ['bad', d.usd, d.timelock, 1, 300, 0n, 4n],
      1,
    )
    await expect(getModelGovernance(t.publicClient, { governor: other })).rejects.toThrow()
  })

  it('rejects out-of-range parameters before sending anything', async () => {
    const base = { registry: nft, modelId: 1n, name: 'x', symbol: 'X', supply: SUPPLY, tokens: [] }
    await expect(
      deployModelGovernance(creator(), { ...base, settings: { ...DEVNET_GOVERNANCE, quorumPercent: 0 } }),
    ).rejects.toThrow(InvalidGovernanceParameterError)
    await expect(deployModelGovernance(creator(), { ...base, supply: 0n })).rejects.toThrow(
      'Governance parameter supply = 0 is not valid: a positive number of shares.',
    )
  })
})

describe('ModelGovernor', () => {
  it('propose → vote → queue → execute: the timelock mints on a token it owns, which no one else can', async () => {
    const d = await governed()
    await writeContractAndWait(creator(), {
      address: d.vault,
      abi: royaltyVaultAbi,
      functionName: 'transfer',
      args: [alice().account.address, (SUPPLY * 3n) / 10n],
    })
    await delegateVotes(alice(), { vault: d.vault, delegatee: alice().account.address })
    await t.increaseTime(1)
    const actions = [mintAction(d.usd, bob().account.address, 5n * USD)]
    const description = 'Mint 5 tUSD to bob'
    const { proposalId } = await proposeGovernance(alice(), { governor: d.governor, actions, description })
    expect(proposalId).toBe(hashProposal(actions, description))
    expect((await getProposal(t.publicClient, { governor: d.governor, proposalId })).state).toBe('Pending')
    await t.increaseTime(2)
    expect((await castVote(creator(), { governor: d.governor, proposalId, support: 'for' })).weight).toBe(
      (SUPPLY * 7n) / 10n,
    )
    await castVote(alice(), { governor: d.governor, proposalId, support: 'against', reason: 'too generous' })
    let p = await getProposal(t.publicClient, { governor: d.governor, proposalId })
    expect(p).toMatchObject({ state: 'Active', votes: { for: (SUPPLY * 7n) / 10n, against: (SUPPLY * 3n) / 10n } })
    expect(p.quorum).toBe((SUPPLY * 4n) / 100n)
    // Executing before the vote ends or before queueing is refused.
    expect(await revertName(executeProposal(bob(), { governor: d.governor, actions, description }))).toBe(
      'GovernorUnexpectedProposalState',
    )
    await t.increaseTime(301)
    expect((await getProposal(t.publicClient, { governor: d.governor, proposalId })).state).toBe('Succeeded')
    await queueProposal(bob(), { governor: d.governor, actions, description })
    const operation = timelockOperationId(d.governor, actions, description)
    expect(
      await readContract(t.publicClient, {
        address: d.timelock,
        abi: modelGovernorTimelockAbi,
        functionName: 'isOperationPending',
        args: [operation],
      }),
    ).toBe(true)
    expect(await revertName(executeProposal(bob(), { governor: d.governor, actions, description }))).toBe(
      'TimelockUnexpectedOperationState',
    )
    await t.increaseTime(61)
    await executeProposal(bob(), { governor: d.governor, actions, description })
    p = await getProposal(t.publicClient, { governor: d.governor, proposalId })
    expect(p.state).toBe('Executed')
    const balance = await readContract(t.publicClient, {
      address: d.usd,
      abi: testUsdAbi,
      functionName: 'balanceOf',
      args: [bob().account.address],
    })
    expect(balance).toBe(5n * USD)
    // The former owner and the share holders cannot make the owner's call, nor schedule one on the timelock.
    expect(
      await revertName(
        writeContractAndWait(creator(), {
          address: d.usd,
          abi: testUsdAbi,
          functionName: 'mint',
          args: [creator().account.address, 1n],
        }),
      ),
    ).toBe('OwnableUnauthorizedAccount')
    const [action] = actions as [ProposalAction]
    expect(
      await revertName(
        writeContractAndWait(creator(), {
          address: d.timelock,
          abi: modelGovernorTimelockAbi,
          functionName: 'schedule',
          args: [action.target, 0n, action.data, `0x${'00'.repeat(32)}`, `0x${'11'.repeat(32)}`, 60n],
        }),
      ),
    ).toBe('AccessControlUnauthorizedAccount')
  })

  it('a proposal that misses quorum is Defeated and can be neither queued nor executed', async () => {
    const d = await governed()
    // Bob gets 99 % and never delegates: only the creator's 1 % votes, below the 4 % quorum.
    await writeContractAndWait(creator(), {
      address: d.vault,
      abi: royaltyVaultAbi,
      functionName: 'transfer',
      args: [bob().account.address, (SUPPLY * 99n) / 100n],
    })
    await t.increaseTime(1)
    const actions = [mintAction(d.usd, creator().account.address, 1_000n * USD)]
    const description = 'Mint 1000 tUSD to me'
    const { proposalId } = await proposeGovernance(creator(), { governor: d.governor, actions, description })
    await t.increaseTime(2)
    await castVote(creator(), { governor: d.governor, proposalId, support: 'for' })
    await t.increaseTime(301)
    const p = await getProposal(t.publicClient, { governor: d.governor, proposalId })
    expect(p).toMatchObject({ state: 'Defeated', votes: { for: SUPPLY / 100n, against: 0n } })
    expect(p.quorum).toBe((SUPPLY * 4n) / 100n)
    expect(await revertName(queueProposal(creator(), { governor: d.governor, actions, description }))).toBe(
      'GovernorUnexpectedProposalState',
    )
    await t.increaseTime(61)
    expect(await revertName(executeProposal(creator(), { governor: d.governor, actions, description }))).toBe(
      'GovernorUnexpectedProposalState',
    )
    const balance = await readContract(t.publicClient, {
      address: d.usd,
      abi: testUsdAbi,
      functionName: 'balanceOf',
      args: [creator().account.address],
    })
    expect(balance).toBe(0n)
  })

  it('counts votes at the snapshot: shares moved and delegated after it do not vote on it', async () => {
    const d = await governed()
    const actions = [mintAction(d.usd, alice().account.address, USD)]
    await t.increaseTime(1)
    const { proposalId } = await proposeGovernance(creator(), { governor: d.governor, actions, description: 'a' })
    await t.increaseTime(2)
    await writeContractAndWait(creator(), {
      address: d.vault,
      abi: royaltyVaultAbi,
      functionName: 'transfer',
      args: [alice().account.address, (SUPPLY * 6n) / 10n],
    })
    await delegateVotes(alice(), { vault: d.vault, delegatee: alice().account.address })
    expect((await castVote(alice(), { governor: d.governor, proposalId, support: 'against' })).weight).toBe(0n)
    expect((await castVote(creator(), { governor: d.governor, proposalId, support: 'for' })).weight).toBe(SUPPLY)
    // A proposal made now sees the new holdings.
    await t.increaseTime(1)
    const second = await proposeGovernance(creator(), { governor: d.governor, actions, description: 'b' })
    await t.increaseTime(2)
    const weight = await castVote(alice(), { governor: d.governor, proposalId: second.proposalId, support: 'for' })
    expect(weight.weight).toBe((SUPPLY * 6n) / 10n)
    expect(await revertName(castVote(alice(), { governor: d.governor, proposalId, support: 'for' }))).toBe(
      'GovernorAlreadyCastVote',
    )
  })

  it('property: the SDK hashes proposals exactly as the governor does', async () => {
    const d = await governed()
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${Buffer.from(b).toString('hex')}`)
    const action = fc.record({
      target: address,
      value: fc.bigInt({ min: 0n, max: 2n ** 128n }),
      data: fc.uint8Array({ maxLength: 100 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as `0x${string}`),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 4 }), fc.string(), async (actions, description) => {
        const onChain = await readContract(t.publicClient, {
          address: d.governor,
          abi: modelGovernorAbi,
          functionName: 'hashProposal',
          args: [
            actions.map((a) => a.target as Address),
            actions.map((a) => a.value),
            actions.map((a) => a.data),
            hashDescription(description),
          ],
        })
        expect(hashProposal(actions as ProposalAction[], description)).toBe(onChain)
      }),
      { numRuns: 60 },
    )
  })
})
