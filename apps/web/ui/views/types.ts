/** What every view receives: the polled network (shared by all views) and the view's own id. */
import type { Network, Polled } from '../api.ts'

export type ViewProps = { network: Polled<Network>; id: string }
