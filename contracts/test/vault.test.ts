/**
 * RoyaltyVault through the SDK on a real anvil: royalties paid in by plain transfer are collected, shown and
 * withdrawn pro rata (collectRoyalties, getWithdrawable, withdrawRoyalties); fractionalizeModel refuses a model the
 * caller does not own before deploying anything; and the gas of deploying a model's governance, a collect, a
 * withdraw, and a share transfer with 1 and with 8 tracked tokens, measured from receipts (printed, and bounded so
 * a regression fails).
 */
import {
  collectRoyalties,
  DEVNET_GOVERNANCE,
  deployModelGovernance,
  fractionalizeModel,
  getWithdrawable,
  ModelNotOwnedError,
  modelRegistryAbi,
  modelRegistryBytecode,
  registerModel,
  royaltyVaultAbi,
  testUsdAbi,
  testUsdBytecode,
  withdrawRoyalties,
  writeContractAndWait,
} from '@mycel/sdk'
import { type Address, getAddress, parseEther } from 'viem'
import { deployContract, getTransactionReceipt, readContract, waitForTransactionReceipt } from 'viem/actions'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../../test/helpers/chain.ts'

const SUPPLY = parseEther('1000000')
const USD = 1_000_000n
let t: TestChain
let nft: Address
let usds: Address[]
let snap: `0x${string}`
const creator = () => t.wallet(1)
const alice = () => t.wallet(2)

beforeAll(async () => {
  t = await startTestChain()
  const wallet = t.wallet(1)
  const deploy = async (abi: never, bytecode: `0x${string}`, args: unknown[]) => {
    const hash = await deployContract(wallet, {
      abi,
      bytecode,
      args: args as never,
      account: wallet.account,
      chain: t.chain,
    })
    return getAddress((await waitForTransactionReceipt(t.publicClient, { hash })).contractAddress as Address)
  }
  // The real ModelRegistry (no Licenses needed: model 1 has no terms and no parents), owned by the creator.
  nft = await deploy(modelRegistryAbi as never, modelRegistryBytecode, [wallet.account.address])
  const { modelId } = await registerModel(wallet, {
    modelRegistry: nft,
    weightsCid: 'bafkreiweights',
    cardCid: 'bafkreicard',
    format: 'onnx',
  })
  expect(modelId).toBe(1n)
  usds = []
  for (let i = 0; i < 8; i++) usds.push(await deploy(testUsdAbi as never, testUsdBytecode, [wallet.account.address]))
})
afterAll(async () => t?.stop())
beforeEach(async () => {
  snap = await t.snapshot()
})
afterEach(async () => t.revert(snap))

const governance = (tokens: Address[]) =>
  deployModelGovernance(creator(), {
    registry: nft,
    modelId: 1n,
    name: 'digits shares',
    symbol: 'DIGITS',
    supply: SUPPLY,
    tokens,
    settings: DEVNET_GOVERNANCE,
  })
const pay = (token: Address, vault: Address, amount: bigint) =>
  writeContractAndWait(creator(), { address: token, abi: testUsdAbi, functionName: 'mint', args: [vault, amount] })
const transfer = (vault: Address, to: Address, amount: bigint) =>
  writeContractAndWait(creator(), {
    address: vault,
    abi: royaltyVaultAbi,
    functionName: 'transfer',
    args: [to, amount],
  })

