/**
 * `start(options)`: the node daemon. Opens the HTTP server first (so `/health` answers and `/ready` says why it is
 * not ready yet), then the database, the chain (embedded anvil, an already running `mycel devnet`, or `rpcUrl`),
 * the contract deployments, and the chain indexer. Returns a handle whose `stop()` shuts everything down in order.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MycelAddresses } from '@mycel/sdk'
import type { Logger } from 'pino'
import { getBlockNumber } from 'viem/actions'
import { connectChain, redactRpcUrl } from '../chain/client.ts'
import {
  addressesOf,
  type DeploymentsFile,
  deploymentsPath,
  readDeployments,
  staleContracts,
} from '../chain/deployments.ts'
import { createIndexer } from '../chain/indexer.ts'
import { type Common, createCommon, type RoleContext } from '../common/common.ts'
import { NodeError, NotDeployedError } from '../common/errors.ts'
import { type NodeOptions, roleEnabled } from '../config/options.ts'
import { createContentStore } from '../content/contentStore.ts'
import { migrations, openDatabase } from '../db/database.ts'
import { readPublishedMiners } from '../db/stores/network.ts'
import { devnetAccount } from '../devnet/accounts.ts'
import { type AnvilProcess, startAnvil } from '../devnet/anvil.ts'
import { demoValidatorAccounts, devnetSelfStake } from '../devnet/demo.ts'
import { ensureDevnetContracts } from '../devnet/deploy.ts'
import { devnetPaths, findRunningDevnet, lockDataDir } from '../devnet/devnet.ts'
import { createApp, listen, type NodeState } from '../http/server.ts'
import type { Model } from '../inference/backend.ts'
import { loadModels } from '../inference/models.ts'
import { isModelCid } from '../markets/modelByCid.ts'
import type { Miner } from '../miner/miner.ts'
import { createIncentivesView } from '../validator/view.ts'
import { accountsFromOptions, incentiveAccounts, keysFromOptions, roleKey, walletFor } from './accounts.ts'
import { seedDataDemo } from './devnetData.ts'
import { startData } from './startData.ts'
import { startDemo } from './startDemo.ts'
import { type Incentives, startIncentives } from './startIncentives.ts'
import { startModels } from './startModels.ts'
import { startProvenance } from './startProvenance.ts'
import { type Roles, startRoles } from './startRoles.ts'
import { startTraining } from './startTraining.ts'

export type MycelNode = {
  common: Common
  /** Base URL of the HTTP API and dashboard. */
  url: string
  rpcUrl: string
  chainId: number
  /** 'embedded' = anvil child of this node; 'devnet' = a running `mycel devnet`; 'external' = rpcUrl. */
  chainMode: 'embedded' | 'devnet' | 'external'
  addresses: MycelAddresses
  /** Milliseconds from start() to ready. */
  startupMs: number
  /** The miner and gateway this node runs (see `miner` and `gateway` options). */
  roles: Roles
  /** Its validators, epoch duties and (on the devnet with `subnetDemo`) the demo subnet's miners. */
  incentives: Incentives
  stop: () => Promise<void>
}

export type StartParameters = {
  logger?: Logger
  /** Aborting it (e.g. Ctrl-C during start) stops at the next step and cleans up what was started. */
  signal?: AbortSignal
}

