/**
 * The model market through the SDK against a real anvil (deployed by deployMycel): register models and a
 * derivative, buy licenses (the mint fee approved by the action), pay a split voucher with claimVoucher, release
 * royalties from both sources, revoke, read everything back; and the SDK's RoyaltyVoucher digest equals the
 * contract's for random splits (property).
 */
import {
  buyLicense,
  type ContractRevertError,
  claimVoucher,
  getLicense,
  getModel,
  getRoyaltyRoute,
  hashVoucher,
  hasValidLicense,
  type LicenseTerms,
  listModels,
  type MycelAddresses,
  openChannel,
  paymentChannelsAbi,
  registerModel,
  releaseRoyalties,
  revokeLicense,
  royaltiesOf,
  setModelTerms,
  signVoucher,
  type Voucher,
} from '@mycel/sdk'
import fc from 'fast-check'
import { parseEther } from 'viem'
import { readContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devnetAccount } from '../../packages/node/src/devnet/accounts.ts'
import { deployTestContracts, fundAccounts, startTestChain, type TestChain } from '../../test/helpers/chain.ts'
import { licenseTerms } from './helpers/market.ts'

let t: TestChain
let a: MycelAddresses
const USD = 1_000_000n
const owner = () => t.wallet(1)
const author = () => t.wallet(2)
const miner = () => t.wallet(3)
const payer = () => t.wallet(4)
const terms = (over: Partial<LicenseTerms> = {}) => licenseTerms(a.testUsd as string, { mintFee: 2n * USD, ...over })

beforeAll(async () => {
  t = await startTestChain()
  a = await deployTestContracts(t)
  await fundAccounts(t, a, [1, 2, 3, 4], { myc: parseEther('1'), usd: 1_000n * USD })
})
afterAll(async () => t?.stop())

