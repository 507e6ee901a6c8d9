/**
 * The dashboard in a real headless Chromium against `mycel up` as `npm start` runs it (demo subnet, validators,
 * epochs, gateway and miner, with paid requests from the CLI): each capability's view renders the node's data
 * (tables filled, every chart drawn by Chart.js with data), a channel is shown once with both ends' books, routine
 * events are folded, nothing logs an error, and nothing overflows at 400 px. Screenshots at desktop width and at
 * 400 px go to `.tmp/dashboard-*.png` to be looked at. Also: the page the node serves when the bundle is missing,
 * and the dashboard's pure grouping rules.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mergeChannels } from '../apps/web/ui/views/inference/channels.ts'
import { groupActivity } from '../apps/web/ui/views/network/events.ts'
import { createCommon, createLogger } from '../packages/node/src/common/common.ts'
import { resolveOptions } from '../packages/node/src/config/options.ts'
import { createApp } from '../packages/node/src/http/server.ts'
import { tempDir } from './helpers/chain.ts'
import { type RunningUp, runCli, startUp } from './helpers/cli.ts'

const dataDir = tempDir('mycel-dashboard-')
const shots = join(import.meta.dirname, '..', '.tmp')
let node: RunningUp
let browser: Browser
const errors: string[] = []

type Epochs = { subnets: { epochs: { final: boolean; incentive: number[] }[]; weights: unknown[] }[] }

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  node = await startUp(dataDir, { MYCEL_DEVNET_BLOCK_SECONDS: '0.5', MYCEL_VALIDATOR_INTERVAL_MS: '1000' })
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
  // Two paid requests, so the channel has books on both ends.
  const sample = join(import.meta.dirname, '..', 'models', 'digits', 'samples', '7.png')
  for (let i = 0; i < 2; i++) expect((await runCli(['--data-dir', dataDir, 'infer', 'digits', sample])).code).toBe(0)
  // Two final epochs in every subnet with weights revealed: the incentive charts and routine events have data.
  const deadline = Date.now() + 200_000
  for (;;) {
    const view = (await (await fetch(`${node.summary.api}/api/incentives`)).json()) as Epochs
    const settled = view.subnets.every(
      (s) => s.weights.length > 0 && s.epochs.filter((e) => e.final && e.incentive.some((x) => x > 0)).length >= 2,
    )
    if (settled) break
    if (Date.now() > deadline) throw new Error('the demo subnets settled no epochs in time')
    await new Promise((r) => setTimeout(r, 2000))
  }
}, 280_000)

afterAll(async () => {
  await browser?.close()
  await node?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** A page of the given width whose console errors and uncaught exceptions are collected into `errors`. */
async function open(view: string, width: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } })
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${view}@${width}: ${m.text()}`)
  })
  page.on('pageerror', (e) => errors.push(`${view}@${width}: ${e.message}`))
  await page.goto(`${node.summary.api}/#/${view}`)
  await page.getByText('live · local devnet').waitFor()
  return page
}

/** How far the page is wider than the window (0 when nothing overflows sideways). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

/** Per chart canvas: its name, the values it draws, and how many strongly coloured pixels it has (bars, cells). */
const charts = (page: Page) =>
  page.locator('canvas[data-chart]').evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((canvas) => {
      const { data } = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: [] }
      let coloured = 0
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0, data[i + 3] ?? 0]
        if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++
      }
      return { name: canvas.dataset.chart, points: Number(canvas.dataset.points), coloured, width: canvas.clientWidth }
    }),
  )

