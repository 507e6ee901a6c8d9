/**
 * x402 `exact` settled by the miner itself (it is its own facilitator): a `PAYMENT-SIGNATURE` is parsed and checked
 * (x402.ts), its authorization reserved in the database (db/stores/x402.ts: a replay finds the row and is refused),
 * then `transferWithAuthorization` is sent from the miner's account in its turn of the node's transaction queue
 * and its receipt awaited, and the row marked settled — all before the request is served.
 *
 * Settle before serving: the exact scheme has no channel to recover an unpaid answer from; a payment the chain
 * refuses (funds moved away, the nonce canceled or used elsewhere) must leave the request unserved, and a minute of
 * latency risk is the price of that. On the devnet (automine) settling adds one transaction round trip.
 */
import { testUsdAbi, type WriteClient, writeContractAndWait } from '@mycel/sdk'
import { type Address, decodeEventLog, isAddressEqual, type PublicClient } from 'viem'
import type { TxQueue } from '../chain/txQueue.ts'
import type { Db } from '../db/database.ts'
import { createX402Store, type X402Store } from '../db/stores/x402.ts'
import {
  checkExactPayment,
  type ExactAsset,
  type ExactPayment,
  networkOf,
  parsePaymentSignature,
  X402PaymentError,
} from './x402.ts'

export type X402Settlement = {
  success: true
  transaction: `0x${string}`
  network: `eip155:${number}`
  payer: Address
  amount: string
}

export type X402Exact = {
  /** The EIP-3009 token `exact` is paid in, with its EIP-712 domain. */
  asset: ExactAsset
  store: X402Store
  /**
   * Checks the `PAYMENT-SIGNATURE` header against a request costing `amount`, settles it on chain and records it;
   * throws {@link X402PaymentError} (nothing served, nothing recorded twice).
   */
  settle: (header: string, request: { amount: bigint; model: string }) => Promise<X402Settlement>
}

export type CreateX402ExactParameters = {
  client: PublicClient
  wallet: WriteClient
  db: Db
  txQueue: TxQueue
  chainId: number
  token: Address
  /** Unix time in seconds (tests move it). */
  now?: () => bigint
}

/** How far back an authorization's use is looked for (its validity window is minutes; blocks are seconds). */
const USED_LOOKBACK_BLOCKS = 10_000n

/** Contract errors the token reverts a transfer with, as the refusal each one is. */
const refusalOf: Record<string, 'X402_REPLAYED' | 'X402_EXPIRED' | 'X402_NOT_YET_VALID' | 'X402_INVALID_SIGNATURE'> = {
  TestUSDAuthorizationUsed: 'X402_REPLAYED',
  TestUSDAuthorizationExpired: 'X402_EXPIRED',
  TestUSDAuthorizationNotYetValid: 'X402_NOT_YET_VALID',
  TestUSDInvalidAuthorizationSignature: 'X402_INVALID_SIGNATURE',
}

/**
 * The miner's `exact` settlement for `token`, or undefined when the token has no EIP-3009 (then the 402 offers only
 * mycel-channel). The token's EIP-712 name and version are read from it (ERC-5267 `eip712Domain`).
 */
