/**
 * The Models view's data: the shape of `GET /api/models` (the model market as the node reads it from chain), and the
 * view's pure rules — the lineage layout (columns by generation), token and share amounts, vote shares, and which
 * governance steps a proposal's state allows. No rendering here, so the rules are tested without a browser.
 */
import { placeInColumns } from '../../components/layered.ts'
import { big, sameHex } from '../../format.ts'

export type TokenAmount = { token: string; symbol: string; amount: string }
export type Terms = {
  commercialUse: boolean
  derivativesAllowed: boolean
  attribution: boolean
  royaltyBps: number
  minPricePerRequest: string
  currency: string
  currencySymbol: string
  licenseDuration: number
  mintFee: string
}
export type License = {
  id: string
  holder: string
  expiresAt: number
  revoked: boolean
  valid: boolean
  royaltyBps: number
}
export type Holder = {
  address: string
  shares: string
  votes: string
  withdrawable: { token: string; amount: string }[]
}
export type ProposalState =
  | 'Pending'
  | 'Active'
  | 'Canceled'
  | 'Defeated'
  | 'Succeeded'
  | 'Queued'
  | 'Expired'
  | 'Executed'
export type Proposal = {
  id: string
  description: string
  state: ProposalState
  forVotes: string
  againstVotes: string
  abstainVotes: string
  voteEnd: number
  eta: number
  votes: { voter: string; support: number; weight: string }[]
}
export type Fractional = {
  vault: string
  governor: string
  timelock: string
  symbol: string
  totalSupply: string
  wiringOk: boolean
  holders: Holder[]
  proposals: Proposal[]
}
export type Model = {
  id: string
  name: string
  owner: string
  weightsCid: string
  cardCid: string
  format: string
  parents: string[]
  children: string[]
  registeredAt: number
  terms: Terms | null
  route: { modelId: string; bps: number }[]
  royalties: { credited: TokenAmount[]; mintFees: TokenAmount[]; unsettled: TokenAmount[]; pending: TokenAmount[] }
  licenses: License[]
  servedBy: string[]
  fractional: Fractional | null
}
export type ModelsCatalog = { registry: string; licenses: string; paymentChannels: string; models: Model[] }

const thousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** `units` with `decimals` decimals, thousands separated, trailing zeros after the point dropped (at least 2 kept). */
export function fixed(units: bigint, decimals: number): string {
  const negative = units < 0n
  const abs = negative ? -units : units
  const scale = 10n ** BigInt(decimals)
  const whole = thousands((abs / scale).toString())
  let fraction = decimals > 0 ? (abs % scale).toString().padStart(decimals, '0') : ''
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1)
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/**
 * Decimals of a payment token, which the API does not carry: the devnet's TestUSD (tUSD, like USDC) has 6; any
 * other token is shown in its raw units, named as such, rather than guessed.
 */
export function decimalsOf(symbol: string | undefined, token: string | undefined, testUsd: string | undefined) {
  return symbol === 'tUSD' || (token !== undefined && testUsd !== undefined && sameHex(token, testUsd)) ? 6 : undefined
}

/** A token amount for people: `1.50 tUSD`, or `1500 units of 0xab…` when the token's decimals are unknown. */
export function money(amount: unknown, symbol: string | undefined, token?: string, testUsd?: string): string {
  const decimals = decimalsOf(symbol, token, testUsd)
  if (decimals === undefined) return `${big(amount)} ${symbol ? `${symbol} units` : 'units'}`
  return `${fixed(big(amount), decimals)} ${symbol ?? 'tUSD'}`
}

/** The sum of a list of token amounts, per token (the list's order kept). */
export function sumByToken(lists: TokenAmount[][]): TokenAmount[] {
  const sums: TokenAmount[] = []
  for (const item of lists.flat()) {
    const found = sums.find((s) => sameHex(s.token, item.token))
    if (found) found.amount = (big(found.amount) + big(item.amount)).toString()
    else sums.push({ ...item, amount: big(item.amount).toString() })
  }
  return sums
}

/** Basis points as a percentage: 1000 → `10 %`, 250 → `2.5 %`. */
export const bps = (value: number) => `${Number((value / 100).toFixed(2))} %`

/** A share balance: ERC-20 shares have 18 decimals (OpenZeppelin's default, which the royalty vault keeps). */
export const shares = (units: unknown) => fixed(big(units), 18).replace(/\.00$/, '')

