/** The parts of a built epoch the next one needs as its `previous` (pure). */
import type { BuiltEpoch, PreviousEpoch } from './buildEpoch.ts'

/**
 * The parts of a built epoch the next one needs as its `previous`.
 *
 * @example
 * const next = buildEpoch(await readEpochState(client, { ...contracts, netuid, snapshot, previous: previousOf(built) }))
 */
export function previousOf(built: BuiltEpoch): PreviousEpoch {
  return {
    snapshotBlock: built.header.snapshotBlock,
    neurons: built.header.neurons,
    validators: built.validators,
    bonds: built.bonds,
  }
}
