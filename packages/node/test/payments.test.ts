/**
 * Property tests of the payment bookkeeping that runs without a chain: prices, the voucher header codec, the
 * sampler, and the miner ledger's admission rules over random interleavings of concurrent requests.
 */
import { join } from 'node:path'
import type { SignedVoucher, Voucher } from '@mycel/sdk'
import fc from 'fast-check'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { openDatabase } from '../src/db/database.ts'
import { createRandom, sample } from '../src/inference/sampling.ts'
import { createMinerLedger, type MinerLedgerParameters } from '../src/miner/ledger.ts'
import type { ChannelCache, ChannelState } from '../src/payments/channelCache.ts'
import { createMeteredInTransit } from '../src/payments/meteredInTransit.ts'
import { maxRequestCost, meteredCost, parsePrice } from '../src/payments/pricing.ts'
import { PaymentError } from '../src/payments/refusals.ts'
import { encodeVoucherHeader, parseVoucherHeader } from '../src/payments/voucherHeader.ts'
import { createVoucherSigner } from '../src/payments/voucherSigner.ts'
import { createVoucherVerifier } from '../src/payments/voucherVerifier.ts'

const u = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n })

describe('pricing', () => {
  it('property: metered cost is the exact ceiling of units × price / 1000, and monotone', () => {
    fc.assert(
      fc.property(u(64), u(64), u(20), (units, per1k, more) => {
        const price = { perRequest: 0n, per1kUnits: per1k }
        const cost = meteredCost(price, units)
        expect(cost * 1000n >= units * per1k).toBe(true)
        expect((cost - 1n) * 1000n < units * per1k || cost === 0n).toBe(true)
        expect(meteredCost(price, units + more) >= cost).toBe(true)
        expect(maxRequestCost({ perRequest: 5n, per1kUnits: per1k }, units)).toBe(5n + cost)
      }),
    )
  })

  it('parses prices from decimal strings only, naming the field', () => {
    expect(parsePrice({ perRequest: '1000' }, 'p')).toEqual({ perRequest: 1000n, per1kUnits: 0n })
    expect(parsePrice({ perRequest: 7, per1kUnits: '0' }, 'p')).toEqual({ perRequest: 7n, per1kUnits: 0n })
    for (const bad of ['-1', '1.5', '0x10', '', ' 1', '01', 1.5, -3, null, {}]) {
      expect(() => parsePrice({ perRequest: bad }, 'minerPrices.text')).toThrow(/minerPrices\.text\.perRequest/)
    }
  })
})

describe('voucher header', () => {
  const signed = fc.record({
    channelId: u(256),
    cumulativeAmount: u(96),
    cumulativeRequests: u(64),
    cumulativeUnits: u(64),
    signature: fc
      .uint8Array({ minLength: 65, maxLength: 65 })
      .map((b) => `0x${Buffer.from(b).toString('hex')}` as const),
  })

  it('property: encodes and parses back exactly', () => {
    fc.assert(
      fc.property(signed, (v) => {
        const parsed = parseVoucherHeader(encodeVoucherHeader(v))
        expect(parsed).toEqual({ ok: true, voucher: v })
      }),
    )
  })

  it('property: the fast path for the canonical form agrees with the general parse', () => {
    // The general parse, reached with the same JSON written with a space after each colon.
    const spaced = (text: string) => text.replaceAll('":"', '": "')
    fc.assert(
      fc.property(
        signed,
        fc.constantFrom('channelId', 'cumulativeAmount', 'cumulativeRequests', 'cumulativeUnits'),
        fc.bigInt({ min: 0n, max: 2n ** 257n }),
        (v, field, value) => {
          const text = encodeVoucherHeader(v).replace(`"${field}":"${v[field]}"`, `"${field}":"${value}"`)
          expect(parseVoucherHeader(text)).toEqual(parseVoucherHeader(spaced(text)))
        },
      ),
    )
  })

  it('property: never throws on any input, and refuses out-of-range fields', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((j) => JSON.stringify(j)),
        ),
        (text) => {
          const parsed = parseVoucherHeader(text)
          expect(typeof parsed.ok).toBe('boolean')
        },
      ),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(signed, fc.constantFrom('cumulativeAmount', 'cumulativeRequests', 'channelId'), (v, field) => {
        const bits = { cumulativeAmount: 96n, cumulativeRequests: 64n, channelId: 256n }[field]
        const text = encodeVoucherHeader(v).replace(`"${field}":"${v[field]}"`, `"${field}":"${2n ** bits + v[field]}"`)
        expect(parseVoucherHeader(text).ok).toBe(false)
      }),
    )
  })
})

