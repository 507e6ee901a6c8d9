// The dashboard: polls the node's HTTP API and renders the chain, contracts, subnets, neurons, incentives and recent
// events.
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

// Incentives: per subnet, stake, the latest revealed weights, consensus, incentive and dividends of the latest
// epoch, emissions per epoch and the local validators' scores, drawn as inline SVG from /api/incentives.

const SVG_NS = 'http://www.w3.org/2000/svg'
const U16 = 65535

/** Creates an SVG element; strings become text nodes (never markup). */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag)
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(key, String(value))
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  return node
}

const list = (value) => (Array.isArray(value) ? value : [])
const num = (value) => (Number.isFinite(Number(value)) ? Number(value) : 0)
const clamp01 = (value) => Math.min(1, Math.max(0, num(value)))
const wei = (value) => {
  try {
    return BigInt(value ?? 0)
  } catch {
    return 0n
  }
}
const sum = (values) => values.reduce((total, value) => total + value, 0n)
// biome-ignore lint/complexity/useMathMinMax: these are BigInts, which Math.max does not take.
const maxBig = (a, b) => (a > b ? a : b)
/** A wei amount as MYC with two decimals (rounded), thousands separated. */
const myc2 = (value) => {
  const cents = (wei(value) + 5n * 10n ** 15n) / 10n ** 16n
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${whole}.${(cents % 100n).toString().padStart(2, '0')} MYC`
}
/** A wei amount as a float of MYC, only to size bars. */
const mycNumber = (value) => Number(wei(value) / 10n ** 12n) / 1e6
const hex = (value) => (typeof value === 'string' && value.length > 12 ? short(value) : String(value ?? '–'))
/** `format(value)` for a finite number, else a dash. */
const optional = (value, format) => (typeof value === 'number' && Number.isFinite(value) ? format(value) : '–')
const pct = (value, digits = 1) => `${(num(value) * 100).toFixed(digits)}%`
const sameHex = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase()

// Miner uids get a colour each; validators use --warn and the rest of an epoch's emission a grey.
const PALETTE = [
  '#5fd39b',
  '#6aa8e8',
  '#b58be8',
  '#e07fb0',
  '#4fd0d6',
  '#9ccc65',
  '#8f9cf2',
  '#3fa57a',
  '#a8d8ff',
  '#d6a2e8',
]
const uidColor = (uid) => PALETTE[Math.abs(Math.trunc(num(uid))) % PALETTE.length]

/** One `<svg role="img">` with a `<title>`, scaled to its container through its viewBox. */
function chart(width, height, label, ...children) {
  return svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label },
    svg('title', {}, label),
    ...children,
  )
}

/** A legend under a chart: `items` are `{ label, color }` or `{ label, swatch }` (a CSS class). */
function legend(items) {
  return el(
    'ul',
    { class: 'legend' },
    ...items.map((item) =>
      el(
        'li',
        {},
        el('span', {
          class: `swatch ${item.swatch ?? ''}`,
          'aria-hidden': 'true',
          ...(item.color ? { style: `background: ${item.color}` } : {}),
        }),
        item.label,
      ),
    ),
  )
}

const muted = (text) => el('p', { class: 'muted' }, text)
/** Label every k-th of n ticks so that at most `max` are drawn. */
const tickEvery = (n, max) => Math.max(1, Math.ceil(n / max))

/** Stake per neuron with stake > 0, as horizontal bars. */
function stakeChart(subnet) {
  const staked = list(subnet.neurons)
    .filter((n) => wei(n?.stake) > 0n)
    .sort((a, b) => num(a.uid) - num(b.uid))
  if (staked.length === 0) return muted('No stake yet.')
  const max = staked.reduce((m, n) => maxBig(m, wei(n.stake)), 0n)
  const [W, row, left, right, top] = [480, 24, 150, 110, 6]
  const plotW = W - left - right
  const parts = staked.flatMap((n, i) => {
    const y = top + i * row
    const width = max === 0n ? 0 : (plotW * Number((wei(n.stake) * 10_000n) / max)) / 10_000
    const text = `uid ${n.uid} (${n.role}, ${n.hotkey}): ${myc2(n.stake)}`
    return [
      svg('text', { x: left - 8, y: y + 15, 'text-anchor': 'end' }, `uid ${n.uid} · ${hex(n.hotkey)}`),
      svg(
        'rect',
        {
          x: left,
          y: y + 3,
          width: Math.max(1, width),
          height: row - 6,
          class: `sw-${n.role === 'validator' ? 'validator' : 'miner'}`,
        },
        svg('title', {}, text),
      ),
      svg('text', { x: left + width + 6, y: y + 15, class: 'value' }, myc2(n.stake)),
    ]
  })
  const total = sum(staked.map((n) => wei(n.stake)))
  return [
    chart(W, top * 2 + staked.length * row, `Stake of subnet #${subnet.netuid}, ${myc2(total)} in total`, ...parts),
    legend([
      { label: 'validator', swatch: 'sw-validator' },
      { label: 'miner', swatch: 'sw-miner' },
    ]),
  ]
}