export async function createX402Exact(p: CreateX402ExactParameters): Promise<X402Exact | undefined> {
  let asset: ExactAsset
  try {
    const [[, name, version], used] = await Promise.all([
      p.client.readContract({ address: p.token, abi: testUsdAbi, functionName: 'eip712Domain' }),
      p.client.readContract({
        address: p.token,
        abi: testUsdAbi,
        functionName: 'authorizationState',
        args: [p.token, `0x${'00'.repeat(32)}`],
      }),
    ])
    if (typeof used !== 'boolean') return undefined
    asset = { address: p.token, name, version }
  } catch {
    return undefined // no EIP-5267 domain or no EIP-3009: not an exact asset
  }
  const store = createX402Store(p.db)
  const now = p.now ?? (() => BigInt(Math.floor(Date.now() / 1000)))
  const payTo = p.wallet.account.address

  /**
   * The transaction that used `a` on chain and paid this miner its value, if any: the token's AuthorizationUsed for
   * (from, nonce) immediately followed, in the same transaction, by the Transfer of `value` from `from` to the miner.
   * (The nonce alone is not enough: the payer could have spent it on a ReceiveWithAuthorization paying someone else.)
   */
  async function usedOnChain(a: ExactPayment['authorization']): Promise<`0x${string}` | undefined> {
    try {
      const head = await p.client.getBlockNumber({ cacheTime: 0 })
      const logs = await p.client.getContractEvents({
        address: asset.address,
        abi: testUsdAbi,
        eventName: 'AuthorizationUsed',
        args: { authorizer: a.from, nonce: a.nonce },
        fromBlock: head > USED_LOOKBACK_BLOCKS ? head - USED_LOOKBACK_BLOCKS : 0n,
        toBlock: head,
      })
      const used = logs[0]
      if (!used?.transactionHash || used.logIndex === null) return undefined
      const receipt = await p.client.getTransactionReceipt({ hash: used.transactionHash })
      const next = receipt.logs.find((l) => l.logIndex === (used.logIndex as number) + 1)
      if (!next || !isAddressEqual(next.address, asset.address)) return undefined
      const transfer = decodeEventLog({ abi: testUsdAbi, data: next.data, topics: next.topics })
      if (transfer.eventName !== 'Transfer') return undefined
      const { from, to, value } = transfer.args
      return isAddressEqual(from, a.from) && isAddressEqual(to, payTo) && value === a.value
        ? used.transactionHash
        : undefined
    } catch {
      return undefined // cannot tell: refuse, as for any failed settlement
    }
  }

  async function settle(header: string, request: { amount: bigint; model: string }): Promise<X402Settlement> {
    const payment: ExactPayment = parsePaymentSignature(header)
    await checkExactPayment(payment, { chainId: p.chainId, asset, payTo, amount: request.amount }, now())
    const a = payment.authorization
    const key = { asset: asset.address, payer: a.from, nonce: a.nonce }
    // Reserved before anything is sent: a second request with the same authorization finds it and is refused.
    if (!store.reserve({ ...key, payTo, amount: a.value, model: request.model, now: Date.now() })) {
      throw new X402PaymentError(
        'X402_REPLAYED',
        `Authorization ${a.nonce} of ${a.from} was already presented to this miner; sign a new one.`,
      )
    }
    let hash: `0x${string}` | undefined
    try {
      ;({ hash } = await p.txQueue.run(payTo, () =>
        writeContractAndWait(p.wallet, {
          address: asset.address,
          abi: testUsdAbi,
          functionName: 'transferWithAuthorization',
          args: [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, payment.signature],
        }),
      ))
    } catch (error) {
      const reason = (error as { errorName?: string }).errorName ?? (error as Error).message.split('\n')[0] ?? 'failed'
      // Used on chain by someone else first (a front-runner, or the client itself): the authorization fixes `to`
      // and `value`, so its use paid this miner exactly the price, and the request is served.
      hash = await usedOnChain(a)
      if (hash === undefined) store.failed(key, reason)
    }
    if (hash === undefined) {
      const reason = store.get(key)?.reason ?? 'failed'
      const code = refusalOf[reason] ?? (reason === 'ERC20InsufficientBalance' ? 'X402_INSUFFICIENT_FUNDS' : undefined)
      throw new X402PaymentError(
        code ?? 'X402_SETTLEMENT_FAILED',
        code === 'X402_INSUFFICIENT_FUNDS'
          ? `${a.from} does not hold ${a.value} token units: the transfer was refused; nothing was served.`
          : `The transfer with authorization failed on chain (${reason}); nothing was served.`,
      )
    }
    store.settled(key, hash)
    return {
      success: true,
      transaction: hash,
      network: networkOf(p.chainId),
      payer: a.from,
      amount: a.value.toString(),
    }
  }

  return { asset, store, settle }
}