describe('sampler', () => {
  it('property: returns an index with positive weight; temperature 0 and a tiny top-p are greedy', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 100 })
          .filter((p) => p.some((x) => x > 0)),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer(),
        (probabilities, temperature, topP, seed) => {
          const i = sample(probabilities, temperature, topP, createRandom(seed))
          expect(i).toBeGreaterThanOrEqual(0)
          expect(i).toBeLessThan(probabilities.length)
          expect(probabilities[i]).toBeGreaterThan(0)
          const greedy = probabilities.indexOf(Math.max(...probabilities))
          expect(sample(probabilities, 0, 1, createRandom(seed))).toBe(greedy)
          expect(sample(probabilities, 1, 1e-9, createRandom(seed))).toBe(greedy)
        },
      ),
    )
  })

  it('draws in proportion to the probabilities (seeded, 20,000 draws)', () => {
    const random = createRandom(42)
    const counts = [0, 0, 0]
    for (let i = 0; i < 20_000; i++) {
      const k = sample([0.2, 0.5, 0.3], 1, 1, random)
      counts[k] = (counts[k] ?? 0) + 1
    }
    expect(counts.map((c) => Math.round((c / 20_000) * 10))).toEqual([2, 5, 3])
  })
})

describe('metered costs in transit', () => {
  it('drops the windows of idle channels as other channels are used, not only when they are used again', () => {
    const clock = { now: 1_000 }
    const inTransit = createMeteredInTransit({ graceMs: 100, now: () => clock.now })
    for (let id = 1n; id <= 100n; id++) inTransit.add(id, 5n)
    expect(inTransit.channels()).toBe(100)
    expect(inTransit.excused(7n)).toBe(5n)
    // Past the grace period, one busy channel: the 100 idle ones are swept a few per add.
    clock.now += 100
    for (let i = 0; i < 40; i++) inTransit.add(1_000n, 1n)
    expect(inTransit.channels()).toBe(1)
    expect(inTransit.excused(1_000n)).toBe(40n)
    expect(inTransit.excused(7n)).toBe(0n)
  })
})