/** The latest revealed weights: a row per validator, a column per uid, shaded by weight / 65535. */
function weightsHeatmap(subnet) {
  const rows = list(subnet.weights)
    .filter((r) => Array.isArray(r?.weights))
    .sort((a, b) => num(a.uid) - num(b.uid))
  if (rows.length === 0) return muted('No revealed weights yet.')
  const neurons = list(subnet.neurons)
  const cols = Math.max(1, neurons.length, ...rows.map((r) => r.weights.length))
  const [W, left, right, top, rowH] = [480, 64, 8, 34, 26]
  const cellW = (W - left - right) / cols
  const every = tickEvery(cols, 24)
  const H = top + rows.length * rowH + 44
  const gradient = `heat-${subnet.netuid}`
  const parts = [
    svg(
      'defs',
      {},
      svg(
        'linearGradient',
        { id: gradient },
        svg('stop', { offset: '0', class: 'heat-stop', 'stop-opacity': '0' }),
        svg('stop', { offset: '1', class: 'heat-stop', 'stop-opacity': '1' }),
      ),
    ),
    svg('text', { x: left, y: 10, class: 'axis-title' }, 'uid →'),
    svg('text', { x: 0, y: 10, class: 'axis-title' }, 'validator ↓'),
  ]
  for (let uid = 0; uid < cols; uid += every) {
    const role = neurons.find((n) => num(n?.uid) === uid)?.role
    parts.push(
      svg(
        'text',
        { x: left + cellW * (uid + 0.5), y: top - 8, 'text-anchor': 'middle', class: `tick ${role ?? ''}` },
        uid,
      ),
    )
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH
    parts.push(
      svg(
        'text',
        { x: left - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'tick validator' },
        `uid ${r.uid}`,
        svg(
          'title',
          {},
          `validator uid ${r.uid} ${r.hotkey}: committed at block ${r.commitBlock}, revealed at block ${r.revealBlock}`,
        ),
      ),
    )
    for (let uid = 0; uid < cols; uid++) {
      const weight = num(r.weights[uid])
      const share = clamp01(weight / U16)
      const text = `validator uid ${r.uid} → uid ${uid}: ${weight} / ${U16} (${pct(share)})`
      const x = left + uid * cellW
      parts.push(
        svg(
          'g',
          { title: text, 'data-weight': weight },
          svg('title', {}, text),
          svg('rect', { x: x + 0.5, y: y + 1, width: Math.max(0.5, cellW - 1), height: rowH - 2, class: 'heat-empty' }),
          svg('rect', {
            x: x + 0.5,
            y: y + 1,
            width: Math.max(0.5, cellW - 1),
            height: rowH - 2,
            class: 'heat-fill',
            'fill-opacity': share.toFixed(3),
          }),
          cellW >= 34
            ? svg(
                'text',
                {
                  x: x + cellW / 2,
                  y: y + rowH / 2 + 4,
                  'text-anchor': 'middle',
                  class: share > 0.55 ? 'on-fill' : '',
                },
                weight === 0 ? '·' : pct(share, 0),
              )
            : '',
        ),
      )
    }
  })
  const ly = top + rows.length * rowH + 14
  parts.push(
    svg('rect', { x: left, y: ly, width: 160, height: 10, fill: `url(#${gradient})`, class: 'heat-scale' }),
    svg('text', { x: left - 8, y: ly + 9, 'text-anchor': 'end', class: 'tick' }, '0'),
    svg('text', { x: left + 168, y: ly + 9, class: 'tick' }, `${U16} (weight / ${U16})`),
  )
  return chart(
    W,
    H,
    `Latest revealed weights of ${rows.length} validator(s) over ${cols} uid(s) in subnet #${subnet.netuid}`,
    ...parts,
  )
}

