/**
 * The dashboard's shell: the header with the node's status, a tab per capability (the hash is the route), the view
 * of the current tab and the footer. The network is polled here for the status and shared with every view.
 */
import { useEffect, useState } from 'preact/hooks'
import { type Network, usePoll } from './api.ts'
import { viewOf, views } from './views/index.ts'

function status(network: ReturnType<typeof usePoll<Network>>): { kind: 'ok' | 'wait' | 'bad'; text: string } {
  if (network.error) return { kind: 'bad', text: network.error }
  if (network.waiting) return { kind: 'wait', text: `starting: ${network.waiting}` }
  if (!network.data) return { kind: 'wait', text: 'connecting…' }
  const { status, chain } = network.data
  if (status && !status.ready) return { kind: 'bad', text: `degraded: ${status.reason}` }
  return { kind: 'ok', text: chain.embedded ? 'live · local devnet' : 'live' }
}

export function App() {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onHash = () => setHash(location.hash)
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  const network = usePoll<Network>('/api/network')
  const view = viewOf(hash)
  const shown = status(network)
  const Component = view.component
  return (
    <>
      <header>
        <h1>
          <span class="logo">◉</span> mycel
        </h1>
        <p class="tagline">decentralized AI network</p>
        <p id="status" class={`status status-${shown.kind}`} role="status">
          {shown.text}
        </p>
      </header>
      <nav aria-label="Capabilities">
        <ul>
          {views
            .filter((v) => !v.planned || v.id === view.id)
            .map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={v.id === view.id ? 'page' : undefined} data-view={v.id}>
                  {v.title}
                </a>
              </li>
            ))}
        </ul>
      </nav>
      <main data-view={view.id}>
        <Component network={network} id={view.id} />
      </main>
      <footer>
        <p class="muted">
          Updated {network.at ? network.at.toLocaleTimeString() : 'never'} · data from this node’s{' '}
          <a href="/api/network">/api/network</a>, <a href="/api/payments">/api/payments</a>,{' '}
          <a href="/api/incentives">/api/incentives</a>, <a href="/api/models">/api/models</a>,{' '}
          <a href="/api/training">/api/training</a>, <a href="/api/data">/api/data</a> and{' '}
          <a href="/api/provenance">/api/provenance</a>
        </p>
      </footer>
    </>
  )
}
