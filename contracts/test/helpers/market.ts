/**
 * A model market on the in-process EVM for the markets tests: TestUSD, ModelRegistry (wired to Licenses) and
 * PaymentChannels, deployed from the compiled bytecode, with helpers to call them, name reverts, register models,
 * buy licenses, open channels and sign (split) vouchers.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  type ContractTerms,
  type LicenseTerms,
  licensesAbi,
  licensesBytecode,
  type ModelAmount,
  modelRegistryAbi,
  modelRegistryBytecode,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  signVoucher,
  testUsdAbi,
  testUsdBytecode,
  toContractTerms,
} from '@mycel/sdk'
import { type Abi, type Address, decodeErrorResult, encodeDeployData, maxUint256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { expect } from 'vitest'
import { type CallResult, createInProcessChain, type InProcessChain } from './evm.ts'

export const admin = '0x00000000000000000000000000000000000000aa' as const
export const WINDOW = 3600n
const SETTLER = '0x00000000000000000000000000000000000005e7' as const
export const payerAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
export const payer = payerAccount.address

const allErrors = [...modelRegistryAbi, ...licensesAbi, ...paymentChannelsAbi, ...testUsdAbi].filter(
  (item) => item.type === 'error',
) as Abi

export type Market = {
  chain: InProcessChain
  usd: EvmAddress
  registry: EvmAddress
  licenses: EvmAddress
  pc: EvmAddress
  call: (from: Address, to: EvmAddress, abi: Abi, fn: string, args?: unknown[]) => Promise<CallResult>
  /** Calls and expects success; returns the result. */
  must: (from: Address, to: EvmAddress, abi: Abi, fn: string, args?: unknown[]) => Promise<unknown>
  /** Calls and expects a revert; returns the custom error's name and arguments. */
  fails: (
    from: Address,
    to: EvmAddress,
    abi: Abi,
    fn: string,
    args?: unknown[],
  ) => Promise<{ errorName: string; args: readonly unknown[] }>
  balance: (who: Address | EvmAddress) => Promise<bigint>
  mint: (to: Address, amount: bigint) => Promise<void>
  register: (owner: Address, parents?: bigint[], terms?: Partial<LicenseTerms> | null) => Promise<bigint>
  buy: (holder: Address, modelId: bigint) => Promise<bigint>
  open: (payee: Address, amount: bigint) => Promise<bigint>
  voucher: (channelId: bigint, cumulativeAmount: bigint, models?: ModelAmount[], requests?: bigint) => Promise<Claim>
  /** `settleRoyalties(channelIds)`, sent by an address that is party to nothing (anyone may settle). */
  settle: (...channelIds: bigint[]) => Promise<void>
  /** `unsettledRoyalties(channelId)`: the bound license, the amount since the last settlement, each model's due. */
  unsettled: (
    channelId: bigint,
  ) => Promise<{ licenseId: bigint; amount: bigint; modelIds: readonly bigint[]; royalties: readonly bigint[] }>
}

export type Claim = {
  channelId: bigint
  cumulativeAmount: bigint
  cumulativeRequests: bigint
  cumulativeUnits: bigint
  models: ModelAmount[]
  signature: `0x${string}`
}

/** The tests' license terms in `currency`: commercial, derivatives, 10 %, 1,000 per request, perpetual, no fee. */
export const licenseTerms = (currency: string, over: Partial<LicenseTerms> = {}): LicenseTerms => ({
  commercialUse: true,
  derivativesAllowed: true,
  attribution: true,
  royaltyBps: 1_000,
  minPricePerRequest: 1_000n,
  currency: currency as Address,
  licenseDuration: 0n,
  mintFee: 0n,
  ...over,
})

/** {@link licenseTerms} as the contracts take them. */
export const defaultTerms = (usd: string, over: Partial<LicenseTerms> = {}): ContractTerms =>
  toContractTerms(licenseTerms(usd, over))