describe('model market through the SDK', () => {
  it('property: the SDK hashes split vouchers exactly as the contract does', async () => {
    const domain = { chainId: 31337, paymentChannels: a.paymentChannels }
    const split = fc
      .uniqueArray(fc.bigInt({ min: 1n, max: 2n ** 32n }), { maxLength: 4 })
      .chain((ids) =>
        fc.tuple(
          fc.constant([...ids].sort((x, y) => (x < y ? -1 : 1))),
          fc.array(fc.bigInt({ min: 1n, max: 2n ** 90n }), { minLength: ids.length, maxLength: ids.length }),
        ),
      )
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
        split,
        async (channelId, cumulativeAmount, [ids, amounts]) => {
          const models = ids.map((modelId, i) => ({ modelId, cumulativeAmount: amounts[i] ?? 1n }))
          const v: Voucher = { channelId, cumulativeAmount, cumulativeRequests: 3n, cumulativeUnits: 9n, models }
          const args = [channelId, cumulativeAmount, 3n, 9n] as const
          const onChain =
            models.length === 0
              ? await readContract(t.publicClient, {
                  address: a.paymentChannels,
                  abi: paymentChannelsAbi,
                  functionName: 'voucherDigest',
                  args,
                })
              : await readContract(t.publicClient, {
                  address: a.paymentChannels,
                  abi: paymentChannelsAbi,
                  functionName: 'royaltyVoucherDigest',
                  args: [...args, models],
                })
          expect(hashVoucher(domain, v)).toBe(onChain)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('registers, licenses, pays a split claim, releases royalties and revokes, end to end', async () => {
    const usd = a.testUsd as `0x${string}`
    const { modelId: root } = await registerModel(owner(), {
      modelRegistry: a.modelRegistry,
      weightsCid: 'bafkreiroot',
      cardCid: 'bafkreicard',
      format: 'onnx',
      terms: terms(),
    })
    await buyLicense(author(), { licenses: a.licenses, modelId: root })
    const { modelId: child } = await registerModel(author(), {
      modelRegistry: a.modelRegistry,
      weightsCid: 'bafkreichild',
      cardCid: 'bafkreicard',
      format: 'gguf',
      parents: [root],
      terms: terms({ royaltyBps: 500, mintFee: 0n }),
    })
    expect(await getRoyaltyRoute(t.publicClient, { modelRegistry: a.modelRegistry, modelId: child })).toEqual([
      { modelId: root, bps: 1_000 },
    ])
    const model = await getModel(t.publicClient, { modelRegistry: a.modelRegistry, modelId: child })
    expect(model).toMatchObject({ format: 'gguf', parents: [root], owner: author().account.address })
    expect((await listModels(t.publicClient, { modelRegistry: a.modelRegistry })).total).toBe(2n)

    const { licenseId } = await buyLicense(miner(), { licenses: a.licenses, modelId: child })
    expect(
      await hasValidLicense(t.publicClient, { licenses: a.licenses, holder: miner().account.address, modelId: child }),
    ).toEqual({
      valid: true,
      licenseId,
      royaltyBps: 500,
    })
    expect((await getLicense(t.publicClient, { licenses: a.licenses, licenseId })).terms.royaltyBps).toBe(500)

    const { channelId } = await openChannel(payer(), {
      paymentChannels: a.paymentChannels,
      payee: miner().account.address,
      token: usd,
      amount: 10n * USD,
    })
    const v: Voucher = {
      channelId,
      cumulativeAmount: 4n * USD,
      cumulativeRequests: 4n,
      cumulativeUnits: 0n,
      models: [{ modelId: child, cumulativeAmount: 3n * USD }],
    }
    const signature = await signVoucher(devnetAccount(4), { chainId: 31337, paymentChannels: a.paymentChannels }, v)
    const claimed = await claimVoucher(miner(), { paymentChannels: a.paymentChannels, voucher: { ...v, signature } })
    expect(claimed.paid).toBe(4n * USD)
    expect(claimed.royalties).toBe(150_000n + 300_000n) // 5 % to the child, 10 % to its parent
    expect(await royaltiesOf(t.publicClient, { source: a.paymentChannels, modelId: root, token: usd })).toBe(300_000n)

    const released = await releaseRoyalties(owner(), { source: a.paymentChannels, modelId: root, token: usd })
    expect(released.amount).toBe(300_000n)
    expect((await releaseRoyalties(owner(), { source: a.licenses, modelId: root, token: usd })).amount).toBe(2n * USD)
    // Anyone may release (audit A2); the child's credits go to its owner, not to the miner who asked.
    const owedChild = await royaltiesOf(t.publicClient, { source: a.paymentChannels, modelId: child, token: usd })
    const byStranger = await releaseRoyalties(miner(), { source: a.paymentChannels, modelId: child, token: usd })
    expect(byStranger).toMatchObject({ amount: owedChild, recipient: author().account.address })

    await setModelTerms(author(), { modelRegistry: a.modelRegistry, modelId: child, terms: terms({ royaltyBps: 900 }) })
    await revokeLicense(author(), { licenses: a.licenses, licenseId })
    const more = { ...v, cumulativeAmount: 5n * USD, models: [{ modelId: child, cumulativeAmount: 4n * USD }] }
    const moreSig = await signVoucher(devnetAccount(4), { chainId: 31337, paymentChannels: a.paymentChannels }, more)
    // Served before the revocation: claimable for one challenge period more (audit P4), then refused.
    const inGrace = await claimVoucher(miner(), {
      paymentChannels: a.paymentChannels,
      voucher: { ...more, signature: moreSig },
    })
    expect(inGrace.paid).toBe(more.cumulativeAmount - v.cumulativeAmount)
    const grace = await readContract(t.publicClient, {
      address: a.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'challengePeriod',
    })
    await t.increaseTime(Number(grace))
    const later = { ...v, cumulativeAmount: 6n * USD, models: [{ modelId: child, cumulativeAmount: 5n * USD }] }
    const laterSig = await signVoucher(devnetAccount(4), { chainId: 31337, paymentChannels: a.paymentChannels }, later)
    const refused = await claimVoucher(miner(), {
      paymentChannels: a.paymentChannels,
      voucher: { ...later, signature: laterSig },
    }).catch((e) => e)
    expect((refused as ContractRevertError).errorName).toBe('PaymentChannelsLicenseExpired')
    expect((refused as Error).message).toMatch(/ended \(expired or revoked\)/)
  })
})
