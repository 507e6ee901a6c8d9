/**
 * One model in full: its terms, royalty route (itself and its ancestors), royalties per token (earned from claims,
 * license mint fees, retained by model channels and not yet settled, pending release), licenses, the miners serving it, and — when fractionalized — its vault's
 * holders (shares, votes, withdrawable royalties) and its governance (proposals, votes, the form).
 */
import { Table } from '../../components/Table.tsx'
import { short } from '../../format.ts'
import { Governance } from './Governance.tsx'
import { bps, devnetIndex, type Model, money, percentOf, shares, sumByToken, type TokenAmount } from './models.ts'

type Props = { model: Model; models: Model[]; embedded: boolean; testUsd?: string | undefined }

const duration = (seconds: number) =>
  seconds === 0 ? 'perpetual' : seconds % 86_400 === 0 ? `${seconds / 86_400} days` : `${seconds} s`
const when = (seconds: number) => (seconds === 0 ? 'never' : new Date(seconds * 1000).toLocaleString())
const yes = (value: boolean) => (value ? 'yes' : 'no')
/**
 * `registeredAt` is a block number in the API, while ModelRegistry stores the registration's timestamp: should a
 * timestamp come through, a value past 10^9 (no chain is near that block; every Unix time since 2001 is) is a date.
 */
const registered = (value: number) => (value >= 1e9 ? new Date(value * 1000).toLocaleString() : `at block ${value}`)

function Terms({ model, testUsd }: { model: Model; testUsd?: string | undefined }) {
  const t = model.terms
  if (!t) return <p class="muted">No terms: served like any model, without license or royalty.</p>
  const price = (units: string) => money(units, t.currencySymbol, t.currency, testUsd)
  const rows: [string, string][] = [
    ['Royalty', bps(t.royaltyBps)],
    ['Minimum price per request', price(t.minPricePerRequest)],
    ['License mint fee', price(t.mintFee)],
    ['License duration', duration(t.licenseDuration)],
    ['Commercial use', yes(t.commercialUse)],
    ['Derivatives allowed', yes(t.derivativesAllowed)],
    ['Attribution required', yes(t.attribution)],
    ['Currency', `${t.currencySymbol} ${short(t.currency)}`],
  ]
  return (
    <dl class="terms" id="terms">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  )
}

