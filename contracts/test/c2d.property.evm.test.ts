/**
 * Compute-to-data payments over random sequences on the real contracts (in-process EVM): two buyers post jobs on a
 * dataset (buying its training grant, or posting again under one), the owner approves specs, auctions are left unbid
 * and reopened or won by the trusted provider at a random price, results are submitted, deadlines missed (the provider
 * slashed, the buyer compensated in MYC), jobs cancelled, accepted through the wrapper or straight on TrainingJobs,
 * claimed by anyone, and every party withdraws — with time passing in between.
 *
 * After every action that moves or credits tokens: tUSD is conserved (what the parties hold plus what the four contracts hold is what was minted);
 * the dataset's owner and contributor are owed exactly their split of every training grant bought; each buyer's value
 * (balance, what the wrapper owes it, what its unsettled jobs still escrow) is what it started with less the grants it
 * bought and the prices of its accepted jobs; the provider's is the prices of its accepted jobs; each buyer's MYC is
 * the compensation of its jobs. A grant posts again whenever its job was cancelled before any approval (audit E1) and
 * never once a provider held it (audit C4). At the end every finished job is claimed: each model is its buyer's and,
 * once everyone withdrew, the wrapper holds nothing. 40 sequences of two to four jobs' lives here (C2D_PROPERTY_RUNS
 * for more; `npm run bench -- properties` runs thousands), each path taken many times (counted, and checked).
 */
import { chainSpec } from '@mycel/training'
import fc from 'fast-check'
import { type Abi, type Address, getAddress, type Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  accessGrantsAbi,
  computeToDataAbi,
  datasetRegistryAbi,
  modelRegistryAbi,
  mycelTokenAbi,
  testUSDAbi as testUsdAbi,
  trainingJobsAbi,
} from '../../packages/sdk/src/generated/contracts.ts'
import {
  buyer,
  contributor,
  deployComputeToData,
  mlp,
  owner,
  STATE,
  stranger,
  TRAINING_PRICE,
  trusted,
} from './helpers/computeToData.ts'
import { fromSnapshot } from './helpers/evm.ts'
import { MYC, TIMES, termsIn } from './helpers/training.ts'

