/** The gas limit sent for an estimate: a fifth more, within the per-transaction cap unless the estimate is past it. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gasWithMargin, MAX_TRANSACTION_GAS } from '../src/index.ts'

describe('gasWithMargin', () => {
  it('adds a fifth to an ordinary estimate', () => {
    expect(gasWithMargin(50_000n)).toBe(60_000n)
    expect(gasWithMargin(21_000n)).toBe(25_200n)
  })

  it('stops at the cap, and never sends less than the estimate', () => {
    expect(gasWithMargin(15_000_000n)).toBe(MAX_TRANSACTION_GAS)
    expect(gasWithMargin(20_000_000n)).toBe(20_000_000n)
  })

  it('property: at least the estimate, at most a fifth more, within the cap when the estimate is', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), (estimate) => {
        const gas = gasWithMargin(estimate)
        expect(gas).toBeGreaterThanOrEqual(estimate)
        expect(gas).toBeLessThanOrEqual(estimate + estimate / 5n)
        if (estimate <= MAX_TRANSACTION_GAS) expect(gas).toBeLessThanOrEqual(MAX_TRANSACTION_GAS)
        if (estimate + estimate / 5n <= MAX_TRANSACTION_GAS) expect(gas).toBe(estimate + estimate / 5n)
      }),
    )
  })
})
