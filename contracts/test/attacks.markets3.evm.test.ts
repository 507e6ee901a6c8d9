/**
 * Third audit of the model market (issue #14): attacks on the real compiled contracts (in-process EVM) by someone who
 * read them, on what changed after the first two audits (the license grace of claims, revocation that ends the active
 * license instead of deleting it, `buy` naming the terms agreed to, permissionless royalty release). Each test
 * asserts the SAFE behaviour; the comments say what the attacker got before the fix. Findings, severities and what
 * was checked without a finding are in attacks3.md (B1…); the earlier audits' are in attacks.pending.md (P1–P8) and
 * attacks2.md (A1, A2) and are not repeated here.
 */

import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  licensesAbi,
  modelRegistryAbi,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  signVoucher,
  testUsdAbi,
} from '@mycel/sdk'
import { type Address, encodeDeployData, encodeFunctionData, getAddress, maxUint256, size } from 'viem'
import { beforeEach, describe, expect, it } from 'vitest'
import { admin, defaultTerms, deployMarket, type Market, payer, payerAccount } from './helpers/market.ts'

const alice = getAddress('0x000000000000000000000000000000000000a11c') // model owner
const miner = getAddress('0x00000000000000000000000000000000000000f1') // payee, license buyer (attacker in B1)
const miner2 = getAddress('0x00000000000000000000000000000000000000f2') // another payee

const HOUR = 3_600n
const DAY = 86_400n
/** The EIP-7825 cap on one transaction's gas. */
const TX_GAS_CAP = 16_777_216n

let m: Market
beforeEach(async () => {
  m = await deployMarket()
  for (const who of [alice, miner, miner2]) await m.mint(who, 10n ** 12n)
})

/** A second PaymentChannels over the same registry and licenses, with a longer challenge period. */
async function channelsWithPeriod(period: bigint) {
  const pc = await m.chain.deploy(
    encodeDeployData({
      abi: paymentChannelsAbi,
      bytecode: paymentChannelsBytecode,
      args: [period, m.registry.toString() as Address, m.licenses.toString() as Address],
    }),
    admin,
  )
  await m.must(payer, m.usd, testUsdAbi, 'approve', [pc.toString(), maxUint256])
  return pc
}

const open = async (pc: EvmAddress, payee: Address, amount: bigint) =>
  (await m.must(payer, pc, paymentChannelsAbi, 'open', [
    payee,
    m.usd.toString(),
    amount,
    '0x0000000000000000000000000000000000000000',
    0n,
  ])) as bigint

/** A voucher paying `modelId` the whole cumulative amount (a model channel's voucher, as gateways sign them). */
async function modelVoucher(pc: EvmAddress, channelId: bigint, cumulativeAmount: bigint, modelId: bigint) {
  const v = {
    channelId,
    cumulativeAmount,
    cumulativeRequests: 1n,
    cumulativeUnits: 0n,
    models: [{ modelId, cumulativeAmount }],
  }
  const domain = { chainId: Number(m.chain.evm.common.chainId()), paymentChannels: pc.toString() as Address }
  return { ...v, signature: await signVoucher(payerAccount, domain, v) }
}

const activeEnd = async (holder: Address, modelId: bigint) =>
  ((await m.must(holder, m.licenses, licensesAbi, 'activeLicense', [holder, modelId])) as { expiresAt: bigint })
    .expiresAt

describe('B1 the claim grace stretches every time-limited license by a whole challenge period', () => {
  it('a one-day license keeps earning for days after it expired, without renewal', async () => {
    // A challenge period of a week (anything up to 30 days is allowed; the grace is that long).
    const pc = await channelsWithPeriod(7n * DAY)
    const id = await m.register(alice, [], { licenseDuration: DAY, mintFee: 1_000n, royaltyBps: 1_000 })
    const license = await m.buy(miner, id)
    const expiresAt = await activeEnd(miner, id)
    const channel = await open(pc, miner, 1_000_000n)
    // What was served while it was valid stays payable right after the end (audit P4): kept.
    m.chain.now = expiresAt + HOUR / 2n
    const served = await m.call(miner, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 5_000n, id)])
    expect(served.ok).toBe(true)
    // Six days after the one-day license ended the miner is still serving (a payer routing by price, not by
    // license) and claims it all. Before the fix: the claim pays (the grace is the whole challenge period); with
    // licenseDuration 1 day and a 7-day period, one mint fee buys 8 days of claimable service, again and again.
    m.chain.now = expiresAt + 6n * DAY
    const late = await m.call(miner, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 10_000n, id)])
    expect(late.ok).toBe(false)
    expect(
      await m.fails(miner, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 10_000n, id)]),
    ).toEqual({ errorName: 'PaymentChannelsLicenseExpired', args: [channel, id, license, expiresAt] })
    // Renewing makes the rest claimable again (the payee never loses what it served by being late).
    await m.buy(miner, id)
    expect(
      (await m.call(miner, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 10_000n, id)])).ok,
    ).toBe(true)
  })

  it('a revoked license keeps the whole challenge period (the payee cannot foresee a revocation; audit P4)', async () => {
    const pc = await channelsWithPeriod(7n * DAY)
    const id = await m.register(alice, [], { royaltyBps: 1_000 }) // perpetual
    const license = await m.buy(miner2, id)
    const channel = await open(pc, miner2, 1_000_000n)
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [license])
    const revokedAt = m.chain.now
    expect(await activeEnd(miner2, id)).toBe(revokedAt)
    m.chain.now = revokedAt + 7n * DAY - 1n
    expect(
      (await m.call(miner2, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 5_000n, id)])).ok,
    ).toBe(true)
    m.chain.now = revokedAt + 7n * DAY
    expect(
      await m.fails(miner2, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 6_000n, id)]),
    ).toEqual({ errorName: 'PaymentChannelsLicenseExpired', args: [channel, id, license, revokedAt] })
  })
})

