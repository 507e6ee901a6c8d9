/**
 * The data market's vocabulary (DatasetRegistry, AccessGrants; docs/data.md): grant kinds by name, dataset terms
 * with the kinds they offer, and the price of a grant — the same arithmetic as `AccessGrants.priceOf`.
 */
import type { Address } from 'viem'

/** Grant kinds, numbered as `AccessGrants.Kind`. */
export const GRANT_KINDS = ['access', 'training', 'records', 'queries', 'compute'] as const
export type GrantKind = (typeof GRANT_KINDS)[number]

/** The kinds a buyer may pay for (compute grants are the owner's to give). */
export const SOLD_KINDS = ['access', 'training', 'records', 'queries'] as const satisfies readonly GrantKind[]

export const grantKindIndex = (kind: GrantKind): number => GRANT_KINDS.indexOf(kind)
export const grantKindOf = (index: number): GrantKind => {
  const kind = GRANT_KINDS[index]
  if (kind === undefined) throw new RangeError(`no grant kind ${index}`)
  return kind
}

/** A dataset's terms as people think of them: which kinds are sold, at what price, for how long. */
export type DatasetTerms = {
  currency: Address
  /** The kinds on sale (`compute` never is). */
  offers: readonly GrantKind[]
  /** Seconds a bought grant lasts; 0 = no end. */
  grantDuration: number
  accessPrice: bigint
  trainingPrice: bigint
  recordPrice: bigint
  queryPrice: bigint
}

/** The struct the contract takes and returns. */
export type ContractDatasetTerms = Omit<DatasetTerms, 'offers'> & { offers: number }

export function toContractDatasetTerms(terms: DatasetTerms): ContractDatasetTerms {
  let offers = 0
  for (const kind of terms.offers) {
    if (kind === 'compute') throw new RangeError('compute grants are never sold: the dataset owner issues them')
    offers |= 1 << grantKindIndex(kind)
  }
  return { ...terms, offers }
}

export function fromContractDatasetTerms(terms: ContractDatasetTerms): DatasetTerms {
  return { ...terms, offers: SOLD_KINDS.filter((kind) => (terms.offers & (1 << grantKindIndex(kind))) !== 0) }
}

/** What a grant of `kind` costs under `terms` (records: per record named; queries: per query). */
export function grantPrice(
  terms: Pick<DatasetTerms, 'accessPrice' | 'trainingPrice' | 'recordPrice' | 'queryPrice'>,
  kind: GrantKind,
  scope: { records?: number; queries?: number } = {},
): bigint {
  switch (kind) {
    case 'access':
      return terms.accessPrice
    case 'training':
      return terms.trainingPrice
    case 'records':
      return terms.recordPrice * BigInt(scope.records ?? 0)
    case 'queries':
      return terms.queryPrice * BigInt(scope.queries ?? 0)
    default:
      return 0n
  }
}

/** How a payment of `amount` is split: each contributor its share (floor), the owner the rest. */
export function splitDataPayment(
  amount: bigint,
  owner: Address,
  contributors: readonly { payee: Address; bps: number }[],
): { payee: Address; amount: bigint }[] {
  const parts: { payee: Address; amount: bigint }[] = []
  let rest = amount
  for (const c of contributors) {
    const part = (amount * BigInt(c.bps)) / 10_000n
    if (part === 0n) continue
    rest -= part
    parts.push({ payee: c.payee, amount: part })
  }
  if (rest > 0n) parts.push({ payee: owner, amount: rest })
  return parts
}