/** Vertical bars of values in 0..1: a group per x label, a bar per series in each group. */
function barChart({ label, groups, series, xTitle }) {
  const [W, H, left, right, top, bottom] = [480, 210, 40, 8, 10, 40]
  const plotW = W - left - right
  const plotH = H - top - bottom
  const y = (v) => top + plotH * (1 - clamp01(v))
  const parts = []
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      svg('line', { x1: left, x2: W - right, y1: y(t), y2: y(t), class: 'grid' }),
      svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, t.toFixed(2)),
    )
  }
  const slot = plotW / Math.max(1, groups.length)
  const barW = Math.min(28, (slot * 0.8) / Math.max(1, series.length))
  const every = tickEvery(groups.length, 24)
  groups.forEach((g, i) => {
    const summary = `${g.name}: ${series.map((s, j) => `${s.name} ${num(g.values[j]).toFixed(4)}`).join(', ')}${g.note ? ` · ${g.note}` : ''}`
    parts.push(
      svg('rect', { x: left + slot * i, y: top, width: slot, height: plotH, class: 'hit' }, svg('title', {}, summary)),
    )
    const x0 = left + slot * i + (slot - barW * series.length) / 2
    series.forEach((s, j) => {
      const v = clamp01(g.values[j])
      parts.push(
        svg(
          'rect',
          { x: x0 + j * barW + 1, y: y(v), width: Math.max(0.5, barW - 2), height: plotH * v, class: s.swatch },
          svg('title', {}, summary),
        ),
      )
    })
    if (i % every === 0) {
      parts.push(
        svg(
          'text',
          { x: left + slot * (i + 0.5), y: top + plotH + 14, 'text-anchor': 'middle', class: `tick ${g.role ?? ''}` },
          g.tick,
        ),
      )
    }
  })
  parts.push(
    svg('line', { x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, class: 'axis' }),
    svg('text', { x: left + plotW / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-title' }, xTitle),
  )
  return [chart(W, H, label, ...parts), series.length > 1 ? legend(series) : '']
}

const epochName = (e) => `epoch ${e.epoch} (${e.final ? 'final' : 'pending'})`

function consensusChart(subnet, latest) {
  if (!latest) return muted('No epoch yet.')
  const consensus = list(latest.consensus)
  const incentive = list(latest.incentive)
  const neurons = list(subnet.neurons)
  const n = Math.max(consensus.length, incentive.length)
  if (n === 0) return muted('No uids in this epoch.')
  const groups = Array.from({ length: n }, (_, uid) => ({
    name: `uid ${uid}`,
    tick: uid,
    role: neurons.find((x) => num(x?.uid) === uid)?.role,
    values: [consensus[uid], incentive[uid]],
  }))
  return barChart({
    label: `Consensus and incentive per uid in ${epochName(latest)} of subnet #${subnet.netuid}`,
    groups,
    series: [
      { name: 'consensus', label: 'consensus', swatch: 'sw-consensus' },
      { name: 'incentive', label: 'incentive', swatch: 'sw-incentive' },
    ],
    xTitle: 'uid',
  })
}

function dividendsChart(subnet, latest) {
  if (!latest) return muted('No epoch yet.')
  const validators = list(latest.validators)
  if (validators.length === 0) return muted('No validators in this epoch.')
  const dividends = list(latest.dividends)
  const paid = list(latest.validatorEmission)
  return barChart({
    label: `Dividends per validator in ${epochName(latest)} of subnet #${subnet.netuid}`,
    groups: validators.map((uid, i) => ({
      name: `validator uid ${uid}`,
      tick: `uid ${uid}`,
      role: 'validator',
      values: [dividends[i]],
      note: latest.final ? myc2(paid[i]) : 'emission known when final',
    })),
    series: [{ name: 'dividends', label: 'dividends', swatch: 'sw-dividends' }],
    xTitle: 'validator',
  })
}

/** A nice round step for about `count` ticks up to `max`. */
function niceStep(max, count) {
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const n = raw / magnitude
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude
}

/** Emission per epoch, stacked: each miner uid, the validators, and the rest (owner share, unassigned). */
function emissionChart(subnet) {
  const epochs = list(subnet.epochs).filter((e) => e && typeof e === 'object')
  if (epochs.length === 0) return muted('No epochs yet.')
  const rows = epochs.map((e) => {
    const total = wei(e.emission)
    const miners = list(e.minerEmission)
      .map((amount, uid) => ({ uid, amount: wei(amount) }))
      .filter((m) => m.amount > 0n)
    const validatorUids = list(e.validators)
    const validators = list(e.validatorEmission).map((amount, i) => ({ uid: validatorUids[i], amount: wei(amount) }))
    const paid = sum(miners.map((m) => m.amount)) + sum(validators.map((v) => v.amount))
    return { e, total, miners, validators, rest: total > paid ? total - paid : 0n, height: maxBig(paid, total) }
  })
  const maxMyc = Math.max(0, ...rows.map((r) => mycNumber(r.height)))
  const step = niceStep(maxMyc > 0 ? maxMyc : 1, 4)
  const top = Math.ceil((maxMyc > 0 ? maxMyc : 1) / step) * step
  const [W, H, left, right, head, bottom] = [960, 260, 64, 12, 22, 40]
  const plotW = W - left - right
  const plotH = H - head - bottom
  const y = (m) => head + plotH * (1 - m / top)
  const parts = []
  for (let t = 0; t <= top + step / 2; t += step) {
    parts.push(
      svg('line', { x1: left, x2: W - right, y1: y(t), y2: y(t), class: 'grid' }),
      svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'tick' }, `${+t.toFixed(6)}`),
    )
  }
  parts.push(svg('text', { x: 0, y: 12, class: 'axis-title' }, 'MYC'))
  const slot = plotW / rows.length
  const barW = Math.min(48, slot * 0.7)
  const every = tickEvery(rows.length, 30)
  const minerUids = new Set()
  rows.forEach((r, i) => {
    const { e } = r
    const x = left + slot * i + (slot - barW) / 2
    const state = e.final ? 'final' : 'pending'
    const summary = [
      `Epoch ${e.epoch} (${state}${e.matches === false ? ', differs from this node’s build' : ''}), snapshot block ${e.snapshotBlock ?? '–'}`,
      `emission ${myc2(r.total)}`,
      ...r.miners.slice(0, 12).map((m) => `uid ${m.uid} (miner): ${myc2(m.amount)}`),
      r.miners.length > 12
        ? `${r.miners.length - 12} more miners: ${myc2(sum(r.miners.slice(12).map((m) => m.amount)))}`
        : '',
      ...r.validators.map((v) => `uid ${v.uid} (validator): ${myc2(v.amount)}`),
      `owner share and unassigned: ${myc2(r.rest)}`,
      e.final ? '' : 'pending: the emission is known once the epoch is final',
    ]
      .filter(Boolean)
      .join('\n')
    const group = svg('g', { class: e.final ? 'epoch' : 'epoch pending', 'data-epoch': e.epoch })
    group.append(
      svg('rect', { x: left + slot * i, y: head, width: slot, height: plotH, class: 'hit' }, svg('title', {}, summary)),
    )
    let base = 0
    const segment = (amount, attrs, text) => {
      const m = mycNumber(amount)
      if (m <= 0) return
      group.append(
        svg(
          'rect',
          { x, y: y(base + m), width: barW, height: Math.max(0.5, y(base) - y(base + m)), ...attrs },
          svg('title', {}, `Epoch ${e.epoch} (${state}): ${text} ${myc2(amount)}`),
        ),
      )
      base += m
    }
    for (const m of r.miners) {
      minerUids.add(m.uid)
      segment(m.amount, { fill: uidColor(m.uid) }, `uid ${m.uid} (miner)`)
    }
    segment(sum(r.validators.map((v) => v.amount)), { class: 'sw-validator' }, 'validators')
    segment(r.rest, { class: 'sw-rest' }, 'owner share and unassigned')
    if (!e.final && r.height === 0n) {
      group.append(
        svg('rect', { x, y: head, width: barW, height: plotH, class: 'pending-box' }, svg('title', {}, summary)),
        svg(
          'text',
          {
            x: x + barW / 2 + 4,
            y: head + plotH / 2,
            'text-anchor': 'middle',
            transform: `rotate(-90 ${x + barW / 2} ${head + plotH / 2})`,
            class: 'tick',
          },
          'pending',
        ),
      )
    }
    parts.push(group)
    if (e.matches === false) {
      const barTop = r.height === 0n ? head + plotH : y(base)
      parts.push(
        svg('rect', {
          x: x - 1,
          y: barTop - 1,
          width: barW + 2,
          height: head + plotH - barTop + 1,
          class: 'mismatch-outline',
        }),
        svg('text', { x: x + barW / 2, y: Math.max(14, barTop - 5), 'text-anchor': 'middle', class: 'mismatch' }, '✕'),
      )
    }
    if (i % every === 0) {
      parts.push(
        svg(
          'text',
          { x: left + slot * (i + 0.5), y: head + plotH + 14, 'text-anchor': 'middle', class: 'tick' },
          e.epoch,
        ),
      )
    }
  })
  parts.push(
    svg('line', { x1: left, x2: W - right, y1: head + plotH, y2: head + plotH, class: 'axis' }),
    svg('text', { x: left + plotW / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis-title' }, 'epoch'),
  )
  const finals = rows.filter((r) => r.e.final)
  const last = finals.at(-1)
  const label = `Emission per epoch of subnet #${subnet.netuid}, epochs ${rows[0].e.epoch} to ${rows.at(-1).e.epoch}${
    last ? `; latest final epoch ${last.e.epoch} emitted ${myc2(last.total)}` : ''
  }`
  return [
    chart(W, H, label, ...parts),
    legend([
      ...(minerUids.size > 12
        ? [
            {
              label: `${minerUids.size} miners, a colour per uid (colours repeat; hover for values)`,
              color: PALETTE[0],
            },
          ]
        : [...minerUids].sort((a, b) => a - b).map((uid) => ({ label: `uid ${uid} (miner)`, color: uidColor(uid) }))),
      { label: 'validators (dividends)', swatch: 'sw-validator' },
      { label: 'owner share (18%) and unassigned', swatch: 'sw-rest' },
      { label: 'pending (lighter; emission known when final)', swatch: 'sw-pending' },
      { label: '✕ proposal differs from this node’s build', swatch: 'sw-mismatch' },
    ]),
  ]
}

/** Each local validator's scores per miner. */
function scoresTables(subnet) {
  const scores = list(subnet.scores).filter((s) => s && typeof s === 'object')
  if (scores.length === 0) return [muted('This node runs no validator in this subnet.')]
  const neurons = list(subnet.neurons)
  return scores.map((s) => {
    const uid = neurons.find((n) => sameHex(n?.hotkey, s.validator))?.uid
    const miners = list(s.miners).filter((m) => m && typeof m === 'object')
    return el(
      'div',
      { class: 'panel panel-wide' },
      el(
        'h4',
        {},
        `Scores of local validator ${uid === undefined ? '' : `uid ${uid} `}`,
        el('span', { class: 'mono', title: s.validator }, hex(s.validator)),
      ),
      miners.length === 0
        ? muted('No scores yet.')
        : el(
            'table',
            { class: 'scores' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...[
                  'uid',
                  'hotkey',
                  'quality',
                  'latency',
                  'score',
                  'rounds (failed)',
                  'spot checks passed',
                  'last error',
                ].map((h) => el('th', { scope: 'col' }, h)),
              ),
            ),
            el(
              'tbody',
              {},
              ...miners.map((m) => {
                const checks = num(m.spotChecks)
                const failed = num(m.spotFailures)
                return el(
                  'tr',
                  { 'data-uid': m.uid },
                  el('td', {}, m.uid ?? '–'),
                  el('td', { class: 'mono', title: m.hotkey ?? '' }, hex(m.hotkey)),
                  el(
                    'td',
                    {},
                    optional(m.quality, (q) => pct(q)),
                  ),
                  el(
                    'td',
                    {},
                    optional(m.latencyMs, (ms) => `${Math.round(ms)} ms`),
                  ),
                  el(
                    'td',
                    {},
                    optional(m.score, (x) => x.toFixed(3)),
                  ),
                  el('td', { class: num(m.failures) > 0 ? 'warn' : '' }, `${num(m.rounds)} (${num(m.failures)})`),
                  el('td', { class: failed > 0 ? 'error' : '' }, `${checks - failed}/${checks}`),
                  m.lastError
                    ? el('td', { class: 'error', title: String(m.lastError) }, String(m.lastError).slice(0, 80))
                    : el('td', { class: 'muted' }, '–'),
                )
              }),
            ),
          ),
    )
  })
}