const RUNS = Number(process.env.C2D_PROPERTY_RUNS ?? 40)
const ROOT = `0x${'cd'.repeat(32)}` as Hex
const COUNT = 256
const spec = chainSpec(mlp, { steps: 8, checkpointEvery: 4, datasetRoot: ROOT, datasetCount: COUNT })
const checkpoints = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, '0')}` as Hex)
const BOND = 10n * MYC
const COMPENSATION = (BOND * 1_000n) / 10_000n // TrainingJobs.REWARD_BPS of the bond
const buyer2 = getAddress('0x00000000000000000000000000000000000b0e02')
const buyers = [buyer, buyer2]
const MINT = 10n ** 12n

const job = fc.nat()
const action = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('post' as const),
      b: fc.integer({ min: 0, max: 1 }),
      reuse: fc.boolean(),
      /** The owner approves the spec at once (a separate `approve` approves late). */
      approve: fc.boolean(),
      budget: fc.bigInt({ min: 1n, max: 2_000_000n }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('approve' as const), job }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), job, byBuyer: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const), job }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('win' as const), job, price: fc.bigInt({ min: 0n, max: 2_000_000n }) }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('submit' as const), job }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('expire' as const), job }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('accept' as const), job, byBuyer: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('acceptDirect' as const), job }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('claim' as const), job }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('withdraw' as const), who: fc.integer({ min: 0, max: 4 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('wait' as const), seconds: fc.constantFrom(1, 601, 1_201, 3_601) }),
  },
)
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never

/**
 * One job's life, as actions on the newest job (`job: 0`), with random actions on any job in between: posted (under a
 * new grant or the buyer's last one), approved at once, late or never, perhaps left unbid and reopened first, then
 * cancelled, won (perhaps missed and won again), submitted and accepted one of three ways, or left where it is.
 */
const life = fc
  .record({
    b: fc.integer({ min: 0, max: 1 }),
    reuse: fc.constantFrom(true, true, true, false),
    budget: fc.bigInt({ min: 1n, max: 2_000_000n }),
    approve: fc.constantFrom('now', 'now', 'now', 'late', 'never'),
    reopenFirst: fc.boolean(),
    fate: fc.constantFrom('cancel', 'cancel', 'win', 'win', 'win', 'win', 'idle'),
    /** The winning bid, in basis points of the budget (above 10,000: refused at reveal). */
    priceBps: fc.integer({ min: 0, max: 11_000 }),
    missed: fc.boolean(),
    again: fc.constantFrom(true, true, true, false),
    accept: fc.constantFrom('buyer', 'anyone', 'direct', 'buyer', 'anyone', 'direct', 'none'),
    claim: fc.boolean(),
    withdraw: fc.boolean(),
    between: fc.array(action, { maxLength: 3 }),
  })
  .map((p): Action[] => {
    const steps: Action[] = [{ t: 'post', b: p.b, reuse: p.reuse, approve: p.approve === 'now', budget: p.budget }]
    if (p.reopenFirst) steps.push({ t: 'reopen', job: 0 })
    if (p.approve === 'late') steps.push({ t: 'approve', job: 0 })
    if (p.fate === 'cancel') {
      steps.push({ t: 'cancel', job: 0, byBuyer: true })
      // Declined or withdrawn: the buyer posts another spec under the same grant (allowed unless a provider held it).
      if (p.again) steps.push({ t: 'post', b: p.b, reuse: true, approve: p.approve === 'now', budget: p.budget })
    }
    if (p.fate === 'win') {
      const price = (p.budget * BigInt(p.priceBps)) / 10_000n
      steps.push({ t: 'win', job: 0, price })
      if (p.missed) steps.push({ t: 'expire', job: 0 }, { t: 'win', job: 0, price })
      steps.push({ t: 'submit', job: 0 })
      if (p.accept === 'direct') steps.push({ t: 'acceptDirect', job: 0 })
      else if (p.accept !== 'none') steps.push({ t: 'accept', job: 0, byBuyer: p.accept === 'buyer' })
    }
    if (p.claim) steps.push({ t: 'claim', job: 0 })
    if (p.withdraw) steps.push({ t: 'withdraw', who: p.b })
    return [...steps, ...p.between]
  })
const program = fc.array(life, { minLength: 2, maxLength: 4 }).map((lives) => lives.flat())

/** What the test knows of a job: from its own calls, and the chain's state read back after each. */
type ModelJob = {
  id: bigint
  b: number
  budget: bigint
  grantId: bigint
  state: number
  price: bigint
  compensation: bigint
  settled: boolean
  modelId: bigint
  /** A provider was assigned the job at some point (it held it). */
  held: boolean
  approved: boolean
}

describe('compute-to-data payments (property, real contracts)', () => {
  it(
    `conserve tokens and pay each party exactly over ${RUNS} random sequences`,
    async () => {
      const f = await deployComputeToData({ recordsRoot: ROOT, recordCount: COUNT })
      const { t, c2d, grants } = f
      const usd = t.m.usd.toString() as Address
      const myc = t.myc.toString() as Address
      await t.m.mint(buyer2, MINT)
      await t.m.mint(buyer, MINT)
      await t.must(buyer2, t.m.usd, testUsdAbi, 'approve', [c2d.toString(), 2n ** 255n])
      const parties = [...buyers, owner, contributor, trusted, stranger]
      const holders = [c2d, t.jobs, grants, t.m.usd].map((a) => a.toString() as Address)
      const balance = (who: Address) => t.usdBalance(who)
      const read = async (to: typeof c2d, abi: Abi, fn: string, args: unknown[]) =>
        (await t.must(stranger, to, abi, fn, args)).result as bigint
      const mycOf = async (who: Address) =>
        (await t.must(stranger, t.myc, mycelTokenAbi, 'balanceOf', [who])).result as bigint
      let minted = 0n
      for (const who of [...parties, ...holders]) minted += await balance(who)
      const start = t.chain.now
      // How often each path was taken (accepted: through the wrapper or on TrainingJobs): the sequences must reach every
      // way money moves, not only refusals; each is expected at least ten times in 40 sequences.
      const seen = {
        won: 0,
        accepted: 0,
        expired: 0,
        cancelled: 0,
        reposted: 0,
        refusedRepost: 0,
        withdrawn: 0,
      }

      await fc.assert(
        fc.asyncProperty(program, (actions) => fromSnapshot(t.chain, start, () => run(actions))),
        { numRuns: RUNS },
      )
      for (const [path, count] of Object.entries(seen)) expect(count, path).toBeGreaterThan(0)

      async function run(actions: Action[]) {
        const initial = await Promise.all(buyers.map(balance))
        const initialMyc = await Promise.all(buyers.map(mycOf))
        const jobs: ModelJob[] = []
        const bought = [0n, 0n]
        let ownerOwed = 0n
        let contributorOwed = 0n
        const c = (from: Address, fn: string, args: unknown[]) => t.call(from, c2d, computeToDataAbi, fn, args)
        const onJobs = (from: Address, fn: string, args: unknown[]) => t.call(from, t.jobs, trainingJobsAbi, fn, args)
        const refresh = async (j: ModelJob) => {
          const chain = (await t.must(stranger, t.jobs, trainingJobsAbi, 'getJob', [j.id])).result as {
            state: number
            price: bigint
            modelId: bigint
            compensation: bigint
          }
          const order = (await t.must(stranger, c2d, computeToDataAbi, 'orderOf', [j.id])).result as {
            settled: boolean
            approved: boolean
          }
          // The buyer's compensation is the model's: a tenth of the bond for each deadline missed.
          expect(chain.compensation).toBe(j.compensation)
          Object.assign(j, {
            state: chain.state,
            price: chain.price,
            modelId: chain.modelId,
            settled: order.settled,
            approved: order.approved,
          })
          if (chain.state === STATE.training) j.held = true
        }
        const check = async () => {
          const balances = new Map<Address, bigint>()
          for (const who of [...parties, ...holders]) balances.set(who, await balance(who))
          expect([...balances.values()].reduce((sum, b) => sum + b, 0n)).toBe(minted)
          const balanceOf = (who: Address) => balances.get(who) as bigint
          // The owners are paid their split of every training grant bought, and AccessGrants holds just that.
          const ownerNow = await read(grants, accessGrantsAbi, 'owed', [usd, owner])
          const contributorNow = await read(grants, accessGrantsAbi, 'owed', [usd, contributor])
          expect([ownerNow, contributorNow]).toEqual([ownerOwed, contributorOwed])
          expect(balanceOf(grants.toString() as Address)).toBe(ownerOwed + contributorOwed)
          // Each buyer: what it holds, is owed, and still escrows is what it had less grants bought and prices accepted.
          let accepted = 0n
          let c2dMyc = 0n
          for (const [b, who] of buyers.entries()) {
            const mine = jobs.filter((j) => j.b === b)
            const escrowed = mine
              .filter((j) => !j.settled)
              .reduce((sum, j) => sum + (j.state === STATE.accepted ? j.budget - j.price : j.budget), 0n)
            const paid = mine.filter((j) => j.state === STATE.accepted).reduce((sum, j) => sum + j.price, 0n)
            accepted += paid
            const value = balanceOf(who) + (await read(c2d, computeToDataAbi, 'owed', [usd, who])) + escrowed
            expect(value).toBe((initial[b] as bigint) - (bought[b] as bigint) - paid)
            // MYC: the compensation of its jobs, credited at settlement, waiting in the wrapper until then.
            const owedMyc = await read(c2d, computeToDataAbi, 'owed', [myc, who])
            const pending = mine.filter((j) => !j.settled).reduce((sum, j) => sum + j.compensation, 0n)
            const compensated = mine.reduce((sum, j) => sum + j.compensation, 0n)
            expect((await mycOf(who)) - (initialMyc[b] as bigint) + owedMyc + pending).toBe(compensated)
            c2dMyc += owedMyc + pending
          }
          expect(await mycOf(c2d.toString() as Address)).toBe(c2dMyc)
          const provider = balanceOf(trusted) + (await read(t.jobs, trainingJobsAbi, 'owed', [usd, trusted]))
          expect(provider).toBe(accepted)
        }
        // `job: n` is the n-th newest job (0: the one just posted).
        const pick = (n: number) => (jobs.length === 0 ? undefined : jobs[jobs.length - 1 - (n % jobs.length)])

        for (const a of actions) {
          if (a.t === 'post') {
            const who = buyers[a.b] as Address
            const last = [...jobs].reverse().find((j) => j.b === a.b)
            const grantId = a.reuse && last ? last.grantId : 0n
            const terms = (await t.must(who, f.registry, datasetRegistryAbi, 'termsHash', [f.datasetId])).result as Hex
            const market = { token: usd, budget: a.budget, bond: BOND, ...TIMES }
            const r = await c(who, 'post', [f.datasetId, grantId, terms, spec, market, termsIn(usd), 'bafyspec'])
            if (grantId === 0n) expect(r.ok).toBe(true)
            else if (last) {
              // E1: cancelled before any approval, the grant posts again; C4: once a provider held it, never.
              if (last.state === STATE.cancelled && !last.approved) expect(r.ok).toBe(true)
              if (last.held || last.state !== STATE.cancelled) expect(r.ok).toBe(false)
            }
            if (grantId !== 0n) seen[r.ok ? 'reposted' : 'refusedRepost']++
            if (r.ok) {
              const id = r.result as bigint
              const order = (await t.must(stranger, c2d, computeToDataAbi, 'orderOf', [id])).result as {
                grantId: bigint
              }
              if (grantId === 0n) {
                bought[a.b] = (bought[a.b] as bigint) + TRAINING_PRICE
                const share = (TRAINING_PRICE * 1_000n) / 10_000n
                contributorOwed += share
                ownerOwed += TRAINING_PRICE - share
              } else expect(order.grantId).toBe(grantId)
              const j: ModelJob = {
                id,
                b: a.b,
                budget: a.budget,
                grantId: order.grantId,
                state: STATE.bidding,
                price: 0n,
                compensation: 0n,
                settled: false,
                modelId: 0n,
                held: false,
                approved: false,
              }
              jobs.push(j)
              if (a.approve) await c(owner, 'approve', [id])
              await refresh(j)
            }
          } else if (a.t === 'wait') {
            t.wait(a.seconds)
          } else if (a.t === 'withdraw') {
            if (a.who < 2) {
              const who = buyers[a.who] as Address
              for (const token of [usd, myc]) {
                const owed = await read(c2d, computeToDataAbi, 'owed', [token, who])
                const r = await c(who, 'withdraw', [token])
                expect(r.ok).toBe(owed > 0n)
                if (r.ok) seen.withdrawn++
              }
            } else if (a.who === 4) {
              await t.withdraw(trusted)
            } else {
              const who = a.who === 2 ? owner : contributor
              const r = await t.call(who, grants, accessGrantsAbi, 'withdraw', [usd])
              expect(r.ok).toBe((a.who === 2 ? ownerOwed : contributorOwed) > 0n)
              if (a.who === 2) ownerOwed = 0n
              else contributorOwed = 0n
            }
          } else {
            const j = pick(a.job)
            if (!j) continue
            const who = buyers[j.b] as Address
            if (a.t === 'approve') await c(owner, 'approve', [j.id])
            else if (a.t === 'cancel') {
              const r = await c(a.byBuyer ? who : stranger, 'cancel', [j.id])
              expect(r.ok).toBe(a.byBuyer && j.state === STATE.bidding)
              if (r.ok) seen.cancelled++
            } else if (a.t === 'reopen') {
              t.wait(TIMES.biddingTime + TIMES.revealTime)
              await onJobs(stranger, 'assign', [j.id])
            } else if (a.t === 'win') {
              try {
                await t.auction(j.id, [[trusted, a.price]])
                const after = await t.job(j.id)
                expect(after.state).toBe(STATE.training)
                expect(after.price).toBe(a.price)
                expect(a.price <= j.budget && j.approved).toBe(true)
                seen.won++
              } catch (error) {
                if ((error as { name?: string }).name === 'AssertionError') throw error
              }
            } else if (a.t === 'submit') {
              await onJobs(trusted, 'submitResult', [j.id, spec, checkpoints, checkpoints[2], 0, 'bafyweights', 'card'])
            } else if (a.t === 'expire') {
              t.wait(TIMES.trainingTime + 1)
              if ((await onJobs(stranger, 'expire', [j.id])).ok) {
                seen.expired++
                j.compensation += COMPENSATION
              }
            } else if (a.t === 'accept') {
              if (!a.byBuyer) t.wait(TIMES.challengeWindow)
              const r = await c(a.byBuyer ? who : stranger, 'accept', [j.id])
              if (r.ok) {
                seen.accepted++
                // Accepted through the wrapper: the model is the buyer's in the same transaction.
                const { modelId } = await t.job(j.id)
                const holder = await t.must(stranger, t.m.registry, modelRegistryAbi, 'ownerOf', [modelId])
                expect(holder.result).toBe(who)
              }
            } else if (a.t === 'acceptDirect') {
              t.wait(TIMES.challengeWindow)
              if ((await onJobs(stranger, 'accept', [j.id])).ok) seen.accepted++
            } else if (a.t === 'claim') {
              const before = { ...j }
              const r = await c(stranger, 'claim', [j.id])
              const finished = before.state === STATE.accepted || before.state === STATE.cancelled
              if (!finished) expect(r.ok).toBe(false)
              else if (!before.settled) expect(r.ok).toBe(true)
            }
            await refresh(j)
          }
          // Approvals, reopened auctions, bids, results and time move no token: the books are checked after the rest.
          if (!['approve', 'reopen', 'win', 'submit', 'wait'].includes(a.t)) await check()
        }

        // The end: every finished job claimed, everyone withdraws — each model is its buyer's, the wrapper holds nothing.
        for (const j of jobs) {
          if (j.state === STATE.accepted || j.state === STATE.cancelled) {
            await c(stranger, 'claim', [j.id])
            await refresh(j)
            expect(j.settled).toBe(true)
          }
          if (j.modelId !== 0n) {
            const holder = await t.must(stranger, t.m.registry, modelRegistryAbi, 'ownerOf', [j.modelId])
            expect(holder.result).toBe(buyers[j.b])
          }
        }
        for (const who of buyers)
          for (const token of [usd, myc])
            if ((await read(c2d, computeToDataAbi, 'owed', [token, who])) > 0n)
              await t.must(who, c2d, computeToDataAbi, 'withdraw', [token])
        await check()
        if (jobs.every((j) => j.settled)) {
          expect(await balance(c2d.toString() as Address)).toBe(0n)
          expect(await mycOf(c2d.toString() as Address)).toBe(0n)
        }
      }
    },
    120_000 + RUNS * 2_000,
  )
})