export function ModelDetail({ model, models, embedded, testUsd }: Props) {
  const nameOf = (id: string) => models.find((m) => m.id === id)?.name ?? `model #${id}`
  const amount = (a: TokenAmount) => money(a.amount, a.symbol, a.token, testUsd)
  const r = model.royalties
  const tokens = sumByToken([r.credited, r.mintFees, r.pending])
  const pick = (list: TokenAmount[], t: TokenAmount) =>
    list.find((x) => x.token.toLowerCase() === t.token.toLowerCase()) ?? { ...t, amount: '0' }
  const f = model.fractional
  const symbolOf = (token: string) => tokens.find((t) => t.token.toLowerCase() === token.toLowerCase())?.symbol
  return (
    <article class="model" id="model-detail" data-model-id={model.id} aria-labelledby="model-detail-title">
      <h3 id="model-detail-title">
        {model.name} <span class="tag">#{model.id}</span> <span class="tag">{model.format}</span>
        {f ? <span class="tag tag-fractional">fractional · {f.symbol}</span> : null}
      </h3>
      <p class="muted wrap">
        Owner{' '}
        <span class="mono" title={model.owner}>
          {short(model.owner)}
        </span>
        {f ? ' (the model’s timelock: only its Governor changes the terms)' : ''} · registered{' '}
        {registered(model.registeredAt)} · weights <span class="mono">{model.weightsCid}</span>
        {model.parents.length > 0 ? ` · derivative of ${model.parents.map(nameOf).join(', ')}` : ''}
        {model.children.length > 0 ? ` · derivatives: ${model.children.map(nameOf).join(', ')}` : ''}
      </p>
      {f && !f.wiringOk && (
        <p class="error" role="alert">
          This model’s vault, Governor and timelock are not wired soundly: do not trust its governance.
        </p>
      )}
      <div class="charts">
        <section class="panel" aria-labelledby="terms-title">
          <h4 id="terms-title">License terms</h4>
          <Terms model={model} testUsd={testUsd} />
        </section>
        <section class="panel" aria-labelledby="route-title">
          <h4 id="route-title">Royalty route (per paid request)</h4>
          {model.route.length === 0 ? (
            <p class="muted">No royalty.</p>
          ) : (
            <ol class="route" id="route">
              {model.route.map((step) => (
                <li key={step.modelId}>
                  {nameOf(step.modelId)}
                  {step.modelId === model.id ? '' : ' (ancestor)'}: {bps(step.bps)}
                </li>
              ))}
            </ol>
          )}
          <h4>Royalties earned</h4>
          <Table
            id="royalties"
            label={`Royalties of ${model.name}`}
            head={['Token', 'From claims', 'License fees', 'Not yet settled', 'Pending release']}
            empty="Nothing earned yet."
            rows={tokens.map((t) => (
              <tr key={t.token}>
                <td>{t.symbol || short(t.token)}</td>
                <td>{amount(pick(r.credited, t))}</td>
                <td>{amount(pick(r.mintFees, t))}</td>
                <td>{amount(pick(r.unsettled ?? [], t))}</td>
                <td>{amount(pick(r.pending, t))}</td>
              </tr>
            ))}
          />
        </section>
        <section class="panel panel-wide" aria-labelledby="licenses-title">
          <h4 id="licenses-title">Licenses ({model.licenses.filter((l) => l.valid).length} valid)</h4>
          <Table
            id="licenses"
            label={`Licenses of ${model.name}`}
            head={['License', 'Holder', 'Royalty', 'Expires', 'Status', 'Serves it']}
            empty="No licenses bought yet."
            rows={model.licenses.map((l) => (
              <tr key={l.id} data-license={l.id}>
                <td>#{l.id}</td>
                <td class="mono" title={l.holder}>
                  {short(l.holder)}
                </td>
                <td>{bps(l.royaltyBps)}</td>
                <td>{when(l.expiresAt)}</td>
                <td class={l.valid ? '' : 'warn'}>{l.revoked ? 'revoked' : l.valid ? 'valid' : 'expired'}</td>
                <td>{model.servedBy.some((s) => s.toLowerCase() === l.holder.toLowerCase()) ? 'yes' : '–'}</td>
              </tr>
            ))}
          />
        </section>
        {f && (
          <section class="panel panel-wide" aria-labelledby="holders-title">
            <h4 id="holders-title">
              Share holders ({f.symbol}, {shares(f.totalSupply)} shares)
            </h4>
            <Table
              id="holders"
              label={`Share holders of ${model.name}`}
              head={['Holder', 'Shares', 'Of supply', 'Votes', 'Withdrawable royalties']}
              empty="No holders."
              rows={f.holders.map((h) => (
                <tr key={h.address} data-holder={h.address}>
                  <td class="mono" title={h.address}>
                    {short(h.address)}
                    {h.address.toLowerCase() === f.timelock.toLowerCase() ? ' (treasury)' : ''}
                    {embedded && devnetIndex(h.address) !== undefined ? ` · devnet #${devnetIndex(h.address)}` : ''}
                  </td>
                  <td>{shares(h.shares)}</td>
                  <td data-field="share">{percentOf(h.shares, f.totalSupply)}</td>
                  <td>{shares(h.votes)}</td>
                  <td>
                    {h.withdrawable.length === 0
                      ? '–'
                      : h.withdrawable.map((w) => money(w.amount, symbolOf(w.token), w.token, testUsd)).join(' · ')}
                  </td>
                </tr>
              ))}
            />
            <p class="muted small">
              Vault <span class="mono">{short(f.vault)}</span> · Governor <span class="mono">{short(f.governor)}</span>{' '}
              · timelock <span class="mono">{short(f.timelock)}</span>
            </p>
          </section>
        )}
        {f && <Governance key={model.id} model={model} embedded={embedded} testUsd={testUsd} />}
      </div>
    </article>
  )
}
