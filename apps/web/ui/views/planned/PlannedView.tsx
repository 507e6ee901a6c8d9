/** The page of a capability that has no view yet (models, training, data, agents): what it will show, and when. */
import type { ViewProps } from '../types.ts'

const plans: Record<string, string> = {
  models: 'the model market: models listed on chain, their licenses, vaults and shares.',
  training: 'verifiable training: jobs, their trainers and the referee’s checks.',
  data: 'data markets and provenance: datasets, grants and anchors.',
  agents: 'agents: their policies and what they spent.',
}

export function PlannedView({ id }: ViewProps) {
  return (
    <section aria-labelledby="planned-title">
      <h2 id="planned-title">Not here yet</h2>
      <p class="muted">
        This page will show {plans[id] ?? 'a capability of the network.'} The node does not serve it yet; see the
        network, inference and incentives tabs for what runs today.
      </p>
    </section>
  )
}
