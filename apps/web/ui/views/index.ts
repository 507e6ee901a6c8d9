/**
 * The dashboard's views, one per capability, in the order of the tabs. A new capability adds its folder under
 * `views/<capability>/` and replaces its `planned` entry here with its component; the route is `#/<id>`.
 */
import type { FunctionComponent } from 'preact'
import { DataMarketView } from './data/DataMarketView.tsx'
import { IncentivesView } from './incentives/IncentivesView.tsx'
import { InferenceView } from './inference/InferenceView.tsx'
import { ModelsView } from './models/ModelsView.tsx'
import { NetworkView } from './network/NetworkView.tsx'
import { PlannedView } from './planned/PlannedView.tsx'
import { ProvenanceView } from './provenance/ProvenanceView.tsx'
import { TrainingView } from './training/TrainingView.tsx'
import type { ViewProps } from './types.ts'

/** What every view gets: the network (chain, contracts, subnets), polled once for the whole app. */

export type View = { id: string; title: string; component: FunctionComponent<ViewProps>; planned?: boolean }

export const views: View[] = [
  { id: 'network', title: 'Network', component: NetworkView },
  { id: 'inference', title: 'Inference', component: InferenceView },
  { id: 'incentives', title: 'Incentives', component: IncentivesView },
  { id: 'models', title: 'Models', component: ModelsView },
  { id: 'training', title: 'Training', component: TrainingView },
  { id: 'data', title: 'Data', component: DataMarketView },
  { id: 'provenance', title: 'Provenance', component: ProvenanceView },
  { id: 'agents', title: 'Agents', component: PlannedView, planned: true },
]

/** The view a location hash (`#/inference`) names; the network view for anything else. */
export function viewOf(hash: string): View {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0]
  return views.find((v) => v.id === id) ?? (views[0] as View)
}