describe('B1 edges and the revoked slot (checked, no finding)', () => {
  it('a license revoked after it expired gets no more than the expiry grace', async () => {
    const pc = await channelsWithPeriod(7n * DAY)
    const id = await m.register(alice, [], { licenseDuration: DAY })
    const license = await m.buy(miner, id)
    const expiresAt = await activeEnd(miner, id)
    const channel = await open(pc, miner, 1_000_000n)
    m.chain.now = expiresAt + HOUR / 2n
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [license]) // after the end: the slot keeps its end
    expect(await activeEnd(miner, id)).toBe(expiresAt)
    m.chain.now = expiresAt + HOUR
    expect(
      await m.fails(miner, pc, paymentChannelsAbi, 'claim', [await modelVoucher(pc, channel, 1_000n, id)]),
    ).toEqual({ errorName: 'PaymentChannelsLicenseExpired', args: [channel, id, license, expiresAt] })
  })

  it('a revoked license in its grace founds no derivative, cannot be re-activated, and a new purchase takes its slot', async () => {
    const id = await m.register(alice, [], { royaltyBps: 1_000 })
    const license = await m.buy(miner, id)
    await m.must(alice, m.licenses, licensesAbi, 'revoke', [license])
    expect(await m.must(miner, m.licenses, licensesAbi, 'hasValidLicense', [miner, id])).toBe(false)
    expect(
      (
        await m.fails(miner, m.registry, modelRegistryAbi, 'register', [
          'bafkreiweights',
          'bafkreicard',
          'onnx',
          [id],
          defaultTerms(m.usd.toString()),
        ])
      ).errorName,
    ).toBe('ModelRegistryParentLicenseRequired')
    expect((await m.fails(miner, m.licenses, licensesAbi, 'activate', [license])).errorName).toBe('LicensesRevoked')
    const fresh = await m.buy(miner, id) // same second as the revocation
    expect(((await m.must(miner, m.licenses, licensesAbi, 'validLicense', [miner, id])) as [bigint])[0]).toBe(fresh)
  })
})

describe('EIP-7825: the largest claim batch the node sends fits one transaction', () => {
  it('claimBatch of 100 model channels, each paying a model with the deepest route (7 ancestors), all credits cold', async () => {
    // A lineage of 8 models, each a derivative of the one before (the registrant licenses the parent first).
    let parent = await m.register(alice, [], { royaltyBps: 1_000 })
    for (let depth = 1; depth < 8; depth++) {
      await m.buy(alice, parent)
      parent = await m.register(alice, [parent], { royaltyBps: 1_000 })
    }
    const leaf = parent
    const route = (await m.must(alice, m.registry, modelRegistryAbi, 'royaltyRoute', [leaf])) as [bigint[], bigint[]]
    expect(route[0].length).toBe(7)
    await m.buy(miner, leaf)
    const vouchers = []
    for (let i = 0; i < 100; i++) {
      const channel = await m.open(miner, 100_000n)
      vouchers.push(await modelVoucher(m.pc, channel, 10_000n + BigInt(i), leaf))
    }
    const r = await m.chain.call(miner, m.pc, paymentChannelsAbi, 'claimBatch', [vouchers], { gasLimit: 30_000_000n })
    expect(r.ok).toBe(true)
    const bytes = BigInt(
      size(encodeFunctionData({ abi: paymentChannelsAbi, functionName: 'claimBatch', args: [vouchers] })),
    )
    // Upper bound of the transaction's gas: 21,000 + 40 gas per calldata byte (EIP-7623's floor for non-zero
    // bytes, above the standard 16) + execution.
    const total = 21_000n + 40n * bytes + r.gasUsed
    expect(total).toBeLessThan(TX_GAS_CAP)
    expect(r.gasUsed).toBeLessThan(TX_GAS_CAP / 2n) // ample room: more than twice the batch would still fit
  })
})
