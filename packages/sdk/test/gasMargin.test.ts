/**
 * The gas limit sent for an estimate: a fifth more and at least 50,000 more, within the per-transaction cap unless
 * the estimate is past it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gasWithMargin, MAX_TRANSACTION_GAS, MIN_GAS_MARGIN } from '../src/index.ts'

describe('gasWithMargin', () => {
  it('adds a fifth to a large estimate, and at least 50,000 to a small one', () => {
    expect(gasWithMargin(500_000n)).toBe(600_000n)
    expect(gasWithMargin(50_000n)).toBe(100_000n)
    expect(gasWithMargin(21_000n)).toBe(71_000n)
  })

  it('stops at the cap, and never sends less than the estimate', () => {
    expect(gasWithMargin(15_000_000n)).toBe(MAX_TRANSACTION_GAS)
    expect(gasWithMargin(20_000_000n)).toBe(20_000_000n)
  })

  it('property: at least the estimate, the larger of a fifth and 50,000 more, within the cap when the estimate is', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), (estimate) => {
        const gas = gasWithMargin(estimate)
        const margin = estimate / 5n > MIN_GAS_MARGIN ? estimate / 5n : MIN_GAS_MARGIN
        expect(gas).toBeGreaterThanOrEqual(estimate)
        expect(gas).toBeLessThanOrEqual(estimate + margin)
        if (estimate <= MAX_TRANSACTION_GAS) expect(gas).toBeLessThanOrEqual(MAX_TRANSACTION_GAS)
        if (estimate + margin <= MAX_TRANSACTION_GAS) expect(gas).toBe(estimate + margin)
      }),
    )
  })
})
