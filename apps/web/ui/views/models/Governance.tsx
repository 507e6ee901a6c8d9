/**
 * A fractionalized model's proposals and the governance form: who signs (a devnet account, by index), delegate,
 * propose a new minimum price, and per proposal its state, its for/against/abstain bar and the step its state allows
 * (vote, queue, execute). Each step is a POST to the node; its JSON answer or error is shown in a live region. The
 * list refreshes with the view's poll, so a new proposal or state appears within a poll.
 */
import { useState } from 'preact/hooks'
import { big, short } from '../../format.ts'
import { type Step, sendStep, summary } from './actions.ts'
import {
  allowedSteps,
  decimalsOf,
  devnetAddresses,
  devnetIndex,
  fixed,
  type Model,
  money,
  type Proposal,
  parseAmount,
  percentOf,
  shares,
  supportNames,
  voteShares,
} from './models.ts'

type Outcome = { kind: 'ok' | 'error' | 'busy'; text: string }

function VoteBar({ p }: { p: Proposal }) {
  const s = voteShares(p)
  return (
    <div class="votebar" role="img" aria-label={`for ${s.for} %, against ${s.against} %, abstain ${s.abstain} %`}>
      <span class="vote-for" style={{ width: `${s.for}%` }} />
      <span class="vote-against" style={{ width: `${s.against}%` }} />
      <span class="vote-abstain" style={{ width: `${s.abstain}%` }} />
    </div>
  )
}