export async function start(options: NodeOptions, { logger, signal }: StartParameters = {}): Promise<MycelNode> {
  const started = performance.now()
  const common = createCommon(options, logger)
  const { shutdown } = common
  const log = common.logger
  const state: NodeState = { ready: false, reason: 'starting' }
  /** A start step: what /ready says meanwhile, and (log level debug) when it began, to see where start-up goes. */
  const step = (reason: string) => {
    state.reason = reason
    log.debug({ msg: 'start step', step: reason, ms: Math.round(performance.now() - started) })
  }
  try {
    return await startInner()
  } catch (error) {
    await shutdown.run('start failed')
    throw error
  }

  async function startInner(): Promise<MycelNode> {
    shutdown.add('data dir lock', lockDataDir(options.dataDir))

    const app = createApp(common, state)
    const { server, port } = await listen(app, options.host, options.port)
    shutdown.add(
      'http',
      () =>
        new Promise<void>((r) => {
          server.close(() => r())
          server.closeAllConnections()
        }),
    )
    signal?.throwIfAborted()
    const url = `http://${options.host}:${port}`
    log.info({ msg: 'http listening', url })

    const db = openDatabase(join(options.dataDir, 'node.db'), migrations, { backgroundCheckpoints: true })
    shutdown.add('database', () => {
      db.close()
    })
    const store = createContentStore(options.dataDir)
    shutdown.add('content store', () => store.close())
    state.db = db
    state.store = store

    // The chain.
    let minerModels: Promise<Model[]> | undefined
    let modelsTaken = false
    shutdown.add('models loaded early', async () => {
      if (!modelsTaken) for (const model of (await minerModels?.catch(() => [])) ?? []) await model.close()
    })
    let chainMode: MycelNode['chainMode']
    let rpcUrl: string
    let anvil: AnvilProcess | undefined
    if (options.rpcUrl) {
      chainMode = 'external'
      rpcUrl = options.rpcUrl
    } else {
      const devnet = await findRunningDevnet(options.dataDir)
      if (devnet) {
        chainMode = 'devnet'
        rpcUrl = devnet.rpcUrl
      } else {
        chainMode = 'embedded'
        step('starting the embedded devnet')
        const paths = devnetPaths(options.dataDir)
        anvil = await startAnvil({
          stateFile: paths.state,
          logFile: paths.log,
          host: '127.0.0.1',
          port: options.devnetPort,
          stateIntervalSeconds: options.stateIntervalSeconds,
          // The miner's models load (onnxruntime's start-up included) while anvil loads its state.
          whileStarting: () => {
            if (!roleEnabled(options.miner, true)) return
            // Models named by CID load once the chain and the content store's peers are known (startRoles).
            minerModels = loadModels(options.minerModels.filter((spec) => !isModelCid(spec)))
            minerModels.catch(() => {}) // reported by the miner's start
          },
        })
        const child = anvil
        shutdown.add('devnet', () => child.stop())
        void child.exited.then((code) => {
          if (!shutdown.isShuttingDown) {
            log.error({ msg: 'embedded devnet exited unexpectedly', code })
            state.ready = false
            state.reason = `the embedded devnet exited (code ${code})`
          }
        })
        rpcUrl = anvil.rpcUrl
      }
    }
    signal?.throwIfAborted()
    step('connecting to the chain')
    const { client, chain, chainId } = await connectChain(rpcUrl, { pollingInterval: options.pollIntervalMs })
    log.info({ msg: 'chain connected', chainId, rpcUrl: redactRpcUrl(rpcUrl), mode: chainMode })

    signal?.throwIfAborted()
    // The contracts.
    step('checking contract deployments')
    let record: DeploymentsFile
    if (chainMode === 'external') {
      const file = deploymentsPath(options.dataDir, chainId)
      const found = readDeployments(options.dataDir, chainId)
      if (!found) throw new NotDeployedError({ chainId, file })
      const stale = await staleContracts(client, found)
      if (stale.length > 0) {
        throw new NodeError(
          'DEPLOYMENT_MISSING',
          `${file} is missing ${stale.join(', ')}, or that code is not on chain ${chainId}. Run \`mycel deploy --rpc <url> --key <name>\` to complete the deployment.`,
        )
      }
      record = found
    } else {
      step('deploying contracts')
      ;({ record } = await ensureDevnetContracts({
        dataDir: options.dataDir,
        client,
        chain,
        rpcUrl,
        store,
        seed: options.seed,
        logger: log,
      }))
    }
    const addresses = addressesOf(record)
    state.contracts = addresses

    signal?.throwIfAborted()
    // The index.
    step('indexing the chain')
    const registryBlock = BigInt(record.contracts.subnetRegistry.blockNumber ?? '0')
    const indexer = await createIndexer(common, db, client, {
      registry: addresses.subnetRegistry,
      fromBlock: registryBlock,
    })
    await indexer.syncOnce()
    signal?.throwIfAborted()
    indexer.start()
    shutdown.add('indexer', () => indexer.stop())
    // Content missing here is fetched from the other nodes whose endpoints are registered on chain.
    store.setPeers({
      peers: () => [...new Set(readPublishedMiners(db).map((m) => m.endpoint))].filter((e) => e !== url),
      onPeerFailed: (peer, reason) => log.warn({ msg: 'content peer failed', peer, reason }),
    })
    let head = indexer.indexedBlock
    const headTimer = setInterval(() => {
      getBlockNumber(client, { cacheTime: 0 }).then(
        (b) => {
          head = b
        },
        () => {},
      )
    }, options.pollIntervalMs)
    shutdown.add('head poll', () => clearInterval(headTimer))

    state.chain = {
      chainId,
      rpcUrl: chainMode === 'external' ? redactRpcUrl(rpcUrl) : rpcUrl,
      embedded: chainMode !== 'external',
      // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take.
      headBlock: () => (head > indexer.indexedBlock ? head : indexer.indexedBlock),
      indexedBlock: () => indexer.indexedBlock,
    }
    signal?.throwIfAborted()
    const devnet = chainMode !== 'external'
    // The paid-inference roles (the gateway discovers the miners once the incentive roles' miners listen too).
    step('starting the miner and the gateway')
    const context: RoleContext = { db, client, chain, rpcUrl, chainId, devnet, store }
    modelsTaken = true
    const accountOf = accountsFromOptions(options, chainId)
    // Provenance receipts: the miners sign one per answer; batches anchor from their accounts (docs/provenance.md).
    const provenance = startProvenance(common, { ...context, addresses })
    shutdown.add('provenance', () => provenance.stop())
    state.provenance = provenance.api
    const receiptsFor = (setting: 'minerKey') => {
      const { account, privateKey } = roleKey(options[setting], { chainId, dataDir: options.dataDir, setting })
      return provenance.issuerFor(account, privateKey)
    }
    const roles = await startRoles(common, { ...context, addresses, minerModels, accountOf, receiptsFor })
    shutdown.add('roles', () => roles.stop())
    if (roles.gateway) state.gateway = roles.gateway.app
    state.payments = roles.view
    const miner = roles.miner
    /** The miners `POST /api/miner/claim` claims for: the node's own, then (on the devnet demo) the graded ones. */
    const claimers = miner ? [miner] : []
    if (miner) state.claim = () => claimAll(claimers)
    // The model market's catalog and governance (`/api/models`).
    const models = startModels({
      ...context,
      addresses,
      fromBlock: BigInt(record.contracts.modelRegistry?.blockNumber ?? registryBlock),
      roles,
      pollIntervalMs: options.pollIntervalMs,
    })
    if (models) state.models = models

    if (devnet && options.devnetBlockSeconds > 0) {
      // Epochs, reveal windows and cooldowns count blocks: on the devnet, blocks come with time, not only with
      // transactions.
      const blockTimer = setInterval(() => {
        client.request({ method: 'evm_mine' } as never).catch(() => {})
      }, options.devnetBlockSeconds * 1000)
      shutdown.add('devnet blocks', () => clearInterval(blockTimer))
    }
    signal?.throwIfAborted()
    step('starting the validators and epoch duties')
    const on = (value: 'auto' | 'on' | 'off') => roleEnabled(value, devnet)
    const incentivesOn = on(options.validator) || on(options.epochs)
    // The devnet demo (with subnetDemo, what `npm start` runs): fast epochs, graded miners and a second validator.
    const demoOn = devnet && options.subnetDemo && incentivesOn
    const accounts = incentivesOn
      ? incentiveAccounts(accountOf, {
          validator: on(options.validator),
          extraValidators: demoOn ? demoValidatorAccounts() : [],
        })
      : undefined
    const demo = demoOn ? await startDemo(common, { ...context, addresses }) : undefined
    if (demo) shutdown.add('devnet demo', () => demo.stop())
    if (demo) {
      claimers.push(...demo.miners)
      state.claim ??= () => claimAll(claimers)
    }
    const incentives = await startIncentives(common, {
      ...context,
      addresses,
      url,
      accounts: () => accounts ?? incentiveAccounts(accountOf, { validator: false }),
      selfStake: devnet
        ? devnetSelfStake(client, { addresses, validatorStake: BigInt(options.validatorStake) })
        : undefined,
      demoMiners: demo?.miners,
    })
    shutdown.add('incentives', () => incentives.stop())
    state.incentives = createIncentivesView(db, client, addresses, incentives.validators)
    // The training market: its API always, the trainer and verifier roles when on (`npm start`).
    step('starting the training roles')
    const training = await startTraining(common, {
      ...context,
      addresses,
      keyOf: keysFromOptions(options, chainId),
      url,
    })
    shutdown.add('training', () => training.stop())
    state.training = training.api
    // The data market: its API always, the vault (key release) when on.
    const data = await startData(common, { ...context, addresses })
    shutdown.add('data', () => data.stop())
    state.data = data.api
    await indexer.syncOnce()
    // Every miner this node runs listens at its published endpoint now: the gateway's first discovery finds them all.
    signal?.throwIfAborted()
    step('discovering the miners')
    shutdown.add('gateway discovery', await roles.openGateway())
    // Ctrl-C during the last step: stop now rather than run on as if it had not been pressed.
    signal?.throwIfAborted()

    state.degraded = () => (indexer.lastError ? `the chain is not answering (${indexer.lastError})` : undefined)
    // The duties (scoring, commit-reveal, epochs) send transactions: they start once start-up sent its own.
    incentives.startDuties()
    training.startDuties()
    provenance.startDuties()
    // The devnet's example economy: a certified dataset trained on by compute-to-data, a personal vault in use. Begun
    // once start-up has returned (sealing the digits is a second of CPU that the summary need not wait for).
    if (devnet && options.trainingDemo) {
      const treasury = walletFor(devnetAccount(0), context.chain, rpcUrl)
      const seed = () =>
        seedDataDemo(
          {
            ...context,
            addresses,
            logger: log,
            url,
            ...(data.vault ? { vault: data.vault } : {}),
            providers: training.keys.map((k) => k.address),
            inTreasuryTx: (send) => common.txQueue.run(treasury.account.address, send),
          },
          treasury,
        ).catch((error: Error) => log.warn({ msg: 'the demo data economy was not seeded', err: error.message }))
      const timer = setTimeout(seed, 0)
      shutdown.add('demo data seeding', () => clearTimeout(timer))
    }
    state.ready = true
    state.reason = 'ready'

    const nodeInfo = devnetPaths(options.dataDir).nodeInfo
    // 0600: an external rpcUrl may carry an API key.
    const keys = [...roles.keys, ...incentives.keys, ...training.keys]
    writeFileSync(nodeInfo, `${JSON.stringify({ pid: process.pid, apiUrl: url, rpcUrl, chainId, keys }, null, 2)}\n`, {
      mode: 0o600,
    })
    shutdown.add('node info', () => rmSync(nodeInfo, { force: true }))
    shutdown.add('not ready', () => {
      state.ready = false
      state.reason = 'shutting down'
    })

    const startupMs = Math.round(performance.now() - started)
    log.info({ msg: 'node ready', url, chainId, startupMs, ...addresses })
    return {
      common,
      url,
      rpcUrl,
      chainId,
      chainMode,
      addresses,
      startupMs,
      roles,
      incentives,
      stop: () => shutdown.run('stop'),
    }
  }
}

/** Stops `node` on SIGINT/SIGTERM (a second signal exits at once). */
export function installSignalHandlers(node: Pick<MycelNode, 'stop'>, onStopped: () => void = () => process.exit(0)) {
  let count = 0
  const handler = (signal: NodeJS.Signals) => {
    count += 1
    if (count > 1) process.exit(130)
    process.stderr.write(`\n${signal}: stopping…\n`)
    void node.stop().then(onStopped)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
}

/** Claims every channel owing each of `miners` (one transaction per miner with something to claim). */
async function claimAll(miners: Miner[]) {
  const results = []
  for (const m of miners) {
    const r = await m.claimer.claimDue({ all: true })
    if (r) results.push({ payee: m.payee, ...r })
  }
  return results
}
