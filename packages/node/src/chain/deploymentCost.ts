/**
 * What deploying the mycel contracts costs, for a deployer that cannot pay it: the gas is measured by deploying the
 * same contracts on a throwaway anvil (so the figure follows the contracts as they change), priced at the target
 * chain's current fee, and told in one sentence naming the address to fund and how much it needs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DeployMycelParameters, deployMycel, type WriteClient } from '@mycel/sdk'
import {
  type Client,
  createWalletClient,
  formatEther,
  formatGwei,
  http,
  InsufficientFundsError,
  BaseError as ViemBaseError,
} from 'viem'
import { estimateFeesPerGas, getBalance, getBlock, getBlockNumber, getGasPrice } from 'viem/actions'
import { NodeError } from '../common/errors.ts'
import { devnetAccount } from '../devnet/accounts.ts'
import { startAnvil } from '../devnet/anvil.ts'
import { chainFor } from './client.ts'

/**
 * Whether `error` may mean that the sender cannot pay for the transaction: viem's decoding, or the words nodes use
 * (geth and anvil estimate gas within `balance / price`, so an empty account gets "gas required exceeds allowance").
 */
export function isInsufficientFunds(error: unknown): boolean {
  if (error instanceof ViemBaseError && error.walk((e) => e instanceof InsufficientFundsError)) return true
  const text = error instanceof ViemBaseError ? `${error.details} ${error.message}` : String(error)
  return /insufficient funds|gas required exceeds allowance/i.test(text)
}

/** Gas used by a full deployment with these parameters, measured on a throwaway anvil. */
export async function measureDeploymentGas(
  parameters: Pick<DeployMycelParameters, 'initialSupply' | 'testStablecoin'>,
): Promise<bigint> {
  const dir = mkdtempSync(join(tmpdir(), 'mycel-deploy-gas-'))
  const anvil = await startAnvil({ stateFile: join(dir, 'state.json'), logFile: join(dir, 'anvil.log') })
  try {
    const account = devnetAccount(0)
    const wallet = createWalletClient({ account, chain: chainFor(31337, anvil.rpcUrl), transport: http(anvil.rpcUrl) })
    await deployMycel(wallet as WriteClient, { ...parameters, treasury: account.address })
    let gas = 0n
    const head = await getBlockNumber(wallet, { cacheTime: 0 })
    for (let n = 1n; n <= head; n++) gas += (await getBlock(wallet, { blockNumber: n })).gasUsed
    return gas
  } finally {
    await anvil.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export class InsufficientFundsToDeployError extends NodeError {
  override name = 'InsufficientFundsToDeployError'
  readonly address: `0x${string}`
  readonly needed: bigint
  constructor(p: { address: `0x${string}`; chainId: number; balance: bigint; gas: bigint; feePerGas: bigint }) {
    const needed = p.gas * p.feePerGas
    super(
      'INSUFFICIENT_FUNDS',
      `${p.address} cannot pay for the deployment on chain ${p.chainId}: it holds ${formatEther(p.balance)} ETH, and deploying the mycel contracts takes about ${p.gas.toLocaleString('en-US')} gas, about ${formatEther(needed)} ETH at the current ${formatGwei(p.feePerGas)} gwei per gas. Send at least that much to ${p.address} (from another account, or a faucet on a testnet), then run \`mycel deploy\` again: contracts already deployed are reused.`,
    )
    this.address = p.address
    this.needed = needed
  }
}

/**
 * The error for a deployer that could not pay: its balance, the gas a deployment takes, and what that costs now.
 * Undefined when the balance covers it (the failure had another cause), or when that cannot be told (the chain or
 * the throwaway anvil failed too): the caller then shows the deployment's own error, not this unrelated one.
 */
export async function deploymentFundingError(
  client: Client,
  parameters: { address: `0x${string}`; chainId: number } & Pick<
    DeployMycelParameters,
    'initialSupply' | 'testStablecoin'
  >,
): Promise<InsufficientFundsToDeployError | undefined> {
  const { address, chainId, ...deploy } = parameters
  try {
    // The chain first: when it does not answer, no anvil is started for nothing.
    const [balance, feePerGas] = await Promise.all([
      getBalance(client, { address }),
      estimateFeesPerGas(client).then(
        (fees) => fees.maxFeePerGas ?? fees.gasPrice ?? 0n,
        () => getGasPrice(client),
      ),
    ])
    const gas = await measureDeploymentGas(deploy)
    if (balance >= gas * feePerGas) return undefined
    return new InsufficientFundsToDeployError({ address, chainId, balance, gas, feePerGas })
  } catch {
    return undefined
  }
}