export function Governance({
  model,
  embedded,
  testUsd,
}: {
  model: Model
  embedded: boolean
  testUsd?: string | undefined
}) {
  const fractional = model.fractional
  const holders = fractional?.holders ?? []
  const firstHolder = holders.map((h) => devnetIndex(h.address)).find((i) => i !== undefined)
  const [account, setAccount] = useState<number>(firstHolder ?? 0)
  const [price, setPrice] = useState('')
  const [description, setDescription] = useState('')
  const [outcome, setOutcome] = useState<Outcome | undefined>()
  if (!fractional) return null
  const symbol = model.terms?.currencySymbol
  const decimals = decimalsOf(symbol, model.terms?.currency, testUsd) ?? 0
  const now = Math.floor(Date.now() / 1000)
  const busy = outcome?.kind === 'busy'

  const run = async (step: Step, body: Record<string, unknown>, what: string) => {
    setOutcome({ kind: 'busy', text: `${what}…` })
    // Off the devnet the node signs with its own key only: the body names no account.
    const result = await sendStep(model.id, step, embedded ? { account, ...body } : body)
    setOutcome(
      result.ok
        ? { kind: 'ok', text: `${what}: done. ${summary(result.body)}` }
        : { kind: 'error', text: `${what} failed: ${result.error}` },
    )
  }

  const propose = (event: Event) => {
    event.preventDefault()
    const parsed = parseAmount(price, decimals)
    if ('error' in parsed) {
      setOutcome({ kind: 'error', text: `Propose: ${parsed.error}` })
      return
    }
    const text =
      description.trim() ||
      `${model.name}: minimum price ${money(parsed.units, symbol, model.terms?.currency, testUsd)} per request`
    void run('propose', { minPricePerRequest: parsed.units.toString(), description: text }, 'Propose')
  }

  const holderOf = (address: string) => holders.find((h) => h.address.toLowerCase() === address.toLowerCase())
  return (
    <section class="panel panel-wide" aria-labelledby={`proposals-${model.id}`} id="proposals">
      <h4 id={`proposals-${model.id}`}>Proposals and votes</h4>
      {fractional.proposals.length === 0 ? (
        <p class="muted">No proposals yet.</p>
      ) : (
        <ol class="proposals">
          {fractional.proposals.map((p) => {
            const steps = allowedSteps(p, now)
            return (
              <li key={p.id} class="proposal" data-proposal={p.id} data-vote-end={p.voteEnd} data-eta={p.eta}>
                <p>
                  <span class={`tag state state-${p.state.toLowerCase()}`} data-field="state">
                    {p.state}
                  </span>{' '}
                  <span data-field="description">{p.description}</span>
                </p>
                <VoteBar p={p} />
                <p class="muted small">
                  for {shares(p.forVotes)} · against {shares(p.againstVotes)} · abstain {shares(p.abstainVotes)}{' '}
                  {fractional.symbol} ({percentOf(p.forVotes, fractional.totalSupply)} of the supply for)
                  {p.voteEnd ? ` · voting ends ${new Date(p.voteEnd * 1000).toLocaleTimeString()}` : ''}
                  {p.eta ? ` · executable from ${new Date(p.eta * 1000).toLocaleTimeString()}` : ''}
                </p>
                {p.votes.length > 0 && (
                  <ul class="votes">
                    {p.votes.map((v) => (
                      <li key={v.voter}>
                        <span class="mono" title={v.voter}>
                          {short(v.voter)}
                        </span>{' '}
                        voted {supportNames[v.support] ?? v.support} with {shares(v.weight)}
                      </li>
                    ))}
                  </ul>
                )}
                <div class="steps">
                  {steps.vote &&
                    (['for', 'against', 'abstain'] as const).map((support) => (
                      <button
                        key={support}
                        type="button"
                        disabled={busy}
                        data-step={`vote-${support}`}
                        onClick={() =>
                          run(
                            'vote',
                            { proposalId: p.id, support },
                            embedded ? `Vote ${support} as #${account}` : `Vote ${support}`,
                          )
                        }
                      >
                        Vote {support}
                      </button>
                    ))}
                  {(
                    [
                      ['queue', steps.queue, 'Queue', ''],
                      ['execute', steps.execute, 'Execute', steps.wait ? ` (timelock: ${steps.wait} s left)` : ''],
                    ] as const
                  ).map(
                    ([step, allowed, label, note]) =>
                      allowed && (
                        <button
                          key={step}
                          type="button"
                          disabled={busy}
                          data-step={step}
                          onClick={() => run(step, { proposalId: p.id }, label)}
                        >
                          {label}
                          {note}
                        </button>
                      ),
                  )}
                </div>
              </li>
            )
          })}
        </ol>
      )}
      <form class="governance" id="governance-form" onSubmit={propose} aria-describedby="governance-help">
        <p id="governance-help" class="muted small">
          {embedded
            ? 'On the devnet the node signs for its test accounts: pick who acts.'
            : 'Off the devnet the node signs with its own key (its miner’s, else its gateway’s): it acts with that key’s shares.'}{' '}
          Shares vote only once delegated; the proposal changes the model's minimum price through its Governor and
          timelock.
        </p>
        {embedded && (
          <label>
            Sign as
            <select
              id="governance-account"
              value={String(account)}
              onChange={(e) => setAccount(Number((e.currentTarget as HTMLSelectElement).value))}
            >
              {devnetAddresses.map((address, i) => {
                const holder = holderOf(address)
                return (
                  <option key={address} value={String(i)}>
                    devnet #{i} {short(address)}
                    {holder ? ` · ${percentOf(holder.shares, fractional.totalSupply)} of ${fractional.symbol}` : ''}
                  </option>
                )
              })}
            </select>
          </label>
        )}
        <button type="button" disabled={busy} data-step="delegate" onClick={() => run('delegate', {}, 'Delegate')}>
          Delegate votes to self
        </button>
        <label>
          New minimum price per request ({symbol ?? 'units'})
          <input
            id="governance-price"
            inputMode="decimal"
            required
            value={price}
            placeholder={model.terms ? `now ${fixed(big(model.terms.minPricePerRequest), decimals)}` : ''}
            onInput={(e) => setPrice((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label>
          Description (optional)
          <input
            id="governance-description"
            value={description}
            onInput={(e) => setDescription((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" disabled={busy} data-step="propose">
          Propose
        </button>
      </form>
      <p
        id="governance-outcome"
        class={outcome?.kind === 'error' ? 'error' : 'muted'}
        role={outcome?.kind === 'error' ? 'alert' : 'status'}
        aria-live="polite"
      >
        {outcome?.text ?? ''}
      </p>
    </section>
  )
}
