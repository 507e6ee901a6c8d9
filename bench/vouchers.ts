/**
 * Voucher verifications per second on one core: the node's request-path verifier (`createVoucherVerifier`, native
 * libsecp256k1) against viem's `recoverTypedDataAddress` (the baseline) and the verifier's pure-JS fallback, all on
 * the same signed vouchers in the same run. Target from issue #3: ≥ 8,000 verifications/s per core.
 * Prints a table, writes bench/results/vouchers.json, exits 1 when the target is missed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { recoverVoucherSigner, type SignedVoucher, signVoucher } from '@mycel/sdk'
import { privateKeyToAccount } from 'viem/accounts'
import { createVoucherVerifier } from '../packages/node/src/payments/voucherVerifier.ts'

const COUNT = Number(process.env.BENCH_VOUCHERS ?? 4000)
const domain = { chainId: 31337, paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const expected = account.address.toLowerCase()

const vouchers: SignedVoucher[] = []
for (let i = 0; i < COUNT; i++) {
  const voucher = {
    channelId: 7n,
    cumulativeAmount: BigInt(i + 1) * 1000n,
    cumulativeRequests: BigInt(i + 1),
    cumulativeUnits: BigInt(i * 37),
  }
  vouchers.push({ ...voucher, signature: await signVoucher(account, domain, voucher) })
}

async function rate(
  name: string,
  verify: (v: SignedVoucher) => Promise<string | undefined> | string | undefined,
  sample = COUNT,
) {
  for (const v of vouchers.slice(0, 50)) await verify(v) // warm up
  const started = performance.now()
  for (const v of vouchers.slice(0, sample)) {
    if ((await verify(v))?.toLowerCase() !== expected) throw new Error(`${name} recovered the wrong signer`)
  }
  const seconds = (performance.now() - started) / 1000
  return { name, verifications: sample, perSecond: sample / seconds }
}

const native = createVoucherVerifier(domain)
const js = createVoucherVerifier(domain, { backend: 'js' })
const baseline = await rate(
  'viem recoverTypedDataAddress (baseline)',
  (v) => recoverVoucherSigner(domain, v),
  Math.min(COUNT, 300),
)
const rows = [
  baseline,
  await rate(`mycel verifier, ${native.backend}`, (v) => native.recover(v)),
  await rate('mycel verifier, js fallback', (v) => js.recover(v), Math.min(COUNT, 600)),
]
const target = {
  name: 'verifications/s per core >= 8,000 (native)',
  value: rows[1]?.perSecond ?? 0,
  met: (rows[1]?.perSecond ?? 0) >= 8000,
}

process.stdout.write(`\n${'verifier'.padEnd(44)}${'per second'.padEnd(13)}ratio to baseline\n`)
for (const r of rows)
  process.stdout.write(
    `${r.name.padEnd(44)}${r.perSecond.toFixed(0).padEnd(13)}${(r.perSecond / baseline.perSecond).toFixed(1)}x\n`,
  )
process.stdout.write(`target: ${target.name}: ${target.value.toFixed(0)} ${target.met ? 'met' : 'MISSED'}\n`)
const out = join(import.meta.dirname, 'results')
mkdirSync(out, { recursive: true })
writeFileSync(
  join(out, 'vouchers.json'),
  `${JSON.stringify({ date: new Date().toISOString(), rows, target }, null, 2)}\n`,
)
process.exitCode = target.met ? 0 : 1