describe('royalties through the SDK', () => {
  it('collects a payment, shows and withdraws each holder its pro-rata share', async () => {
    const [usd] = usds as [Address]
    const { vault } = await governance([usd])
    await transfer(vault, alice().account.address, SUPPLY / 4n)
    await pay(usd, vault, 100n * USD)
    expect(await getWithdrawable(t.publicClient, { vault, token: usd, account: alice().account.address })).toBe(0n)
    expect((await collectRoyalties(alice(), { vault, token: usd })).arrived).toBe(100n * USD)
    expect(await getWithdrawable(t.publicClient, { vault, token: usd, account: alice().account.address })).toBe(
      25n * USD,
    )
    expect((await withdrawRoyalties(alice(), { vault, token: usd })).amount).toBe(25n * USD)
    expect((await withdrawRoyalties(creator(), { vault, token: usd })).amount).toBe(75n * USD)
    const left = await readContract(t.publicClient, {
      address: usd,
      abi: testUsdAbi,
      functionName: 'balanceOf',
      args: [vault],
    })
    expect(left).toBe(0n)
    await expect(withdrawRoyalties(alice(), { vault, token: usd })).rejects.toMatchObject({
      errorName: 'RoyaltyVaultNothingToWithdraw',
    })
  })

  it('fractionalizeModel refuses a model the caller does not own, before deploying anything', async () => {
    const error = await fractionalizeModel(alice(), {
      registry: nft,
      modelId: 1n,
      name: 'x',
      symbol: 'X',
      supply: SUPPLY,
      tokens: [],
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModelNotOwnedError)
    expect((error as ModelNotOwnedError).shortMessage).toBe(
      `Model 1 is owned by ${creator().account.address}, not by ${alice().account.address}: only its owner can fractionalize it.`,
    )
  })
})

describe('gas (receipts on anvil)', () => {
  it('deployment, collect, withdraw, and a share transfer with 1 and 8 tracked tokens', async () => {
    const one = await governance(usds.slice(0, 1))
    const steps = await Promise.all(one.hashes.map((hash) => getTransactionReceipt(t.publicClient, { hash })))
    const [vaultGas, timelockGas, governorGas, ...wiring] = steps.map((r) => r.gasUsed)
    const figures: Record<string, bigint> = {
      'deploy RoyaltyVault': vaultGas as bigint,
      'deploy ModelGovernorTimelock': timelockGas as bigint,
      'deploy ModelGovernor': governorGas as bigint,
      'wire roles + renounce + self-delegate (4 tx)': wiring.reduce((a, b) => a + b, 0n),
      'deployModelGovernance in all': one.gasUsed,
    }
    const [usd] = usds as [Address]
    await pay(usd, one.vault, 100n * USD)
    figures['collect (first, 0 sources)'] = (
      await collectRoyalties(creator(), { vault: one.vault, token: usd })
    ).gasUsed
    await pay(usd, one.vault, 100n * USD)
    figures['collect (again, 0 sources)'] = (
      await collectRoyalties(creator(), { vault: one.vault, token: usd })
    ).gasUsed
    figures.withdraw = (await withdrawRoyalties(creator(), { vault: one.vault, token: usd })).gasUsed
    const bob = t.wallet(3).account.address
    figures['share transfer, 1 tracked token (new holder)'] = (
      await transfer(one.vault, bob, SUPPLY / 10n)
    ).receipt.gasUsed
    figures['share transfer, 1 tracked token (existing holder)'] = (
      await transfer(one.vault, bob, SUPPLY / 10n)
    ).receipt.gasUsed

    const eight = await governance(usds)
    for (const token of usds) {
      await pay(token, eight.vault, 10n * USD)
      await collectRoyalties(creator(), { vault: eight.vault, token })
    }
    figures['share transfer, 8 tracked tokens (new holder)'] = (
      await transfer(eight.vault, bob, SUPPLY / 10n)
    ).receipt.gasUsed
    figures['share transfer, 8 tracked tokens (existing holder)'] = (
      await transfer(eight.vault, bob, SUPPLY / 10n)
    ).receipt.gasUsed
    console.info(
      Object.entries(figures)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n'),
    )
    // Bounds a regression would cross (figures measured at 78–85 % of these).
    expect(figures['collect (again, 0 sources)']).toBeLessThan(60_000n)
    expect(figures.withdraw).toBeLessThan(100_000n)
    expect(figures['share transfer, 1 tracked token (existing holder)']).toBeLessThan(100_000n)
    expect(figures['share transfer, 8 tracked tokens (new holder)']).toBeLessThan(600_000n)
    expect(one.gasUsed).toBeLessThan(10_000_000n)
  })
})