describe('miner ledger', () => {
  const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
  const domain = { chainId: 31337, paymentChannels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
  const payee = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const
  const token = '0x0000000000000000000000000000000000000001' as const
  const sign = createVoucherSigner(domain, key)
  const PRICE = 100n
  /** Signs channel 1's vouchers in order: each call the next request, for the cumulative `amount` given. */
  function voucherSeries() {
    let counter = 0n
    return (amount: bigint): SignedVoucher => {
      counter += 1n
      const v: Voucher = { channelId: 1n, cumulativeAmount: amount, cumulativeRequests: counter, cumulativeUnits: 0n }
      return { ...v, signature: sign(v) }
    }
  }

  /** The channel as the chain would report it (the ledger's only outside input), held in memory. */
  function chainDouble(deposit: bigint): ChannelCache {
    const state: ChannelState = {
      channelId: 1n,
      payer: privateKeyToAccount(key).address,
      payee,
      token,
      deposit,
      claimed: 0n,
      closesAt: 0n,
      sessionSigner: '0x0000000000000000000000000000000000000000',
      sessionCap: 0n,
    }
    return { get: () => state, load: async () => state, poll: async () => {} }
  }

  // A client that pays like the gateway, possibly lying: each step sends a voucher (honest, stale, replayed or
  // short) with concurrent requests in flight, and some requests fail after admission.
  // Time steps between the rounds of requests, so metered costs fall due (the grace is GRACE ms).
  const GRACE = 1000
  const step = fc.record({
    kind: fc.constantFrom('honest', 'honest', 'honest', 'replay', 'short', 'old'),
    concurrent: fc.integer({ min: 1, max: 4 }),
    fail: fc.boolean(),
    metered: fc.bigInt({ min: 0n, max: 50n }),
    wait: fc.integer({ min: 0, max: 2 * GRACE }),
  })

  function ledgerAt(clock: { now: number }, log?: MinerLedgerParameters['log']) {
    const db = openDatabase(join(tempDir('mycel-ledger-'), 'node.db'))
    const ledger = createMinerLedger({
      db,
      ...(log ? { log } : {}),
      payee,
      verifier: { recover: async (v) => createVoucherVerifier(domain).recover(v) },
      cache: chainDouble(10n ** 9n),
      safetySeconds: 60n,
      meteredGraceMs: GRACE,
      now: () => clock.now,
    })
    return { db, ledger }
  }

  it('property: never serves more than the best voucher pays for, and never accepts a voucher twice', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const clock = { now: 1_000_000 }
        const { db, ledger } = ledgerAt(clock)
        /** Metered costs served, with when: those of the last GRACE ms may be missing from vouchers. */
        const meteredServed: { at: number; metered: bigint }[] = []
        const recentMetered = () =>
          meteredServed.filter((m) => m.at > clock.now - GRACE).reduce((sum, m) => sum + m.metered, 0n)
        let committed = 0n
        const sent: SignedVoucher[] = []
        const next = voucherSeries()
        const voucher = (amount: bigint): SignedVoucher => {
          const s = next(amount)
          sent.push(s)
          return s
        }
        let bestSeen = 0n
        let exposure = 0n
        for (const s of steps) {
          clock.now += s.wait
          const attempts = Array.from({ length: s.concurrent }, () => {
            let v: SignedVoucher
            if (s.kind === 'replay' && sent.length > 0) v = sent[sent.length - 1] as SignedVoucher
            else if (s.kind === 'old' && sent.length > 0) v = sent[Math.floor(sent.length / 2)] as SignedVoucher
            else if (s.kind === 'short') v = voucher(committed)
            else {
              committed += PRICE
              v = voucher(committed)
            }
            return ledger.admit(v, { price: PRICE, token, model: 'm' }).then(
              (admission) => ({ admission }),
              (error: unknown) => ({ error }),
            )
          })
          const results = await Promise.all(attempts)
          for (const r of results) {
            if ('error' in r) {
              expect(r.error).toBeInstanceOf(PaymentError)
              continue
            }
            if (s.fail) ledger.release(r.admission)
            else {
              await ledger.settle(r.admission, s.metered)
              meteredServed.push({ at: clock.now, metered: s.metered })
              committed += s.metered
            }
          }
          // What the last admitted voucher could leave unpaid: the metered costs of the GRACE ms before it (the
          // payer may not have had those answers) and of the requests it paid for (served after it).
          if (results.some((r) => 'admission' in r)) exposure = recentMetered()
          const row = ledger.channel(1n)
          if (row) {
            // The best voucher only grows and covers everything served but that: the documented exposure.
            expect(row.best.cumulativeAmount >= bestSeen).toBe(true)
            bestSeen = row.best.cumulativeAmount
            expect(row.served <= row.best.cumulativeAmount + exposure).toBe(true)
            // And the miner never counts more than the client committed to, but for what the grace defers.
            expect(row.served <= committed + exposure).toBe(true)
          }
        }
        // Every voucher was recorded at most once.
        const rows = db
          .prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT cumulative_requests) AS d FROM miner_vouchers')
          .get() as { n: number; d: number }
        expect(rows.n).toBe(rows.d)
        db.close()
      }),
      { numRuns: 150 },
    )
  })

  it('refuses a voucher short of what is due: up-front prices at once, a metered cost once its grace is over', async () => {
    const clock = { now: 1_000_000 }
    const { db, ledger } = ledgerAt(clock)
    const voucher = voucherSeries()
    const admit = (amount: bigint) => ledger.admit(voucher(amount), { price: PRICE, token, model: 'm' })
    const refusal = (amount: bigint) =>
      admit(amount).then(
        () => 'admitted',
        (e: PaymentError) => ({ code: e.code, required: e.payment.requiredAmount }),
      )

    // A request served with 40 of metered cost: 140 served, 100 paid.
    await ledger.settle(await admit(100n), 40n)
    // Short of an up-front price: refused, even while the metered cost is not due (100 + 100 + 0 of 40).
    expect(await refusal(100n)).toEqual({ code: 'UNDERPAID', required: '200' })
    // Short of more than the metered cost of the answer in transit: refused.
    expect(await refusal(199n)).toEqual({ code: 'UNDERPAID', required: '200' })
    // Without that metered cost, right after the answer: admitted (the voucher may predate the answer).
    await ledger.settle(await admit(200n), 0n)
    // Once the answer had GRACE ms to arrive, its metered cost is due: 240 served, so 340 for the next request.
    clock.now += GRACE
    expect(await refusal(300n)).toEqual({ code: 'UNDERPAID', required: '340' })
    await ledger.settle(await admit(340n), 0n)
    expect(ledger.channel(1n)?.served).toBe(340n)
    expect(ledger.channel(1n)?.best.cumulativeAmount).toBe(340n)
    db.close()
  })

  it('writes the voucher another request relied on before that request is answered (what a crash would leave)', async () => {
    const clock = { now: 1_000_000 }
    const { db, ledger } = ledgerAt(clock)
    const voucher = voucherSeries()
    const admit = (v: SignedVoucher) => ledger.admit(v, { price: PRICE, token, model: 'm' })
    // B's own voucher pays nothing; it is admitted because A's voucher, admitted just before, covers both.
    const va = voucher(2n * PRICE)
    const vb = voucher(0n)
    const a = await admit(va)
    const b = await admit(vb)
    const written = () =>
      db.prepare('SELECT MAX(CAST(cumulative_amount AS INTEGER)) AS best FROM miner_vouchers').get() as {
        best: number | null
      }
    expect(written().best).toBe(null) // nothing is written before a request is answered
    // B is answered first: by then A's voucher is on disk, so a crash now still leaves B paid for.
    await ledger.settle(b, 0n)
    const servedOnDisk = db.prepare('SELECT served_amount FROM miner_channels').get() as { served_amount: string }
    expect(BigInt(servedOnDisk.served_amount)).toBe(PRICE)
    expect(BigInt(written().best ?? 0)).toBe(2n * PRICE)
    // A replay is refused whether its voucher is written (B's) or only admitted (A's, its request still running).
    for (const v of [vb, va]) {
      expect(
        await admit(v).then(
          () => 'admitted',
          (e: PaymentError) => e.code,
        ),
      ).toBe('VOUCHER_REPLAYED')
    }
    await ledger.settle(a, 0n)
    expect(ledger.channel(1n)?.served).toBe(2n * PRICE)
    db.close()
  })

  it('keeps what a failed write held and writes it once writing works again: nothing is lost', async () => {
    const clock = { now: 1_000_000 }
    const warnings: string[] = []
    const { db, ledger } = ledgerAt(clock, { warn: (o: { msg: string }) => warnings.push(o.msg) })
    const voucher = voucherSeries()
    const admit = (v: SignedVoucher) => ledger.admit(v, { price: PRICE, token, model: 'm' })
    const onDisk = () => ({
      best: (
        db.prepare('SELECT MAX(CAST(cumulative_amount AS INTEGER)) AS best FROM miner_vouchers').get() as {
          best: number | null
        }
      ).best,
      served: (db.prepare('SELECT served_amount FROM miner_channels').get() as { served_amount: string } | undefined)
        ?.served_amount,
    })
    // The disk refuses writes (a real SQLite failure, as a full disk gives): the group commit rolls back.
    const failWrites = (table: string) =>
      db.exec(
        `CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END`,
      )
    // B relies on A's voucher (B's pays nothing); B's batch fails after A's voucher was part of it.
    const a = await admit(voucher(2n * PRICE))
    const b = await admit(voucher(0n))
    failWrites('miner_channels')
    await expect(ledger.settle(b, 0n)).rejects.toThrow('disk full (test)')
    expect(onDisk()).toEqual({ best: null, served: undefined })
    db.exec('DROP TRIGGER fail_miner_channels')
    // The next flush writes A's voucher and the channel with B served.
    ledger.flush()
    expect(onDisk()).toEqual({ best: 2 * Number(PRICE), served: PRICE.toString() })

    // A failed write of a released request's voucher is logged, and its voucher (the best one) written later.
    const c = await admit(voucher(3n * PRICE))
    failWrites('miner_vouchers')
    ledger.release(c)
    await new Promise((r) => setImmediate(r))
    await new Promise((r) => setImmediate(r))
    expect(warnings).toContain('miner ledger write failed')
    db.exec('DROP TRIGGER fail_miner_vouchers')
    await ledger.settle(a, 0n)
    expect(onDisk()).toEqual({ best: 3 * Number(PRICE), served: (2n * PRICE).toString() })
    db.close()
  })
})
