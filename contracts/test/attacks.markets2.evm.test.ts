/**
 * Second audit of the model market (issue #14): attacks on the real compiled contracts (in-process EVM) by someone
 * who read them — any external function, any order. Each test asserts the SAFE behaviour; it failed on the contracts
 * as audited (the comments say what the attacker got then) and passes since the fixes: `buy` names the terms agreed
 * to (A1) and anyone may release a model's royalties to its recipient (A2). Call sequences, severities and suggested fixes are in
 * attacks2.md (findings A1, A2). The first audit's findings (P1–P8) are in attacks.pending.md and not repeated here.
 */
import {
  licensesAbi,
  modelRegistryAbi,
  paymentChannelsAbi,
  royaltyVaultAbi,
  royaltyVaultBytecode,
  testUsdAbi,
} from '@mycel/sdk'
import { type Address, encodeDeployData, getAddress, parseEther } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { admin, defaultTerms, deployMarket, type Market } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c') // model owner, attacker in A1
const miner = getAddress('0x00000000000000000000000000000000000000f1') // payee, license buyer
const stranger = getAddress('0x00000000000000000000000000000000000000e5') // anyone
const timelockAddress = getAddress('0x0000000000000000000000000000000000007171') // stands in for the timelock

let m: Market
beforeEach(async () => {
  m = await deployMarket()
  for (const who of [alice, miner, stranger]) await m.mint(who, 10n ** 12n)
})

const royaltiesOf = async (id: bigint) =>
  (await m.must(alice, m.pc, paymentChannelsAbi, 'royaltiesOf', [id, m.usd.toString()])) as bigint

type LicenseView = { terms: { royaltyBps: number; mintFee: bigint; commercialUse: boolean } }

describe('A1 Licenses.buy: the model owner front-runs a purchase with new terms (no price/terms bound)', () => {
  it('a buyer approving exactly the quoted fee (as the SDK does) still gets a 100 % perpetual license', async () => {
    const id = await m.register(alice, [], { royaltyBps: 500, mintFee: 1_000n, licenseDuration: 86_400n })
    // The miner (or buyLicense in the SDK) reads the terms and approves exactly the quoted fee.
    const quoted = (await m.must(miner, m.registry, modelRegistryAbi, 'termsOf', [id])) as {
      royaltyBps: number
      mintFee: bigint
    }
    await m.must(miner, m.usd, testUsdAbi, 'approve', [m.licenses.toString(), quoted.mintFee])
    const agreed = await m.must(miner, m.licenses, licensesAbi, 'termsHash', [id]) // the terms it read
    // Alice sees the buy in the mempool and front-runs it: same fee, 100 % royalty, perpetual.
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [
      id,
      defaultTerms(m.usd.toString(), { royaltyBps: 10_000, mintFee: 1_000n, licenseDuration: 0n }),
    ])
    const bought = await m.call(miner, m.licenses, licensesAbi, 'buy', [id, agreed])
    expect(bought.ok).toBe(false) // fixed: LicensesTermsChanged
    if (bought.ok) {
      const license = (await m.must(miner, m.licenses, licensesAbi, 'getLicense', [bought.result])) as LicenseView
      // Before the fix: 10,000 — the license the miner paid for hands the owner everything it earns, and being perpetual it
      // stays active over any later (expiring) license it buys until it notices and calls activate.
      expect.soft(license.terms.royaltyBps).toBeLessThanOrEqual(quoted.royaltyBps)
    }
    const channel = await m.open(miner, 1_000_000n)
    const voucher = await m.voucher(channel, 10_000n, [{ modelId: id, cumulativeAmount: 10_000n }])
    await m.call(miner, m.pc, paymentChannelsAbi, 'claim', [voucher])
    // Before the fix: 10,000 of the 10,000 paid go to alice's model, the miner gets 0.
    expect(await royaltiesOf(id)).toBeLessThanOrEqual(500n)
  })

  it('a buyer with a standing allowance pays whatever fee the owner sets right before its buy', async () => {
    const id = await m.register(alice, [], { royaltyBps: 500, mintFee: 1_000n })
    const before = await m.balance(miner) // the helper approved Licenses for max, as wallets often do
    const agreed = await m.must(miner, m.licenses, licensesAbi, 'termsHash', [id]) // the terms it read
    await m.must(alice, m.registry, modelRegistryAbi, 'setTerms', [
      id,
      defaultTerms(m.usd.toString(), { royaltyBps: 500, mintFee: before }),
    ])
    await m.call(miner, m.licenses, licensesAbi, 'buy', [id, agreed])
    // Before the fix: the miner's whole balance (10^12) is taken for one license quoted at 1,000.
    expect(before - (await m.balance(miner))).toBeLessThanOrEqual(1_000n)
  })
})

describe('A2 ModelRegistry.fractionalize: a vault that cannot release the model’s royalties locks them forever', () => {
  it('royalties credited before (and after) fractionalizing to a vault without sources can never be paid out', async () => {
    const id = await m.register(alice, [], { royaltyBps: 1_000 })
    await m.buy(miner, id)
    const channel = await m.open(miner, 1_000_000n)
    const voucher = await m.voucher(channel, 10_000n, [{ modelId: id, cumulativeAmount: 10_000n }])
    await m.must(miner, m.pc, paymentChannelsAbi, 'claim', [voucher])
    await m.settle(channel)
    expect(await royaltiesOf(id)).toBe(1_000n)
    // A RoyaltyVault deployed with no sources — `deployModelGovernance`'s default when `sources` is omitted, and
    // getModelGovernance does not flag it. The registry accepts any vault, once, for good.
    const vault = await m.chain.deploy(
      encodeDeployData({
        abi: royaltyVaultAbi,
        bytecode: royaltyVaultBytecode,
        args: [
          'digits shares',
          'DIGITS',
          m.registry.toString() as Address,
          id,
          [],
          [m.usd.toString() as Address],
          alice,
          parseEther('1000'),
        ],
      }),
      admin,
    )
    const fractionalized = await m.call(alice, m.registry, modelRegistryAbi, 'fractionalize', [
      id,
      vault.toString(),
      timelockAddress,
    ])
    if (!fractionalized.ok) return // safe: a vault that cannot collect from the royalty sources is refused
    // Before the fix only the vault may release (msg.sender == royaltyRecipient), and it never calls PaymentChannels: anyone
    // trying to push the credit to the vault is refused, collect finds nothing, and the 1,000 stay in
    // PaymentChannels forever (the vault can never be replaced: ModelRegistryAlreadyFractionalized).
    await m.call(stranger, m.pc, paymentChannelsAbi, 'releaseRoyalties', [id, m.usd.toString()])
    await m.must(stranger, vault, royaltyVaultAbi, 'collect', [m.usd.toString()])
    const withdrawable = (await m.must(alice, vault, royaltyVaultAbi, 'withdrawable', [
      m.usd.toString(),
      alice,
    ])) as bigint
    expect(withdrawable).toBe(1_000n)
  })
})
