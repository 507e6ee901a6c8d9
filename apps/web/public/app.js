// The dashboard: polls the node's HTTP API and renders the chain, contracts, subnets, neurons and recent events.
// Plain ES module, no build step; it only talks to /api/* on the node that serves it.

const REFRESH_MS = 2000
const $ = (id) => document.getElementById(id)

/** Creates an element with text content (never innerHTML with chain data). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value
    else node.setAttribute(key, value)
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  return node
}

const short = (address) => `${address.slice(0, 6)}…${address.slice(-4)}`
const myc = (wei) => {
  const value = BigInt(wei)
  const whole = value / 10n ** 18n
  const frac = (value % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '').slice(0, 4)
  return `${whole}${frac ? `.${frac}` : ''} MYC`
}

function setStatus(kind, text) {
  const status = $('status')
  status.className = `status status-${kind}`
  status.textContent = text
}

const contractLabels = {
  mycelToken: 'MycelToken (MYC)',
  subnetRegistry: 'SubnetRegistry',
  paymentChannels: 'PaymentChannels',
  testUsd: 'TestUSD (tUSD, devnet only)',
}

function renderContracts(contracts) {
  const body = $('contracts').querySelector('tbody')
  body.replaceChildren(
    ...Object.entries(contracts).map(([name, address]) =>
      el(
        'tr',
        {},
        el('td', {}, contractLabels[name] ?? name),
        el('td', { class: 'mono', 'data-contract': name }, address),
      ),
    ),
  )
}

function renderSubnets(subnets) {
  const container = $('subnets')
  if (subnets.length === 0) {
    container.replaceChildren(el('p', { class: 'muted' }, 'No subnets yet. Create one with `mycel subnet create`.'))
    return
  }
  container.replaceChildren(
    ...subnets.map((s) => {
      const neurons =
        s.neurons.length === 0
          ? el(
              'p',
              { class: 'muted' },
              'No neurons yet. Register one with `mycel neuron register --netuid ',
              s.netuid,
              ' …`.',
            )
          : el(
              'table',
              {},
              el(
                'thead',
                {},
                el('tr', {}, ...['uid', 'role', 'hotkey', 'endpoint', 'since block'].map((h) => el('th', {}, h))),
              ),
              el(
                'tbody',
                {},
                ...s.neurons.map((n) =>
                  el(
                    'tr',
                    { 'data-hotkey': n.hotkey },
                    el('td', {}, n.uid),
                    el('td', { class: `role-${n.role}` }, n.role),
                    el('td', { class: 'mono', title: n.hotkey }, short(n.hotkey)),
                    el('td', { class: 'mono' }, n.endpoint),
                    el('td', {}, n.registeredBlock),
                  ),
                ),
              ),
            )
      return el(
        'article',
        { class: 'subnet', 'data-netuid': s.netuid },
        el('h3', {}, `#${s.netuid} ${s.name} `, el('span', { class: 'tag' }, s.taskType)),
        el(
          'p',
          { class: 'muted' },
          `${s.neuronCount} / ${s.maxNeurons} neurons · registration ${myc(s.registrationCost)} · owner `,
          el('span', { class: 'mono', title: s.owner }, short(s.owner)),
          ' · scoring spec ',
          el('a', { class: 'mono', href: `/api/content/${s.scoringSpecCid}` }, `${s.scoringSpecCid.slice(0, 14)}…`),
        ),
        neurons,
      )
    }),
  )
}

/** Token units as a decimal amount: tUSD has 6 decimals; other tokens are shown in raw units. */
let testUsd = ''
const amount = (units, token) =>
  token && token.toLowerCase() === testUsd.toLowerCase()
    ? `${(Number(BigInt(units)) / 1e6).toFixed(6)} tUSD`
    : `${units} units`

