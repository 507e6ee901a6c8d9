// The voucher verifier on a worker thread (see verifierPool.ts). Plain JavaScript so that it starts the same way
// whether the node runs under tsx or not; it registers tsx to load the TypeScript verifier itself.
import { parentPort, workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
const { createVoucherVerifier } = await import('./voucherVerifier.ts')
const verifier = createVoucherVerifier(workerData.domain)
parentPort.on('message', (batch) => {
  const out = batch.map(
    (v) =>
      verifier.recover({
        channelId: BigInt(v[0]),
        cumulativeAmount: BigInt(v[1]),
        cumulativeRequests: BigInt(v[2]),
        cumulativeUnits: BigInt(v[3]),
        signature: v[4],
      }) ?? null,
  )
  parentPort.postMessage(out)
})
parentPort.postMessage('ready')
