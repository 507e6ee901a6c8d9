/**
 * Voucher signature recovery off the event loop: a worker thread runs the native verifier, and the vouchers of one
 * turn of the event loop go to it in one message. Recovery (~80 µs of libsecp256k1 per voucher here) then runs
 * beside the HTTP handling instead of inside it, which is what keeps paid throughput close to unpaid. Where a
 * worker cannot start, recovery runs in-thread, with the same results.
 */
import { Worker } from 'node:worker_threads'
import type { SignedVoucher, VoucherDomain } from '@mycel/sdk'
import { VerifierWorkerStoppedError } from './errors.ts'
import { createVoucherVerifier } from './voucherVerifier.ts'

export type VerifierPool = {
  recover: (voucher: SignedVoucher) => Promise<`0x${string}` | undefined>
  close: () => Promise<void>
  /** Batches the worker thread answered (0 where recovery runs in-thread): tells a worker that never started. */
  workerBatches: () => number
}

type Pending = { resolve: (address: `0x${string}` | undefined) => void; reject: (error: unknown) => void }

export function createVerifierPool(domain: VoucherDomain): VerifierPool {
  const local = createVoucherVerifier(domain)
  if (process.env.MYCEL_VERIFIER_THREAD === '0') {
    return { recover: async (voucher) => local.recover(voucher), close: async () => {}, workerBatches: () => 0 }
  }
  // The worker starts with the first voucher, not with the miner: loading it costs about a second of CPU, which a
  // node starting several miners (the demo subnet's) would otherwise spend at start-up on miners nobody pays yet.
  let worker: Worker | undefined
  // Until the worker has loaded (it compiles the verifier), recovery runs here.
  let ready = false
  // Batches in flight, answered in order.
  const inFlight: { voucher: SignedVoucher; pending: Pending }[][] = []
  let queued: { voucher: SignedVoucher; pending: Pending }[] = []
  let failed: unknown
  let answered = 0
  // If the worker fails or exits, what it had is recovered here, and so is everything after.
  const takeOver = (reason: unknown) => {
    failed ??= reason
    for (const batch of inFlight.splice(0)) for (const item of batch) item.pending.resolve(local.recover(item.voucher))
  }
  const startWorker = () => {
    try {
      worker = new Worker(new URL('./verifierWorker.mjs', import.meta.url), {
        workerData: { domain: { chainId: domain.chainId, paymentChannels: domain.paymentChannels } },
      })
    } catch (error) {
      failed = error
      return
    }
    worker.unref()
    worker.on('message', (addresses: (`0x${string}` | null)[] | 'ready') => {
      if (addresses === 'ready') {
        ready = true
        return
      }
      const batch = inFlight.shift() ?? []
      answered += 1
      batch.forEach((item, i) => {
        item.pending.resolve(addresses[i] ?? undefined)
      })
    })
    worker.on('error', takeOver)
    worker.on('exit', (code) => takeOver(new VerifierWorkerStoppedError(`the verifier worker exited (${code})`)))
  }
  const send = () => {
    const batch = queued
    queued = []
    // Anything that is not a well-formed voucher is answered here; the worker only sees plain strings.
    const message = batch.map(({ voucher: v }) => [
      String(v.channelId),
      String(v.cumulativeAmount),
      String(v.cumulativeRequests),
      String(v.cumulativeUnits),
      v.signature,
    ])
    if (failed !== undefined) {
      for (const item of batch) item.pending.resolve(local.recover(item.voucher))
      return
    }
    inFlight.push(batch)
    worker?.postMessage(message)
  }
  return {
    recover(voucher) {
      if (!worker && failed === undefined) startWorker()
      // Values the contract cannot take never reach the worker (they would not survive BigInt(String(x)) intact).
      // A voucher with a model split is recovered here: the worker's message carries the four plain fields only.
      if (
        !ready ||
        failed !== undefined ||
        typeof voucher.signature !== 'string' ||
        (voucher.models?.length ?? 0) > 0
      ) {
        return Promise.resolve(local.recover(voucher))
      }
      for (const x of [
        voucher.channelId,
        voucher.cumulativeAmount,
        voucher.cumulativeRequests,
        voucher.cumulativeUnits,
      ]) {
        if (typeof x !== 'bigint') return Promise.resolve(local.recover(voucher))
      }
      return new Promise((resolve, reject) => {
        if (queued.length === 0) setImmediate(send)
        queued.push({ voucher, pending: { resolve, reject } })
      })
    },
    close: async () => {
      failed ??= new VerifierWorkerStoppedError('closed')
      await worker?.terminate()
    },
    workerBatches: () => answered,
  }
}
