/**
 * The payment channels, one card each. When this node holds both ends of a channel, the card shows the gateway's
 * books (what it signed and owes) and the miner's (what it served and can claim) side by side, labelled, and says
 * why their figures differ.
 */
import { short } from '../../format.ts'
import type { ChannelView } from './channels.ts'

type Amount = (units: string | null | undefined) => string

export function Channels({ channels, amount }: { channels: ChannelView[]; amount: Amount }) {
  if (channels.length === 0) return <p class="muted">No channels yet.</p>
  return (
    <div id="channels" class="channels">
      {channels.map((c) => (
        <article
          key={c.channelId}
          class="channel"
          data-channel={c.channelId}
          data-ends={c.gateway && c.miner ? 'both' : c.gateway ? 'gateway' : 'miner'}
        >
          <h4>
            Channel #{c.channelId}
            {c.miner?.closed ? <span class="tag">closed</span> : null}
          </h4>
          <p class="muted">
            {c.payer ? (
              <span class="nowrap" title={c.payer}>
                payer {short(c.payer)}
              </span>
            ) : (
              'paid by this node’s gateway'
            )}{' '}
            →{' '}
            {c.payee ? (
              <span class="nowrap" title={c.payee}>
                miner {short(c.payee)}
              </span>
            ) : (
              'miner'
            )}{' '}
            · deposit {c.deposit ? amount(c.deposit) : '–'}
          </p>
          <div class="ends">
            {c.gateway && (
              <dl class="end" data-end="gateway">
                <dt class="end-title">Gateway’s books (this node pays)</dt>
                <dt>Requests paid for</dt>
                <dd data-field="requests">{c.gateway.requests}</dd>
                <dt>Owed to the miner</dt>
                <dd>{amount(c.gateway.committed)}</dd>
                <dt>Deposit left</dt>
                <dd>{amount(c.gateway.remaining)}</dd>
              </dl>
            )}
            {c.miner && (
              <dl class="end" data-end="miner">
                <dt class="end-title">Miner’s books (this node is paid)</dt>
                <dt>Requests served</dt>
                <dd data-field="requests">{c.miner.servedRequests}</dd>
                <dt>Best voucher (claimable)</dt>
                <dd>{amount(c.miner.voucher)}</dd>
                <dt>Claimed · pending</dt>
                <dd>
                  {amount(c.miner.claimed)} · {amount(c.miner.pending)}
                </dd>
              </dl>
            )}
          </div>
          {c.differences.length > 0 && (
            <ul class="why">
              {c.differences.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
        </article>
      ))}
    </div>
  )
}