function renderPayments(payments) {
  const { miner, gateway } = payments
  $('payments-note').textContent = [
    gateway
      ? `Gateway: ${gateway.miners.length} miner(s) found on chain, ${amount(gateway.deposited, miner?.token ?? testUsd)} deposited in channels.`
      : '',
    miner ? `Miner ${short(miner.payee)} at ${miner.url}, offer ${miner.offerCid.slice(0, 14)}….` : '',
  ]
    .filter(Boolean)
    .join(' ')
  const channels = [
    ...(gateway?.channels ?? []).map((c) => ({
      ...c,
      side: 'pays',
      counterparty: c.payee,
      paid: c.committed,
      claimed: '',
      pending: '',
    })),
    ...(miner?.channels ?? []).map((c) => ({
      ...c,
      side: 'is paid',
      counterparty: c.payer,
      paid: c.voucher,
      requests: c.servedRequests,
    })),
  ]
  $('paid-requests').textContent = miner
    ? miner.models.reduce((sum, m) => sum + m.paidRequests, 0)
    : (gateway?.paidRequests ?? 0)
  $('channel-count').textContent = channels.length
  $('pending-total').textContent = miner
    ? amount(miner.channels.reduce((sum, c) => sum + BigInt(c.pending), 0n).toString(), miner.token)
    : '–'
  const models = (gateway?.miners ?? []).flatMap((m) => m.models.map((model) => ({ ...model, miner: m })))
  $('models')
    .querySelector('tbody')
    .replaceChildren(
      ...models.map((m) =>
        el(
          'tr',
          { 'data-model': m.id },
          el('td', {}, m.id),
          el('td', {}, m.task),
          el('td', { class: 'mono', title: m.miner.payee }, short(m.miner.payee)),
          el('td', { class: 'mono' }, m.miner.endpoint),
          el('td', {}, amount(m.price.perRequest, miner?.token ?? testUsd)),
          el('td', {}, amount(m.price.per1kUnits, miner?.token ?? testUsd)),
        ),
      ),
    )
  $('channels')
    .querySelector('tbody')
    .replaceChildren(
      ...channels.map((c) =>
        el(
          'tr',
          { 'data-channel': c.channelId, 'data-side': c.side },
          el('td', {}, `#${c.channelId}`),
          el('td', {}, c.side),
          el('td', { class: 'mono', title: c.counterparty }, short(c.counterparty)),
          el('td', {}, c.deposit ? amount(c.deposit, testUsd) : '–'),
          el('td', {}, amount(c.paid, testUsd)),
          el('td', {}, c.claimed ? amount(c.claimed, testUsd) : '–'),
          el('td', {}, c.pending ? amount(c.pending, testUsd) : '–'),
          el('td', {}, c.requests),
        ),
      ),
    )
  const recent = miner?.recentRequests ?? []
  $('paid').replaceChildren(
    ...(recent.length === 0
      ? [el('li', { class: 'muted' }, 'No paid requests yet. Try `npx mycel chat "Hello"`.')]
      : recent.map((r) =>
          el(
            'li',
            {},
            el('span', { class: 'muted' }, `${new Date(r.at).toLocaleTimeString()} · `),
            `${r.model} on channel #${r.channelId}, ${amount(r.price, miner.token)} up front`,
          ),
        )),
  )
}

const describe = {
  SubnetCreated: (a) => `subnet #${a.netuid} "${a.name}" created by ${short(a.owner)}`,
  NeuronRegistered: (a) => `${short(a.hotkey)} registered in subnet #${a.netuid} as uid ${a.uid}`,
  NeuronEndpointUpdated: (a) => `uid ${a.uid} of subnet #${a.netuid} moved to ${a.endpoint}`,
  NeuronMetadataUpdated: (a) => `uid ${a.uid} of subnet #${a.netuid} published metadata ${a.metadataCid.slice(0, 14)}…`,
  NeuronDeregistered: (a) => `uid ${a.uid} left subnet #${a.netuid}`,
}

function renderEvents(events) {
  const list = $('events')
  if (events.length === 0) {
    list.replaceChildren(el('li', { class: 'muted' }, 'Nothing yet.'))
    return
  }
  list.replaceChildren(
    ...events.map((e) =>
      el(
        'li',
        {},
        el('span', { class: 'muted' }, `block ${e.blockNumber} · `),
        (describe[e.name] ?? (() => e.name))(e.args),
      ),
    ),
  )
}

async function refresh() {
  try {
    const [networkResponse, eventsResponse] = await Promise.all([fetch('/api/network'), fetch('/api/events?limit=20')])
    if (networkResponse.status === 503) {
      const body = await networkResponse.json()
      setStatus('wait', `starting: ${body.error?.message ?? 'not ready'}`)
      return
    }
    if (!networkResponse.ok) throw new Error(`HTTP ${networkResponse.status}`)
    const network = await networkResponse.json()
    const { events } = eventsResponse.ok ? await eventsResponse.json() : { events: [] }
    $('chain-id').textContent = network.chain.chainId
    $('chain-block').textContent = network.chain.headBlock
    $('chain-rpc').textContent = network.chain.rpcUrl
    $('subnet-count').textContent = network.subnets.length
    $('neuron-count').textContent = network.subnets.reduce((sum, s) => sum + s.neuronCount, 0)
    testUsd = network.contracts.testUsd ?? ''
    const paymentsResponse = await fetch('/api/payments')
    if (paymentsResponse.ok) renderPayments(await paymentsResponse.json())
    renderContracts(network.contracts)
    renderSubnets(network.subnets)
    renderEvents(events)
    if (network.status && !network.status.ready) setStatus('bad', `degraded: ${network.status.reason}`)
    else setStatus('ok', network.chain.embedded ? 'live · local devnet' : 'live')
    $('updated').textContent = new Date().toLocaleTimeString()
  } catch (error) {
    setStatus('bad', `node unreachable (${error.message})`)
  }
}

refresh()
setInterval(refresh, REFRESH_MS)
