/**
 * Attacks on the model market (issue #14), each performed on the real compiled contracts (in-process EVM) by someone
 * who read them: anyone may call any external function, in any order. Each test failed on the contracts before its
 * fix and passes on the fixed ones; the test says what the attacker got before. Findings in PaymentChannels and
 * Licenses (not fixed here) are described call by call in attacks.pending.md.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  licensesAbi,
  modelGovernorAbi,
  modelGovernorBytecode,
  modelGovernorTimelockAbi,
  modelGovernorTimelockBytecode,
  modelRegistryAbi,
  paymentChannelsAbi,
  royaltyVaultAbi,
  royaltyVaultBytecode,
  toContractTerms,
} from '@mycel/sdk'
import {
  type Abi,
  type Address,
  decodeErrorResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
} from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { admin, defaultTerms, deployMarket, type Market } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c') // root model's owner
const bob = getAddress('0x0000000000000000000000000000000000000b0b') // derivative author, then attacker
const miner = getAddress('0x00000000000000000000000000000000000000f1') // payee
const griefer = getAddress('0x00000000000000000000000000000000000000e5') // small shareholder

let m: Market
beforeEach(async () => {
  m = await deployMarket()
  for (const who of [alice, bob, miner, griefer]) await m.mint(who, 10n ** 12n)
})

const royaltiesOf = async (id: bigint) =>
  (await m.must(alice, m.pc, paymentChannelsAbi, 'royaltiesOf', [id, m.usd.toString()])) as bigint

describe('ModelRegistry: a derivative cannot drop the terms that pay its ancestors', () => {
  it('registering a derivative without terms (served with plain vouchers, paying no route) is refused', async () => {
    const root = await m.register(alice, [], { royaltyBps: 1_000 })
    await m.buy(bob, root)
    // Before the fix this registered: miners then served the derivative with plain vouchers (a model without terms
    // needs no license and takes no split), so the root's owner was never paid for any request to it.
    const attempt = await m.fails(bob, m.registry, modelRegistryAbi, 'register', [
      'bafkreiweights-finetuned',
      'bafkreicard',
      'onnx',
      [root],
      toContractTerms(undefined),
    ])
    expect(attempt).toEqual({ errorName: 'ModelRegistryDerivativeNeedsTerms', args: [2n, 1_000n] })
    // A model whose ancestors take nothing (no terms anywhere up the line) may still go without terms.
    const free = await m.register(alice, [], null)
    const freeChild = await m.register(bob, [free], null)
    expect(
      (await m.must(bob, m.registry, modelRegistryAbi, 'termsOf', [freeChild])) as { hasTerms: boolean },
    ).toMatchObject({ hasTerms: false })
  })

  it('dropping a derivative’s terms later (its owner, or its governance) is refused; the root keeps being paid', async () => {
    const root = await m.register(alice, [], { royaltyBps: 1_000 })
    await m.buy(bob, root)
    const child = await m.register(bob, [root], { royaltyBps: 0 })
    await m.buy(miner, child)
    // Before the fix bob could set `hasTerms: false` once the derivative was popular: every later request was paid
    // with plain vouchers and the root's 10 % of it vanished.
    const drop = await m.fails(bob, m.registry, modelRegistryAbi, 'setTerms', [child, toContractTerms(undefined)])
    expect(drop).toEqual({ errorName: 'ModelRegistryDerivativeNeedsTerms', args: [child, 1_000n] })
    // Terms that still exist may change (own royalty 0 here); the route still pays the root.
    await m.must(bob, m.registry, modelRegistryAbi, 'setTerms', [
      child,
      defaultTerms(m.usd.toString(), { royaltyBps: 0 }),
    ])
    const channel = await m.open(miner, 1_000_000n)
    const voucher = await m.voucher(channel, 10_000n, [{ modelId: child, cumulativeAmount: 10_000n }])
    await m.must(miner, m.pc, paymentChannelsAbi, 'claim', [voucher])
    await m.settle(channel)
    expect(await royaltiesOf(root)).toBe(1_000n)
    expect(await royaltiesOf(child)).toBe(0n)
  })
})

describe('Licenses: a license stays with the server that bought it (audit P1-P3)', () => {
  it('the model owner cannot push a 90 % license onto a payee right before its claim', async () => {
    const id = await m.register(alice, [], { royaltyBps: 500, licenseDuration: 1_000n })
    await m.buy(miner, id) // the miner's own license, 5 %
    // alice mints herself a perpetual 90 % license, then puts the terms back.
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [
      id,
      defaultTerms(m.usd.toString(), { royaltyBps: 9_000, licenseDuration: 0n }),
    ])
    const evil = await m.buy(alice, id)
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [
      id,
      defaultTerms(m.usd.toString(), { royaltyBps: 500, licenseDuration: 1_000n }),
    ])
    // Before the fix the transfer made `evil` the miner's active license: its claim then credited 9,000 of 10,000
    // to alice's model instead of 500.
    expect(await m.fails(alice, m.licenses, licensesAbi, 'transferFrom', [alice, miner, evil])).toEqual({
      errorName: 'LicensesNonTransferable',
      args: [evil],
    })
    const channel = await m.open(miner, 1_000_000n)
    const voucher = await m.voucher(channel, 10_000n, [{ modelId: id, cumulativeAmount: 10_000n }])
    await m.must(miner, m.pc, paymentChannelsAbi, 'claim', [voucher])
    await m.settle(channel)
    expect(await royaltiesOf(id)).toBe(500n)
  })

  it('one license cannot serve two payees by moving between their claims', async () => {
    const id = await m.register(alice, [], { royaltyBps: 500, mintFee: 1_000n })
    const license = await m.buy(miner, id)
    // Before the fix the miner handed it to a second server after claiming; both claims passed on one mint fee.
    expect((await m.fails(miner, m.licenses, licensesAbi, 'transferFrom', [miner, griefer, license])).errorName).toBe(
      'LicensesNonTransferable',
    )
    const channel = await m.open(griefer, 1_000_000n)
    const voucher = await m.voucher(channel, 10_000n, [{ modelId: id, cumulativeAmount: 10_000n }])
    expect((await m.fails(griefer, m.pc, paymentChannelsAbi, 'claim', [voucher])).errorName).toBe(
      'PaymentChannelsNoValidLicense',
    )
  })
})

describe('ModelRegistry: a serve-only license cannot found a derivative', () => {
  it('a license bought under no-derivatives terms is refused as the parent license, whatever the terms now say', async () => {
    // Alice first sells cheap serve-only licenses (no derivatives, no royalty), then opens derivatives at 30 %.
    const root = await m.register(alice, [], { derivativesAllowed: false, royaltyBps: 0 })
    const serveOnly = await m.buy(bob, root)
    const open = defaultTerms(m.usd.toString(), { derivativesAllowed: true, royaltyBps: 3_000 })
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [root, open])
    // Before the fix bob's serve-only license founded a derivative whose route paid the root 0 % forever.
    const attempt = await m.fails(bob, m.registry, modelRegistryAbi, 'register', [
      'bafkreiweights-finetuned',
      'bafkreicard',
      'onnx',
      [root],
      defaultTerms(m.usd.toString(), { royaltyBps: 0 }),
    ])
    expect(attempt).toEqual({ errorName: 'ModelRegistryLicenseForbidsDerivatives', args: [root, serveOnly] })
    // A license bought under the open terms founds it, and the route pays the root its 30 %.
    const remix = await m.buy(bob, root)
    await m.must(bob, m.licenses, licensesAbi, 'activate', [remix])
    const child = await m.register(bob, [root], { royaltyBps: 0 })
    const [ids, bps] = (await m.must(bob, m.registry, modelRegistryAbi, 'royaltyRoute', [child])) as [
      bigint[],
      bigint[],
    ]
    expect([ids, bps]).toEqual([[root], [3_000n]])
  })
})

describe('ModelGovernor: front-running a proposal and cancelling the copy', () => {
  const SUPPLY = parseEther('1000')
  const governorErrors = [...modelGovernorAbi, ...modelRegistryAbi].filter((i) => i.type === 'error') as Abi
  const failName = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[]) => {
    const r = await m.call(from, to, abi, fn, args)
    expect(r.ok, `${fn} should revert`).toBe(false)
    return decodeErrorResult({ abi: governorErrors, data: r.revertData }).errorName
  }

  /** Alice's model, fractionalized: vault (alice 98 %, griefer 2 %), timelock owning the NFT, governor. */
  async function governed() {
    const model = await m.register(alice, [], { royaltyBps: 1_000 })
    const deploy = (data: `0x${string}`) => m.chain.deploy(data, admin)
    const vault = await deploy(
      encodeDeployData({
        abi: royaltyVaultAbi,
        bytecode: royaltyVaultBytecode,
        args: [
          'digits shares',
          'DIGITS',
          m.registry.toString() as Address,
          model,
          [m.pc.toString() as Address, m.licenses.toString() as Address],
          [m.usd.toString() as Address],
          alice,
          SUPPLY,
        ],
      }),
    )
    const timelock = await deploy(
      encodeDeployData({
        abi: modelGovernorTimelockAbi,
        bytecode: modelGovernorTimelockBytecode,
        args: [60n, [], [zeroAddress], admin],
      }),
    )
    const governor = await deploy(
      encodeDeployData({
        abi: modelGovernorAbi,
        bytecode: modelGovernorBytecode,
        args: [
          'digits governor',
          vault.toString() as Address,
          timelock.toString() as Address,
          1,
          300,
          SUPPLY / 100n,
          4n,
        ],
      }),
    )
    const role = (name: string) => keccak256(toHex(name))
    for (const name of ['PROPOSER_ROLE', 'CANCELLER_ROLE']) {
      await m.must(admin, timelock, modelGovernorTimelockAbi, 'grantRole', [role(name), governor.toString()])
    }
    await m.must(admin, timelock, modelGovernorTimelockAbi, 'renounceRole', [`0x${'00'.repeat(32)}`, admin])
    await m.must(alice, m.registry, modelRegistryAbi, 'fractionalize', [model, vault.toString(), timelock.toString()])
    await m.must(alice, vault, royaltyVaultAbi, 'transfer', [griefer, SUPPLY / 50n])
    for (const who of [alice, griefer]) await m.must(who, vault, royaltyVaultAbi, 'delegate', [who])
    m.chain.now += 10n
    return { model, vault, timelock, governor }
  }

  it('a 2 % holder copies a pending proposal first and cannot cancel the copy: the vote still happens', async () => {
    const { model, governor } = await governed()
    const newTerms = defaultTerms(m.usd.toString(), { royaltyBps: 2_000 })
    const targets = [m.registry.toString()]
    const values = [0n]
    const calldatas = [encodeFunctionData({ abi: modelRegistryAbi, functionName: 'setTerms', args: [model, newTerms] })]
    const description = 'Raise the royalty of digits to 20 %'
    const descriptionHash = keccak256(toHex(description))
    // The griefer saw alice's transaction and proposed the identical proposal first: same id, so alice's reverts.
    const id = (await m.must(griefer, governor, modelGovernorAbi, 'propose', [
      targets,
      values,
      calldatas,
      description,
    ])) as bigint
    expect(
      await failName(alice, governor, modelGovernorAbi, 'propose', [targets, values, calldatas, description]),
    ).toBe('GovernorUnexpectedProposalState')
    // Before the fix the griefer, as the copy's proposer, cancelled it while pending: alice's proposal (same id) was
    // then dead, and the griefer could do it again to every new wording. Now nobody cancels through the governor.
    expect(
      await failName(griefer, governor, modelGovernorAbi, 'cancel', [targets, values, calldatas, descriptionHash]),
    ).toBe('GovernorUnableToCancel')
    m.chain.now += 2n
    await m.must(alice, governor, modelGovernorAbi, 'castVote', [id, 1])
    m.chain.now += 301n
    await m.must(alice, governor, modelGovernorAbi, 'queue', [targets, values, calldatas, descriptionHash])
    m.chain.now += 61n
    await m.must(griefer, governor, modelGovernorAbi, 'execute', [targets, values, calldatas, descriptionHash])
    const terms = (await m.must(alice, m.registry, modelRegistryAbi, 'termsOf', [model])) as { royaltyBps: number }
    expect(terms.royaltyBps).toBe(2_000)
    // Only what passed the vote changes the terms: alice, for all her 98 %, cannot call the registry herself.
    expect((await m.fails(alice, m.registry, modelRegistryAbi, 'setTerms', [model, newTerms])).errorName).toBe(
      'ModelRegistryNotOwner',
    )
  })
})
