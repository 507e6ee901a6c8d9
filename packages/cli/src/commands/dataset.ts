/**
 * `mycel dataset add | list | show | grant | revoke | fetch | withdraw` — the data market (docs/data.md). `add` seals
 * a dataset file with a fresh AES-256-GCM key into the content store, keeps the key wrapped to this data dir's vault
 * key, and registers the dataset (its CID, schema, records root, licence, terms) with the running node as its
 * provider; `grant` buys a grant at the dataset's price (or, with `--give`, gives one away as its owner); `fetch`
 * gets, unwraps and decrypts a dataset as a grantee and checks its records against the root on chain.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import {
  createContentStore,
  type DatasetSchema,
  fetchDataset,
  findRunningNode,
  NodeError,
  openVault,
  parseDatasetSchema,
  type RecordLayout,
  recordRegistration,
  sealDataset,
} from '@mycel/node'
import {
  buyGrant,
  getDataOwed,
  getDataset,
  issueGrant,
  listCertifications,
  listDatasets,
  listGrants,
  registerDataset,
  revokeGrant,
  withdrawDataPayments,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer, signerKey } from '../context.ts'
import {
  contributorOption,
  datasetIdOf,
  grantIdOf,
  grantKindOption,
  type PriceFlags,
  recordsOption,
  termsOf,
  tokenFormatter,
  whenOf,
} from '../dataSupport.ts'
import { usageError } from '../errors.ts'
import { tokenAddress } from '../modelSupport.ts'
import { collect, parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

type AddFlags = SignerFlags &
  PriceFlags & {
    format?: string
    width?: string
    schema?: string
    license: string
    currency: string
    contributor?: string[]
    provider?: string
    name?: string
    label?: string
    classes?: string
  }

function readSchemaFile(path: string): DatasetSchema {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw usageError(`--schema ${path}: ${(error as Error).message}`)
  }
  return parseDatasetSchema(value)
}

function layoutOf(file: string, flags: AddFlags): RecordLayout {
  const format = flags.format ?? (['.bin', '.tensor'].includes(extname(file)) ? 'tensor' : 'jsonl')
  if (format === 'jsonl') return { format }
  if (format !== 'tensor') throw usageError(`--format must be jsonl or tensor, got ${JSON.stringify(format)}.`)
  if (flags.width === undefined) throw usageError('A tensor dataset needs --width <features per record>.')
  return { format, width: parseIntegerOption('--width', flags.width, 1, 1_000_000) }
}

export function datasetCommand(program: Command): Command {
  const dataset = program
    .command('dataset')
    .description('The data market: datasets sealed at rest, priced and time-bound grants, key release to grantees')

  signerOptions(
    dataset
      .command('add')
      .description(
        "Seal a dataset file (AES-256-GCM, a fresh key kept wrapped in this data dir's vault) and register it; a kind of grant is on sale when its price is given",
      )
      .argument('<file>', 'records: JSON lines (.jsonl), or tensor records (.bin: binary32 features, uint32 label)')
      .requiredOption('--license <id>', 'the licence: an SPDX id (e.g. CC-BY-4.0) or a licence document CID')
      .option('--format <jsonl|tensor>', 'the records format (default: tensor for .bin, else jsonl)')
      .option('--width <n>', 'features per tensor record')
      .option('--schema <file>', 'a schema document (docs/data.md "Schemas"); inferred from the records when absent')
      .option(
        '--label <field>',
        'with an inferred schema: the JSON field holding the label (default: `label` if present)',
      )
      .option('--classes <n>', 'with an inferred schema: the number of label classes')
      .option('--access-price <tokens>', 'sell access to the whole dataset (its key) at this price')
      .option('--training-price <tokens>', 'sell one training use (compute-to-data) at this price')
      .option('--record-price <tokens>', 'sell chosen records at this price each')
      .option('--query-price <tokens>', 'sell queries at this price each')
      .option('--currency <token>', 'tusd (devnet), myc, or an ERC-20 address', 'tusd')
      .option('--duration <seconds>', 'how long a bought grant lasts; 0 for no end', '2592000')
      .option('--contributor <address:bps>', 'a contributor paid this share of every payment (repeatable)', collect)
      .option('--provider <url>', "the URL of the node that releases the key (default: this data dir's running node)")
      .option('--name <name>', 'a name for the vault (default: the file name)'),
  ).action(async (file: string, flags: AddFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const info = statSync(file, { throwIfNoEntry: false })
    if (!info?.isFile()) throw usageError(`${file}: no such file.`)
    const schema = flags.schema ? readSchemaFile(flags.schema) : undefined
    const layout = layoutOf(file, flags)
    if (schema && schema.format !== layout.format && flags.format !== undefined)
      throw usageError(`--format ${layout.format} contradicts the schema's format ${schema.format}.`)
    const contributors = (flags.contributor ?? []).map(contributorOption)
    const classes = flags.classes === undefined ? undefined : parseIntegerOption('--classes', flags.classes, 2, 65_536)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const currency = tokenAddress('--currency', flags.currency, addresses)
    const token = await tokenFormatter(ctx, currency)
    const terms = termsOf(flags, currency, token.decimals)
    const provider = flags.provider ?? findRunningNode(ctx.options.dataDir)?.apiUrl
    if (!provider)
      throw usageError(
        'No provider: no node runs for this data dir to release the key. Start one (`mycel up`) or pass --provider <url> of the node holding this vault.',
      )
    const wallet = await signer(ctx, flags)
    const vault = await openVault(ctx.options.dataDir)
    const store = createContentStore(ctx.options.dataDir)
    try {
      const sealed = await sealDataset(vault, store, {
        bytes: readFileSync(file),
        name: flags.name ?? basename(file),
        ...(schema ? { schema } : { layout }),
        ...(flags.label ? { label: flags.label } : {}),
        ...(classes === undefined ? {} : { classes }),
      })
      const { datasetId, hash } = await registerDataset(wallet, {
        datasetRegistry: addresses.datasetRegistry,
        listing: {
          cid: sealed.cid,
          schemaCid: sealed.schemaCid,
          recordsRoot: sealed.recordsRoot,
          recordCount: sealed.recordCount,
          license: flags.license,
          provider,
        },
        terms,
        contributors,
      })
      // The node releases the key only for grants on the dataset registered from this vault (not on a copy).
      recordRegistration(vault, {
        chainId: ctx.chainId,
        datasetRegistry: addresses.datasetRegistry,
        datasetId,
        cid: sealed.cid,
      })
      const result = { datasetId, owner: wallet.account.address, ...sealed, license: flags.license, provider, terms }
      if (globals.json) return printJson({ ...result, transactionHash: hash })
      printLines([
        `registered dataset ${datasetId}`,
        ['records', `${sealed.recordCount} (${sealed.schema.format})`],
        ['records root', sealed.recordsRoot],
        ['sealed', `${sealed.cid} (${sealed.sealedSize} bytes, AES-256-GCM)`],
        ['schema', sealed.schemaCid],
        ['licence', flags.license],
        ['on sale', describeOffers(terms, token.format)],
        ['provider', provider],
        ['transaction', hash],
      ])
    } finally {
      store.close()
      vault.close()
    }
  })

  dataset
    .command('list')
    .description('Datasets on chain, newest first, with their certification on chain')
    .option('--limit <n>', 'how many', '50')
    .option('--certified', 'only datasets with a passed, unrevoked certification')
    .action(async (flags: { limit: string; certified?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const limit = parseIntegerOption('--limit', flags.limit, 1, 1000)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const listed = await listDatasets(ctx.client, { datasetRegistry: addresses.datasetRegistry, limit })
      const certifications = await listCertifications(ctx.client, { eas: addresses.eas })
      const datasets = listed.datasets
        .map((d) => ({
          ...d,
          certified: certifications.some(
            (c) =>
              c.certification.datasetId === d.datasetId &&
              c.certification.recordsRoot.toLowerCase() === d.recordsRoot.toLowerCase() &&
              c.certification.passed &&
              !c.revoked,
          ),
        }))
        .filter((d) => !flags.certified || d.certified)
      if (globals.json) return printJson({ total: listed.total, datasets })
      if (datasets.length === 0)
        return printLines([
          flags.certified
            ? 'no certified datasets: certify one with `mycel dataset certify <id>`'
            : 'no datasets yet: register one with `mycel dataset add <file> --license <id>`',
        ])
      printTable(
        datasets.map((d) => ({
          id: d.datasetId,
          owner: d.owner,
          records: d.recordCount,
          license: d.license,
          offers: d.terms.offers.join(',') || '-',
          certified: d.certified ? 'yes' : 'no',
          provider: d.provider,
        })),
        ['id', 'owner', 'records', 'license', 'offers', 'certified', 'provider'],
      )
    })

  dataset
    .command('show')
    .description('A dataset: its content, terms, contributors and grants')
    .argument('<id>', 'dataset id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const datasetId = datasetIdOf(id)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const d = await getDataset(ctx.client, { datasetRegistry: addresses.datasetRegistry, datasetId })
      const grants = await listGrants(ctx.client, { accessGrants: addresses.accessGrants, datasetId })
      const shown = grants.map((g) => ({ ...g, expiresAt: whenOf(g.expiresAt) }))
      if (globals.json) return printJson({ ...d, grants: shown })
      const token = await tokenFormatter(ctx, d.terms.currency)
      printLines([
        `dataset ${datasetId}`,
        ['owner', d.owner],
        ['records', `${d.recordCount}, root ${d.recordsRoot}`],
        ['sealed content', d.cid],
        ['schema', d.schemaCid],
        ['licence', d.license],
        ['provider', d.provider],
        ['on sale', describeOffers(d.terms, token.format)],
        ['grants last', d.terms.grantDuration === 0 ? 'no end' : `${d.terms.grantDuration} s`],
        ['contributors', d.contributors.map((c) => `${c.payee} ${c.bps / 100} %`).join(', ') || 'none'],
        ['grants', grants.length],
      ])
      if (grants.length > 0)
        printTable(
          shown.map((g) => ({
            grant: g.grantId,
            kind: g.kind,
            grantee: g.grantee,
            units: g.units || '-',
            paid: token.format(g.price),
            state: g.valid ? 'valid' : g.revoked ? 'revoked' : 'expired',
            expires: g.expiresAt ?? 'never',
          })),
          ['grant', 'kind', 'grantee', 'units', 'paid', 'state', 'expires'],
        )
    })

  signerOptions(
    dataset
      .command('grant')
      .description(
        "Buy a grant on a dataset at its current price (approves and pays), or with --give, give one away as the dataset's owner",
      )
      .argument('<id>', 'dataset id')
      .option('--kind <kind>', 'access (the key), training, records, queries, or compute (given only)', 'access')
      .option('--records <list>', 'records grant: the records, e.g. 0,5,17')
      .option('--queries <n>', 'queries grant: how many queries')
      .option('--for <address>', 'buy for another grantee (the signer pays)')
      .option('--give <address>', "as the dataset's owner: give the grant to this address at no charge")
      .option('--duration <seconds>', 'with --give: how long it lasts; 0 for no end', '0'),
  ).action(
    async (
      id: string,
      flags: SignerFlags & {
        kind: string
        records?: string
        queries?: string
        for?: string
        give?: string
        duration: string
      },
      command: Command,
    ) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const datasetId = datasetIdOf(id)
      const kind = grantKindOption(flags.kind)
      const records = flags.records === undefined ? undefined : recordsOption(flags.records)
      const queries =
        flags.queries === undefined ? undefined : parseIntegerOption('--queries', flags.queries, 1, 2 ** 32 - 1)
      if (kind === 'records' && !records) throw usageError('A records grant names its records: --records 0,5,17.')
      if (kind === 'queries' && !queries) throw usageError('A queries grant names how many: --queries <n>.')
      if (kind !== 'records' && records) throw usageError('--records goes with --kind records.')
      if (kind !== 'queries' && queries) throw usageError('--queries goes with --kind queries.')
      if (kind === 'compute' && !flags.give)
        throw usageError("Compute grants are not sold: the dataset's owner gives them (--give <provider address>).")
      for (const [flag, value] of [
        ['--for', flags.for],
        ['--give', flags.give],
      ] as const)
        if (value !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(value))
          throw usageError(`${flag} ${JSON.stringify(value)} is not an address.`)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const wallet = await signer(ctx, flags)
      const scope = { ...(records ? { records } : {}), ...(queries ? { queries } : {}) }
      const d = await getDataset(ctx.client, { datasetRegistry: addresses.datasetRegistry, datasetId })
      const token = await tokenFormatter(ctx, d.terms.currency)
      if (flags.give) {
        const duration = BigInt(parseIntegerOption('--duration', flags.duration, 0, Number.MAX_SAFE_INTEGER))
        const grantee = flags.give as `0x${string}`
        const { grantId, hash } = await issueGrant(wallet, {
          accessGrants: addresses.accessGrants,
          datasetId,
          kind,
          grantee,
          duration,
          ...scope,
        })
        if (globals.json) return printJson({ grantId, datasetId, kind, grantee, price: 0n, transactionHash: hash })
        return printLines([
          `gave ${kind} grant ${grantId} on dataset ${datasetId} to ${grantee}`,
          ['transaction', hash],
        ])
      }
      const grantee = (flags.for ?? wallet.account.address) as `0x${string}`
      const { grantId, price, hash } = await buyGrant(wallet, {
        datasetRegistry: addresses.datasetRegistry,
        accessGrants: addresses.accessGrants,
        datasetId,
        kind,
        grantee,
        ...scope,
      })
      const expiresAt =
        d.terms.grantDuration === 0 ? null : new Date(Date.now() + d.terms.grantDuration * 1000).toISOString()
      if (globals.json) return printJson({ grantId, datasetId, kind, grantee, price, transactionHash: hash })
      printLines([
        `bought ${kind} grant ${grantId} on dataset ${datasetId}`,
        ['grantee', grantee],
        ['paid', token.format(price)],
        ['expires', expiresAt ?? 'never'],
        ...(kind === 'access' ? [['next', `mycel dataset fetch ${datasetId} -o <dir>`] as [string, string]] : []),
        ['transaction', hash],
      ])
    },
  )

  signerOptions(
    dataset
      .command('revoke')
      .description("Revoke a grant at once (the dataset's owner only; nothing is refunded)")
      .argument('<grantId>', 'grant id'),
  ).action(async (id: string, flags: SignerFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const grantId = grantIdOf(id)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const wallet = await signer(ctx, flags)
    const { hash } = await revokeGrant(wallet, { accessGrants: addresses.accessGrants, grantId })
    if (globals.json) return printJson({ grantId, revoked: true, transactionHash: hash })
    printLines([`revoked grant ${grantId}`, ['transaction', hash]])
  })

  signerOptions(
    dataset
      .command('fetch')
      .description(
        'Fetch a dataset as a grantee: the key from its provider (wrapped to your key), the sealed bytes by CID, decrypted and checked against the records root on chain',
      )
      .argument('<id>', 'dataset id')
      .requiredOption('-o, --output <dir>', 'where to write the records and the schema')
      .option('--grant <grantId>', 'the grant to use (default: your newest valid access or compute grant)'),
  ).action(async (id: string, flags: SignerFlags & { output: string; grant?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const datasetId = datasetIdOf(id)
    const grantId = flags.grant === undefined ? undefined : grantIdOf(flags.grant)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const { account, privateKey } = await signerKey(ctx, flags)
    const store = createContentStore(ctx.options.dataDir)
    try {
      const fetched = await fetchDataset({
        client: ctx.client,
        chainId: ctx.chainId,
        addresses,
        datasetId,
        account,
        privateKey,
        store,
        ...(grantId === undefined ? {} : { grantId }),
      })
      mkdirSync(flags.output, { recursive: true })
      const records = join(flags.output, fetched.schema.format === 'tensor' ? 'records.bin' : 'records.jsonl')
      const schema = join(flags.output, 'schema.json')
      writeFileSync(records, fetched.bytes)
      writeFileSync(schema, `${JSON.stringify(fetched.schema, null, 2)}\n`)
      const result = {
        datasetId,
        grantId: fetched.grant.grantId,
        records,
        schema,
        recordCount: fetched.recordCount,
        recordsRoot: fetched.dataset.recordsRoot,
        bytes: fetched.bytes.length,
      }
      if (globals.json) return printJson(result)
      printLines([
        `fetched dataset ${datasetId} with grant ${fetched.grant.grantId}`,
        ['records', `${fetched.recordCount} → ${records}`],
        ['schema', schema],
        ['verified', `records root ${fetched.dataset.recordsRoot} matches the chain`],
      ])
    } finally {
      store.close()
    }
  })

  signerOptions(
    dataset
      .command('withdraw')
      .description('Withdraw what grants paid you (as an owner or a contributor)')
      .option('--token <token>', 'tusd (devnet), myc, or an ERC-20 address', 'tusd'),
  ).action(async (flags: SignerFlags & { token: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const token = tokenAddress('--token', flags.token, addresses)
    const wallet = await signer(ctx, flags)
    const owed = await getDataOwed(ctx.client, {
      accessGrants: addresses.accessGrants,
      token,
      account: wallet.account.address,
    })
    if (owed === 0n)
      throw new NodeError('NOTHING_OWED', `${wallet.account.address} has nothing to withdraw in ${flags.token}.`)
    const { hash } = await withdrawDataPayments(wallet, { accessGrants: addresses.accessGrants, token })
    const f = await tokenFormatter(ctx, token)
    if (globals.json) return printJson({ account: wallet.account.address, token, amount: owed, transactionHash: hash })
    printLines([`withdrew ${f.format(owed)}`, ['to', wallet.account.address], ['transaction', hash]])
  })

  return dataset
}

function describeOffers(
  terms: {
    offers: readonly string[]
    accessPrice: bigint
    trainingPrice: bigint
    recordPrice: bigint
    queryPrice: bigint
  },
  format: (amount: bigint) => string,
): string {
  const price: Record<string, string> = {
    access: `access ${format(terms.accessPrice)}`,
    training: `training ${format(terms.trainingPrice)}`,
    records: `records ${format(terms.recordPrice)} each`,
    queries: `queries ${format(terms.queryPrice)} each`,
  }
  return (
    terms.offers.map((k) => price[k]).join(', ') || 'nothing (grants only from the owner: `mycel dataset grant --give`)'
  )
}