/** Reuses a panel while its inputs are unchanged, so the 2 s poll does not reset tooltips or scroll. */
const panels = new Map()
function panel(key, inputs, title, build, wide = false) {
  const json = JSON.stringify(inputs)
  const cached = panels.get(key)
  if (cached && cached.json === json) return cached.node
  let content
  try {
    content = build()
  } catch (error) {
    content = el('p', { class: 'error' }, `Could not draw this chart (${error.message}).`)
  }
  const node = el('div', { class: wide ? 'panel panel-wide' : 'panel' }, el('h4', {}, title), ...[content].flat())
  panels.set(key, { json, node })
  return node
}

function incentiveCard(subnet) {
  const epochs = list(subnet.epochs)
  const latest = epochs.at(-1)
  const neurons = list(subnet.neurons).map((n) => ({ uid: n?.uid, role: n?.role, hotkey: n?.hotkey }))
  const id = subnet.netuid
  return el(
    'article',
    { class: 'incentive', 'data-incentives-netuid': id },
    el('h3', {}, `#${id} ${subnet.name ?? ''} `, el('span', { class: 'tag' }, subnet.taskType ?? '')),
    el(
      'p',
      { class: 'muted' },
      `tempo ${subnet.tempo ?? '–'} blocks · kappa ${optional(subnet.kappa, (k) => k.toFixed(2))} · `,
      latest
        ? `${epochs.length} epoch(s) shown, latest ${epochName(latest)} at snapshot block ${latest.snapshotBlock ?? '–'}`
        : 'no epoch yet',
    ),
    el(
      'div',
      { class: 'charts' },
      panel(`${id}:stake`, list(subnet.neurons), 'Stake', () => stakeChart(subnet)),
      panel(`${id}:weights`, [subnet.weights, neurons], 'Latest revealed weights', () => weightsHeatmap(subnet)),
      panel(
        `${id}:consensus`,
        [latest, neurons],
        latest ? `Consensus and incentive, ${epochName(latest)}` : 'Consensus and incentive',
        () => consensusChart(subnet, latest),
      ),
      panel(`${id}:dividends`, latest, latest ? `Dividends, ${epochName(latest)}` : 'Dividends', () =>
        dividendsChart(subnet, latest),
      ),
      panel(`${id}:emission`, epochs, 'Emission per epoch', () => emissionChart(subnet), true),
      ...scoresTables(subnet),
    ),
  )
}

