/**
 * Model splits of vouchers, as PaymentChannels checks them: building one from per-model totals, validating it
 * (ids strictly ascending, each amount > 0, sum ≤ the voucher's cumulative amount), checking a newer split against
 * the last accepted one, and the royalty arithmetic of a claim (each route entry owed `floor(cumulative · bps /
 * 10,000)` of a model's cumulative amount, the payee keeps the rest). A payee's node runs these before serving, so
 * it never accepts a voucher its claim would revert on.
 */
import type { ModelAmount } from '../channels/voucher.ts'
import { BaseError } from '../errors/base.ts'

const MAX_UINT96 = 2n ** 96n - 1n

export class ModelSplitNotSortedError extends BaseError {
  override name = 'ModelSplitNotSortedError' as const
  constructor({ index, previous, modelId }: { index: number; previous: bigint; modelId: bigint }) {
    super(
      `Model split entry ${index} (model ${modelId}) does not come after model ${previous}: ids must be strictly ascending.`,
      {
        docsPath: 'models-market.md',
      },
    )
  }
}

export class ModelSplitAmountError extends BaseError {
  override name = 'ModelSplitAmountError' as const
  constructor({ modelId, amount }: { modelId: bigint; amount: bigint }) {
    super(`Model split amount ${amount} for model ${modelId} is out of range: use 1 to 2^96 - 1.`, {
      docsPath: 'models-market.md',
    })
  }
}

export class ModelSplitOverAmountError extends BaseError {
  override name = 'ModelSplitOverAmountError' as const
  constructor({ total, cumulativeAmount }: { total: bigint; cumulativeAmount: bigint }) {
    super(`The model split adds up to ${total}, more than the voucher's cumulative amount ${cumulativeAmount}.`, {
      docsPath: 'models-market.md',
    })
  }
}

export class ModelAmountDecreasedError extends BaseError {
  override name = 'ModelAmountDecreasedError' as const
  constructor({ modelId, previous, received }: { modelId: bigint; previous: bigint; received: bigint }) {
    super(`The split pays model ${modelId} a cumulative ${received}, lower than the ${previous} accepted before.`, {
      docsPath: 'models-market.md',
    })
  }
}

/**
 * The split for per-model cumulative totals: zero totals dropped, ids ascending.
 *
 * @example
 * buildModelSplit(new Map([[7n, 300n], [2n, 1_000n]])) // [{ modelId: 2n, cumulativeAmount: 1000n }, { modelId: 7n, ... }]
 */
export function buildModelSplit(totals: ReadonlyMap<bigint, bigint>): ModelAmount[] {
  const split = [...totals]
    .filter(([, amount]) => amount !== 0n)
    .map(([modelId, cumulativeAmount]) => ({ modelId, cumulativeAmount }))
    .sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0))
  validateModelSplit(
    split,
    split.reduce((sum, m) => sum + m.cumulativeAmount, 0n),
  )
  return split
}

/** Throws the named error for the first rule `split` breaks against a voucher of `cumulativeAmount`. */
export function validateModelSplit(split: readonly ModelAmount[], cumulativeAmount: bigint): void {
  let total = 0n
  split.forEach((entry, index) => {
    const previous = split[index - 1]
    if (previous !== undefined && entry.modelId <= previous.modelId) {
      throw new ModelSplitNotSortedError({ index, previous: previous.modelId, modelId: entry.modelId })
    }
    if (entry.cumulativeAmount <= 0n || entry.cumulativeAmount > MAX_UINT96) {
      throw new ModelSplitAmountError({ modelId: entry.modelId, amount: entry.cumulativeAmount })
    }
    total += entry.cumulativeAmount
  })
  if (total > cumulativeAmount) throw new ModelSplitOverAmountError({ total, cumulativeAmount })
}

/**
 * Checks `next` against the split of the last accepted voucher: no model may go lower, and a model may not vanish
 * from it (stricter than the contract, which does not look at models a voucher omits, so a payee never depends on
 * that). Returns each model's increase.
 */
export function splitIncreases(previous: readonly ModelAmount[], next: readonly ModelAmount[]): Map<bigint, bigint> {
  const after = new Map(next.map((m) => [m.modelId, m.cumulativeAmount]))
  const increases = new Map<bigint, bigint>()
  for (const { modelId, cumulativeAmount } of previous) {
    const received = after.get(modelId) ?? 0n
    if (received < cumulativeAmount)
      throw new ModelAmountDecreasedError({ modelId, previous: cumulativeAmount, received })
  }
  const before = new Map(previous.map((m) => [m.modelId, m.cumulativeAmount]))
  for (const { modelId, cumulativeAmount } of next) {
    const delta = cumulativeAmount - (before.get(modelId) ?? 0n)
    if (delta > 0n) increases.set(modelId, delta)
  }
  return increases
}

/** One entry of a royalty route: a model and its share in basis points. */
export type RouteEntry = { modelId: bigint; bps: number }

/**
 * What a claim owes the route of a model whose cumulative amount on the channel rises by `delta` from `before` (0
 * for a first claim): each entry (the model at its license's bps, then its ancestors) is owed
 * `floor(cumulative · bps / 10,000)` of the cumulative amount, so a claim owes the increase of that; `payee` is the
 * rest. The contract computes the same, whether it credits at the claim or retains until a model channel settles.
 * A negative `payee` (several entries' floors ticking at once on a rise of a few units) is a claim the contract
 * refuses (`PaymentChannelsRoyaltiesOverClaim`): wait for a larger voucher.
 */
export function royaltyShares(
  delta: bigint,
  route: readonly RouteEntry[],
  before = 0n,
): { credits: bigint[]; payee: bigint } {
  const owed = (amount: bigint, bps: number) => (amount * BigInt(bps)) / 10_000n
  const credits = route.map((entry) => owed(before + delta, entry.bps) - owed(before, entry.bps))
  return { credits, payee: delta - credits.reduce((sum, c) => sum + c, 0n) }
}
