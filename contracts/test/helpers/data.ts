/**
 * The data market on the in-process EVM for the data tests: TestUSD, DatasetRegistry and AccessGrants deployed from
 * the compiled bytecode, with calls that must succeed (`must`) or must fail (`fails`, the custom error decoded),
 * dataset registration with sensible defaults, and purchases that agree to the dataset's current terms.
 */
import type { Address as EvmAddress } from '@ethereumjs/util'
import {
  accessGrantsAbi,
  accessGrantsBytecode,
  type DatasetTerms,
  datasetRegistryAbi,
  datasetRegistryBytecode,
  type GrantKind,
  grantKindIndex,
  testUsdAbi,
  testUsdBytecode,
  toContractDatasetTerms,
} from '@mycel/sdk'
import { type Abi, type Address, decodeErrorResult, encodeDeployData, maxUint256 } from 'viem'
import { expect } from 'vitest'
import { createInProcessChain } from './evm.ts'

export const admin = '0x00000000000000000000000000000000000000aa' as const
const allErrors = [...datasetRegistryAbi, ...accessGrantsAbi, ...testUsdAbi].filter(
  (item) => item.type === 'error',
) as Abi

export const listing = (over: Partial<Record<string, unknown>> = {}) => ({
  cid: 'bafkreidata',
  schemaCid: 'bafkreischema',
  recordsRoot: `0x${'ab'.repeat(32)}` as const,
  recordCount: 100,
  license: 'CC-BY-4.0',
  provider: 'http://127.0.0.1:8080',
  ...over,
})

export async function deployData() {
  const chain = await createInProcessChain()
  const create = (data: `0x${string}`) => chain.deploy(data, admin)
  const usd = await create(encodeDeployData({ abi: testUsdAbi, bytecode: testUsdBytecode, args: [admin] }))
  const registry = await create(encodeDeployData({ abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode }))
  const grants = await create(
    encodeDeployData({ abi: accessGrantsAbi, bytecode: accessGrantsBytecode, args: [registry.toString() as Address] }),
  )
  const call = (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[] = []) =>
    chain.call(from, to, abi, fn, args)
  const must = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[] = []) => {
    const r = await call(from, to, abi, fn, args)
    if (!r.ok) {
      const decoded = r.revertData === '0x' ? r.error : decodeErrorResult({ abi: allErrors, data: r.revertData })
      throw new Error(`${fn} reverted: ${JSON.stringify(decoded, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`)
    }
    return r.result
  }
  const fails = async (from: Address, to: EvmAddress, abi: Abi, fn: string, args: unknown[] = []) => {
    const r = await call(from, to, abi, fn, args)
    expect(r.ok, `${fn} should revert`).toBe(false)
    const decoded = decodeErrorResult({ abi: allErrors, data: r.revertData })
    return { errorName: decoded.errorName, args: decoded.args ?? [] }
  }
  const usdAddress = usd.toString() as Address
  const terms = (over: Partial<DatasetTerms> = {}) =>
    toContractDatasetTerms({
      currency: usdAddress,
      offers: ['access', 'training', 'records', 'queries'],
      grantDuration: 3600,
      accessPrice: 1_000n,
      trainingPrice: 5_000n,
      recordPrice: 10n,
      queryPrice: 3n,
      ...over,
    })
  const d = {
    chain,
    usd,
    usdAddress,
    registry,
    grants,
    must,
    fails,
    terms,
    /** r(from, fn, args): a registry call that must succeed; g(…) the same on AccessGrants. */
    r: (from: Address, fn: string, args: unknown[] = []) => must(from, registry, datasetRegistryAbi, fn, args),
    g: (from: Address, fn: string, args: unknown[] = []) => must(from, grants, accessGrantsAbi, fn, args),
    rFails: async (from: Address, fn: string, args: unknown[] = []) =>
      (await fails(from, registry, datasetRegistryAbi, fn, args)).errorName,
    gFails: async (from: Address, fn: string, args: unknown[] = []) =>
      (await fails(from, grants, accessGrantsAbi, fn, args)).errorName,
    balance: async (who: Address | EvmAddress) =>
      (await must(admin, usd, testUsdAbi, 'balanceOf', [who.toString()])) as bigint,
    mint: async (to: Address, amount: bigint) => {
      await must(admin, usd, testUsdAbi, 'mint', [to, amount])
      await must(to, usd, testUsdAbi, 'approve', [grants.toString(), maxUint256])
    },
    register: async (
      owner: Address,
      over: {
        listing?: Partial<Record<string, unknown>>
        terms?: Partial<DatasetTerms>
        contributors?: unknown[]
      } = {},
    ) =>
      (await must(owner, registry, datasetRegistryAbi, 'register', [
        listing(over.listing),
        terms(over.terms),
        over.contributors ?? [],
      ])) as bigint,
    /** Buys a grant agreeing to the dataset's current terms. */
    buy: async (
      buyer: Address,
      datasetId: bigint,
      kind: GrantKind,
      scope: { records?: number[]; queries?: number; grantee?: Address } = {},
    ) => {
      const agreed = await must(buyer, registry, datasetRegistryAbi, 'termsHash', [datasetId])
      return (await must(buyer, grants, accessGrantsAbi, 'buy', [
        datasetId,
        grantKindIndex(kind),
        scope.grantee ?? buyer,
        scope.records ?? [],
        scope.queries ?? 0,
        agreed,
      ])) as bigint
    },
    owed: async (who: Address) => (await must(admin, grants, accessGrantsAbi, 'owed', [usdAddress, who])) as bigint,
  }
  return d
}
export type DataMarket = Awaited<ReturnType<typeof deployData>>