describe('the dashboard, a view per capability', () => {
  it('network: the chain, contracts, subnets with their neurons, and activity with routine epochs folded', async () => {
    const page = await open('network', 1280)
    expect(await page.locator('#chain-id').textContent()).toBe('31337')
    expect(await page.locator('[data-contract="subnetRegistry"]').textContent()).toBe(
      node.summary.contracts.subnetRegistry,
    )
    expect(await page.locator('article.subnet h3').allTextContents()).toEqual([
      '#1 text text-generation',
      '#2 digits image-classification',
    ])
    expect(await page.locator('article[data-netuid="2"] tbody tr').count()).toBeGreaterThanOrEqual(4)
    // EpochApplied runs are one line each, never a line per epoch among the registrations.
    const routine = page.locator('#events > li.routine')
    await routine.first().waitFor()
    expect(await routine.first().textContent()).toMatch(/\d+ epochs? applied \(subnet #\d/)
    expect(await page.locator('#events > li.notable[data-event="EpochApplied"]').count()).toBe(0)
    expect(await page.locator('#events > li.notable').allTextContents()).toContainEqual(
      expect.stringContaining('registered in subnet #2 as uid'),
    )
    // Still reachable: opened, the run lists its epochs; the switch hides the runs.
    await routine.first().locator('summary').click()
    expect(await routine.first().locator('ol li').first().textContent()).toMatch(/epoch applied in subnet #\d/)
    await page.locator('#show-routine').uncheck()
    expect(await page.locator('#events > li.routine').count()).toBe(0)
    await page.locator('#show-routine').check()
    await page.screenshot({ path: join(shots, 'dashboard-network-1280.png'), fullPage: true })
    await page.close()
  })

  it('inference: models and prices, and the node’s own channel once, with both ends’ books labelled', async () => {
    const page = await open('inference', 1280)
    const channel = page.locator('#channels article[data-channel="1"]')
    await channel.waitFor()
    expect(await channel.count()).toBe(1)
    expect(await channel.getAttribute('data-ends')).toBe('both')
    expect(await page.locator('#channel-count').textContent()).toBe(
      String(await page.locator('#channels article').count()),
    )
    expect(await channel.locator('[data-end="gateway"] .end-title').textContent()).toBe(
      'Gateway’s books (this node pays)',
    )
    expect(await channel.locator('[data-end="miner"] .end-title').textContent()).toBe(
      'Miner’s books (this node is paid)',
    )
    const paidFor = Number(await channel.locator('[data-end="gateway"] [data-field="requests"]').textContent())
    const served = Number(await channel.locator('[data-end="miner"] [data-field="requests"]').textContent())
    expect(served).toBeGreaterThanOrEqual(2)
    expect(paidFor).toBeGreaterThanOrEqual(served)
    // A difference in requests is explained on the card, never left unexplained.
    if (paidFor > served) expect(await channel.locator('.why').textContent()).toContain('were not served')
    expect(await page.locator('#models tr[data-model="digits"] td').nth(4).textContent()).toBe('0.001000 tUSD')
    expect(await page.locator('#paid li').first().textContent()).toMatch(/digits on channel #1/)
    await page.screenshot({ path: join(shots, 'dashboard-inference-1280.png'), fullPage: true })
    await page.close()
  })

  it('incentives: every chart drawn by the charting library with the node’s data, scores in tables', async () => {
    const page = await open('incentives', 1280)
    await page.locator('article[data-incentives-netuid="2"] canvas[data-chart="emission"]').waitFor()
    const drawn = await charts(page)
    const names = ['stake', 'weights', 'consensus', 'dividends', 'emission']
    expect(drawn.map((c) => c.name)).toEqual([...names, ...names])
    for (const chart of drawn) {
      expect(chart.points, `${chart.name} has values`).toBeGreaterThan(0)
      expect(chart.coloured, `${chart.name} drew bars or cells`).toBeGreaterThan(100)
    }
    expect(await page.locator('article[data-incentives-netuid="2"] tbody tr').count()).toBeGreaterThanOrEqual(4)
    await page.screenshot({ path: join(shots, 'dashboard-incentives-1280.png'), fullPage: true })
    await page.close()
  })

  it('is usable at 400 px: nothing overflows sideways, charts fit, tables scroll inside their box', async () => {
    for (const view of ['network', 'inference', 'incentives']) {
      const page = await open(view, 400)
      await page
        .locator(view === 'incentives' ? 'canvas[data-chart]' : 'main table')
        .first()
        .waitFor()
      await page.waitForTimeout(300) // a poll's render
      expect(await overflow(page), `${view} at 400 px`).toBeLessThanOrEqual(0)
      for (const chart of await charts(page)) {
        expect(chart.width).toBeLessThanOrEqual(400)
        expect(chart.coloured, `${chart.name} at 400 px`).toBeGreaterThan(50)
      }
      await page.screenshot({ path: join(shots, `dashboard-${view}-400.png`), fullPage: true })
      await page.close()
    }
  })

  it('logged no console error on any page', () => {
    expect(errors).toEqual([])
  })
})

describe('the dashboard’s bundle and rules', () => {
  it('answers a page naming `npm run build:web` when the bundle is missing, not a 500', async () => {
    const dashboardDir = tempDir('mycel-no-dashboard-')
    try {
      const options = { ...resolveOptions({ env: {}, cwd: dashboardDir }), dashboardDir }
      const app = createApp(createCommon(options, createLogger('silent')), { ready: false, reason: 'test' })
      const response = await app.request('/')
      expect(response.status).toBe(503)
      expect(response.headers.get('content-type')).toContain('text/html')
      expect(await response.text()).toContain('npm run build:web')
      expect((await app.request('/app.js')).status).toBe(404)
    } finally {
      rmSync(dashboardDir, { recursive: true, force: true })
    }
  })

  it('merges the two ends of one channel and explains where their books differ', () => {
    const amount = (units: string) => `${units} u`
    const gateway = { channelId: '1', payee: '0xM', deposit: '100', committed: '30', requests: '3', units: '0' }
    const merged = mergeChannels(
      [
        { ...gateway, remaining: '70' },
        { ...gateway, channelId: '2', payee: '0xO', remaining: '70' },
      ],
      [
        {
          channelId: '1',
          payer: '0xP',
          deposit: '100',
          served: '20',
          servedRequests: 2,
          voucher: '25',
          claimed: '0',
          pending: '25',
          closed: false,
        },
      ],
      '0xM',
      amount,
    )
    expect(merged.map((c) => [c.channelId, Boolean(c.gateway), Boolean(c.miner)])).toEqual([
      ['1', true, true],
      ['2', true, false],
    ])
    expect(merged[0]?.differences).toEqual([
      '1 of the 3 requests the gateway paid for were not served: the miner refused the voucher or the request failed, and the gateway released their price.',
      'The gateway owes 5 u more than its best voucher carries: metered costs of the latest answers, paid with the next voucher.',
    ])
    expect(merged[1]?.differences).toEqual([])
  })

  it('folds each run of routine events into one item and keeps the others in order', () => {
    const event = (blockNumber: number, name: string, netuid = 1) => ({
      blockNumber,
      logIndex: 0,
      txHash: '0x',
      name,
      args: { netuid },
    })
    const items = groupActivity([
      event(90, 'EpochApplied', 2),
      event(80, 'EpochApplied', 1),
      event(70, 'NeuronRegistered'),
      event(60, 'EpochApplied'),
    ])
    expect(items.map((i) => (i.kind === 'event' ? i.event.name : `${i.events.length}x ${i.from}-${i.to}`))).toEqual([
      '2x 80-90',
      'NeuronRegistered',
      '1x 60-60',
    ])
    expect(items[0]?.kind === 'routine' && items[0].subnets).toEqual(['#1', '#2'])
  })
})
