/**
 * The node's HTTP API as the dashboard reads it (`/api/network`, `/api/events`, `/api/payments`, `/api/incentives`):
 * the response shapes, and `usePoll`, which fetches a route every few seconds while a view shows it.
 */
import { useEffect, useState } from 'preact/hooks'

export type Neuron = {
  uid: number
  hotkey: string
  role: 'miner' | 'validator'
  endpoint: string
  metadataCid: string
  registeredBlock: number
}
export type Subnet = {
  netuid: number
  owner: string
  name: string
  taskType: string
  scoringSpecCid: string
  maxNeurons: number
  registrationCost: string
  neuronCount: number
  neurons: Neuron[]
}
export type Network = {
  status?: { ready: boolean; reason: string }
  chain: { chainId: number; rpcUrl: string; embedded: boolean; headBlock: number; indexedBlock: number }
  contracts: Record<string, string>
  subnets: Subnet[]
}
export type ChainEvent = { blockNumber: number; logIndex: number; txHash: string; name: string; args: EventArgs }
export type EventArgs = Record<string, string | number | boolean | null | undefined>

export type Price = { perRequest: string; per1kUnits: string }
export type MinerChannel = {
  channelId: string
  payer: string
  deposit: string | null
  served: string
  servedRequests: number
  voucher: string
  claimed: string
  pending: string
  closed: boolean
}
export type GatewayChannel = {
  channelId: string
  payee: string
  deposit: string
  committed: string
  requests: string
  units: string
  remaining: string
}
export type Payments = {
  miner?: {
    url: string
    payee: string
    offerCid: string
    token: string
    models: { id: string; task: string; backend: string; price: Price; paidRequests: number }[]
    channels: MinerChannel[]
    recentRequests: { channelId: string; model: string; price: string; cumulativeAmount: string; at: string }[]
  } | null
  gateway?: {
    paidRequests: number
    failedAttempts: number
    deposited: string
    miners: {
      payee: string
      endpoint: string
      offerCid: string
      latencyMs: number
      healthy: boolean
      models: { id: string; task: string; price: Price }[]
    }[]
    channels: GatewayChannel[]
  } | null
}

export type Epoch = {
  epoch: number
  snapshotBlock?: number
  proposer?: string
  final: boolean
  matches?: boolean
  emission: string
  validators: number[]
  consensus: number[]
  incentive: number[]
  dividends: number[]
  minerEmission: string[]
  validatorEmission: string[]
}
export type MinerScore = {
  uid?: number
  hotkey?: string
  score?: number
  quality?: number
  latencyMs?: number
  rounds?: number
  failures?: number
  spotChecks?: number
  spotFailures?: number
  lastError?: string | null
}
export type IncentiveSubnet = {
  netuid: number
  name?: string
  taskType?: string
  tempo?: number
  kappa?: number
  neurons: { uid: number; hotkey: string; role: 'miner' | 'validator'; endpoint: string; stake: string }[]
  weights: { uid: number; hotkey: string; commitBlock: number; revealBlock: number; weights: number[] }[]
  scores: { validator: string; miners: MinerScore[] }[]
  epochs: Epoch[]
}
export type Incentives = { subnets: IncentiveSubnet[] }

/**
 * What a poll of one route shows: its data, or why there is none (still starting: `waiting`; failed: `error`, with
 * the HTTP `status` when the node answered, so a view can tell a route this node lacks (404) from a failure).
 */
export type Polled<data> = { data?: data; error?: string | undefined; status?: number; waiting?: string; at?: Date }

/** The message of the API's error envelope `{ error: { code, message } }`, or the HTTP status. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } }
    return body.error?.message ?? `HTTP ${response.status}`
  } catch {
    return `HTTP ${response.status}`
  }
}

/** One fetch of a JSON route (a lookup the user asked for): its data, or the node's error message and status. */
export async function getJson<data>(url: string): Promise<{ data: data } | { error: string; status?: number }> {
  try {
    const response = await fetch(url)
    if (response.ok) return { data: (await response.json()) as data }
    return { error: await errorMessage(response), status: response.status }
  } catch (error) {
    return { error: `node unreachable (${(error as Error).message})` }
  }
}

/** Fetches `url` now and every `everyMs` while mounted; a 503 is "waiting" (the node is starting or lacks a role). */
export function usePoll<data>(url: string, everyMs = 2000): Polled<data> {
  const [state, setState] = useState<Polled<data>>({})
  useEffect(() => {
    let stopped = false
    let busy = false
    const tick = async () => {
      if (busy) return
      busy = true
      try {
        const response = await fetch(url)
        if (stopped) return
        if (response.ok) {
          const data = (await response.json()) as data
          if (!stopped) setState({ data, at: new Date() }) // clears `waiting` and `error`
        } else if (response.status === 503) {
          const waiting = await errorMessage(response)
          setState((s) => ({ ...s, waiting, error: undefined, status: response.status }))
        } else {
          const error = await errorMessage(response)
          setState((s) => ({ ...s, error, status: response.status }))
        }
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error: `node unreachable (${(error as Error).message})` }))
      } finally {
        busy = false
      }
    }
    void tick()
    const timer = setInterval(tick, everyMs)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [url, everyMs])
  return state
}