export async function deployMarket(): Promise<Market> {
  const chain = await createInProcessChain()
  const create = (data: `0x${string}`) => chain.deploy(data, admin)
  const usd = await create(encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [admin] }))
  const registry = await create(
    encodeDeployData({ abi: modelRegistryAbi, bytecode: modelRegistryBytecode, args: [admin] }),
  )
  const licenses = await create(
    encodeDeployData({ abi: licensesAbi, bytecode: licensesBytecode, args: [registry.toString() as Address] }),
  )
  const pc = await create(
    encodeDeployData({
      abi: paymentChannelsAbi,
      bytecode: paymentChannelsBytecode,
      args: [WINDOW, registry.toString() as Address, licenses.toString() as Address],
    }),
  )
  const call: Market['call'] = (from, to, abi, fn, args = []) => chain.call(from, to, abi, fn, args)
  const must: Market['must'] = async (from, to, abi, fn, args = []) => {
    const r = await call(from, to, abi, fn, args)
    if (!r.ok) {
      const decoded = r.revertData === '0x' ? r.error : decodeErrorResult({ abi: allErrors, data: r.revertData })
      throw new Error(`${fn} reverted: ${JSON.stringify(decoded, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`)
    }
    return r.result
  }
  const fails: Market['fails'] = async (from, to, abi, fn, args = []) => {
    const r = await call(from, to, abi, fn, args)
    expect(r.ok, `${fn} should revert`).toBe(false)
    const decoded = decodeErrorResult({ abi: allErrors, data: r.revertData })
    return { errorName: decoded.errorName, args: decoded.args ?? [] }
  }
  await must(admin, registry, modelRegistryAbi, 'setLicenses', [licenses.toString()])
  const market: Market = {
    chain,
    usd,
    registry,
    licenses,
    pc,
    call,
    must,
    fails,
    balance: async (who) => (await must(admin, usd, testUsdAbi, 'balanceOf', [who.toString()])) as bigint,
    mint: async (to, amount) => {
      await must(admin, usd, testUsdAbi, 'mint', [to, amount])
      for (const spender of [pc, licenses]) await must(to, usd, testUsdAbi, 'approve', [spender.toString(), maxUint256])
    },
    register: async (owner, parents = [], terms = {}) =>
      (await must(owner, registry, modelRegistryAbi, 'register', [
        'bafkreiweights',
        'bafkreicard',
        'onnx',
        parents,
        terms === null ? toContractTerms(undefined) : defaultTerms(usd.toString(), terms),
      ])) as bigint,
    // Agrees to the model's current terms (Licenses.termsHash), as a buyer who just read them.
    buy: async (holder, modelId) => {
      const agreed = await must(holder, licenses, licensesAbi, 'termsHash', [modelId])
      return (await must(holder, licenses, licensesAbi, 'buy', [modelId, agreed])) as bigint
    },
    open: async (payee, amount) =>
      (await must(payer, pc, paymentChannelsAbi, 'open', [
        payee,
        usd.toString(),
        amount,
        '0x0000000000000000000000000000000000000000',
        0n,
      ])) as bigint,
    voucher: async (channelId, cumulativeAmount, models = [], requests = 1n) => {
      const v = { channelId, cumulativeAmount, cumulativeRequests: requests, cumulativeUnits: 0n, models }
      const domain = { chainId: Number(chain.evm.common.chainId()), paymentChannels: pc.toString() as Address }
      return { ...v, signature: await signVoucher(payerAccount, domain, v) }
    },
    settle: async (...channelIds) => {
      await must(SETTLER, pc, paymentChannelsAbi, 'settleRoyalties', [channelIds])
    },
    unsettled: async (channelId) => {
      const [licenseId, , amount, modelIds, royalties] = (await must(
        SETTLER,
        pc,
        paymentChannelsAbi,
        'unsettledRoyalties',
        [channelId],
      )) as [bigint, Address, bigint, readonly bigint[], readonly bigint[]]
      return { licenseId, amount, modelIds, royalties }
    },
  }
  await market.mint(payer, 10n ** 15n)
  return market
}