/** `part / whole` as a percentage with one decimal (0 % of nothing). */
export function percentOf(part: unknown, whole: unknown): string {
  const w = big(whole)
  if (w === 0n) return '0 %'
  const tenths = (big(part) * 1000n + w / 2n) / w
  return `${tenths / 10n}.${tenths % 10n} %`
}

/** A proposal's votes as shares of all votes cast (for, against, abstain), in percent of the bar's width. */
export function voteShares(p: Pick<Proposal, 'forVotes' | 'againstVotes' | 'abstainVotes'>) {
  const votes = [big(p.forVotes), big(p.againstVotes), big(p.abstainVotes)]
  const total = votes.reduce((a, b) => a + b, 0n)
  const [forShare, against, abstain] = votes.map((v) => (total === 0n ? 0 : Number((v * 10_000n) / total) / 100))
  return { for: forShare ?? 0, against: against ?? 0, abstain: abstain ?? 0, total }
}

/** The governance steps a proposal's state allows now: vote while Active, queue once Succeeded, execute once Queued. */
export function allowedSteps(p: Pick<Proposal, 'state' | 'eta'>, nowSeconds: number) {
  return {
    vote: p.state === 'Active',
    queue: p.state === 'Succeeded',
    execute: p.state === 'Queued',
    /** Seconds until the timelock lets it execute (0 when it may run now or has no eta). */
    wait: p.state === 'Queued' && p.eta > nowSeconds ? p.eta - nowSeconds : 0,
  }
}

export const supportNames = ['against', 'for', 'abstain'] as const

export type LineageNode = { id: string; name: string; column: number; row: number }
export type LineageEdge = { from: string; to: string }

/**
 * The lineage graph's layout: a model's column is its generation (0 for a model with no parent in the catalog, else
 * one more than its deepest parent's), rows in id order within a column; an edge per (parent → derivative). Parents
 * are immutable and older than their derivatives, so the graph has no cycle; a malformed answer that had one would
 * be cut at the repeated model rather than loop.
 */
export function lineageLayout(models: Pick<Model, 'id' | 'name' | 'parents'>[]) {
  const byId = new Map(models.map((m) => [m.id, m]))
  const depth = new Map<string, number>()
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id)
    if (known !== undefined) return known
    const model = byId.get(id)
    if (!model || seen.has(id)) return 0
    seen.add(id)
    const parents = model.parents.filter((p) => byId.has(p) && !seen.has(p))
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(p, seen)))
    seen.delete(id)
    depth.set(id, d)
    return d
  }
  const sorted = [...models].sort((a, b) => Number(big(a.id) - big(b.id)))
  const placed = placeInColumns(sorted, (m) => depthOf(m.id, new Set()))
  const nodes: LineageNode[] = placed.nodes.map((m) => ({ id: m.id, name: m.name, column: m.column, row: m.row }))
  const edges: LineageEdge[] = sorted.flatMap((m) =>
    m.parents.filter((p) => byId.has(p) && p !== m.id).map((p) => ({ from: p, to: m.id })),
  )
  return { nodes, edges, columns: placed.columns, rows: placed.rows }
}

/** The devnet's accounts (anvil's public test mnemonic, m/44'/60'/0'/0/i): the index the governance routes take. */
export const devnetAddresses = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
  '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
  '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
] as const

/** `devnet #i` for one of the devnet's accounts, else undefined. */
export function devnetIndex(address: string): number | undefined {
  const i = devnetAddresses.findIndex((a) => sameHex(a, address))
  return i < 0 ? undefined : i
}

/**
 * A decimal amount typed by a person (`2`, `0.0015`, `1,000`) as token units with `decimals` decimals; a named
 * reason when it is not one (empty, not a number, negative, more decimals than the token has).
 */
export function parseAmount(text: string, decimals: number): { units: bigint } | { error: string } {
  const clean = text.trim().replace(/[,_\s]/g, '')
  if (clean === '') return { error: 'Enter an amount.' }
  const match = /^(\d+)(?:\.(\d*))?$/.exec(clean)
  if (!match) return { error: `“${text.trim()}” is not an amount: use digits and at most one point, like 0.002.` }
  const fraction = match[2] ?? ''
  if (fraction.length > decimals)
    return { error: `At most ${decimals} decimals: the token's smallest unit is 10^-${decimals}.` }
  return { units: BigInt(match[1] ?? '0') * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0') }
}
