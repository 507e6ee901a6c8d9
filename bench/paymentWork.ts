/**
 * The payment work of one paid request, piece by piece, on one core in this process (used by bench/inference.ts):
 * what the gateway does (sign the voucher, encode the header) and what the miner does (parse the header, recover the
 * signer, admit the voucher and record the request in SQLite, with concurrent requests sharing transactions as they
 * do under load, and one at a time with pauses between, as when requests trickle in). Each figure is the median of
 * five passes, in µs per request; the ledger's is the event loop's busy time (its share of the disk included).
 */
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SignedVoucher } from '@mycel/sdk'
import { type Hex, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { migrations, openDatabase } from '../packages/node/src/db/database.ts'
import { devnetAccount } from '../packages/node/src/devnet/accounts.ts'
import { createMinerLedger } from '../packages/node/src/miner/ledger.ts'
import type { ChannelState } from '../packages/node/src/payments/channelCache.ts'
import { encodeVoucherHeader, parseVoucherHeader } from '../packages/node/src/payments/voucherHeader.ts'
import { createVoucherSigner } from '../packages/node/src/payments/voucherSigner.ts'
import { createVoucherVerifier } from '../packages/node/src/payments/voucherVerifier.ts'
import { tempDir } from '../test/helpers/chain.ts'

const COUNT = 4000
const PASSES = 5
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

export type PaymentWork = Record<
  'sign' | 'encodeHeader' | 'parseHeader' | 'recover' | 'ledgerConcurrent' | 'ledgerSequential',
  number
> & { gatewayTotal: number; minerTotal: number }

export async function measurePaymentWork(): Promise<PaymentWork> {
  const domain = { chainId: 31337, paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
  const key = toHex(devnetAccount(1).getHdKey().privateKey as Uint8Array) as Hex
  const payer = privateKeyToAccount(key).address.toLowerCase() as `0x${string}`
  const sign = createVoucherSigner(domain, key)
  const verifier = createVoucherVerifier(domain)
  const vouchers = (channelId: bigint) =>
    Array.from({ length: COUNT }, (_, i) => {
      const v = {
        channelId,
        cumulativeAmount: BigInt(i + 1) * 1000n,
        cumulativeRequests: BigInt(i + 1),
        cumulativeUnits: 0n,
      }
      return { ...v, signature: sign(v) } as SignedVoucher
    })
  const signed = vouchers(1n)
  const headers = signed.map(encodeVoucherHeader)

  const perCall = (f: (i: number) => unknown) => {
    const passes: number[] = []
    for (let pass = 0; pass < PASSES; pass++) {
      const started = performance.now()
      for (let i = 0; i < COUNT; i++) f(i)
      passes.push(((performance.now() - started) * 1000) / COUNT)
    }
    return median(passes)
  }

  // The ledger with the chain read and the recovery taken out (measured above), on a fresh database per pass.
  let channelId = 100n
  const ledgerPass = async (batch: number) => {
    channelId += 1n
    const id = channelId
    const state: ChannelState = {
      channelId: id,
      payer,
      payee: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      token: '0x0000000000000000000000000000000000000001',
      deposit: 10n ** 24n,
      claimed: 0n,
      closesAt: 0n,
      sessionSigner: '0x0000000000000000000000000000000000000000',
      sessionCap: 0n,
    }
    const db = openDatabase(join(tempDir('mycel-bench-work-'), 'node.db'), migrations, {
      backgroundCheckpoints: true,
      checkpoints: { delayMs: 0 },
    })
    const ledger = createMinerLedger({
      db,
      payee: state.payee,
      verifier: { recover: async () => payer },
      cache: { get: () => state, load: async () => state, poll: async () => {} },
      safetySeconds: 60n,
    })
    const list = vouchers(id)
    let next = 0
    await sleep(100) // the checkpoint thread starts
    const started = performance.eventLoopUtilization()
    while (next < COUNT) {
      await Promise.all(
        Array.from({ length: Math.min(batch, COUNT - next) }, async () => {
          const v = list[next++] as SignedVoucher
          const admission = await ledger.admit(v, { price: 1000n, token: state.token, model: 'm' })
          await ledger.settle(admission, 0n)
        }),
      )
      if (batch === 1 && next % 4 === 0) await sleep(1)
    }
    const us = (performance.eventLoopUtilization(started).active * 1000) / COUNT
    ledger.flush()
    db.close()
    return us
  }
  const ledger = async (batch: number) => {
    const passes: number[] = []
    for (let pass = 0; pass < PASSES; pass++) passes.push(await ledgerPass(batch))
    return median(passes)
  }

  const work = {
    sign: perCall((i) => sign(signed[i] as SignedVoucher)),
    encodeHeader: perCall((i) => encodeVoucherHeader(signed[i] as SignedVoucher)),
    parseHeader: perCall((i) => parseVoucherHeader(headers[i] as string)),
    recover: perCall((i) => verifier.recover(signed[i] as SignedVoucher)),
    ledgerConcurrent: await ledger(32),
    ledgerSequential: await ledger(1),
  }
  return {
    ...work,
    gatewayTotal: work.sign + work.encodeHeader,
    minerTotal: work.parseHeader + work.recover + work.ledgerConcurrent,
  }
}