function renderIncentives(data) {
  const subnets = list(data?.subnets).filter((s) => s && (list(s.epochs).length > 0 || list(s.weights).length > 0))
  $('incentives-note').className = 'muted'
  $('incentives-note').textContent = ''
  if (subnets.length === 0) {
    $('incentives-subnets').replaceChildren(muted('No incentive data yet.'))
    return
  }
  $('incentives-subnets').replaceChildren(
    ...subnets.map((s) => {
      try {
        return incentiveCard(s)
      } catch (error) {
        return el(
          'article',
          { class: 'incentive' },
          el('p', { class: 'error' }, `Subnet #${s.netuid}: ${error.message}`),
        )
      }
    }),
  )
}

let incentivesBusy = false
let incentivesShown = ''
async function refreshIncentives() {
  if (incentivesBusy) return
  incentivesBusy = true
  const note = $('incentives-note')
  try {
    const response = await fetch('/api/incentives')
    const text = await response.text()
    if (!response.ok) {
      let message = `HTTP ${response.status}`
      try {
        message = JSON.parse(text).error?.message ?? message
      } catch {}
      note.className = response.status === 503 ? 'muted' : 'error'
      note.textContent =
        response.status === 503 ? `Waiting for the node: ${message}` : `Could not load incentives: ${message}`
      return
    }
    if (text !== incentivesShown || note.textContent) {
      renderIncentives(JSON.parse(text))
      incentivesShown = text
    }
  } catch (error) {
    note.className = 'error'
    note.textContent = `Could not load incentives (${error.message}).`
  } finally {
    incentivesBusy = false
  }
}

async function refresh() {
  refreshIncentives()
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
