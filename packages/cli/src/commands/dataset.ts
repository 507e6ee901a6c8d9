/**
 * `mycel dataset add | list | show` — the data market (docs/data.md; grants in datasetGrants.ts, certification in
 * datasetCertify.ts). `add` seals
 * a dataset file with a fresh AES-256-GCM key into the content store, keeps the key wrapped to this data dir's vault
 * key, and registers the dataset (its CID, schema, records root, licence, terms) with the running node as its
 * provider; `grant` buys a grant at the dataset's price (or, with `--give`, gives one away as its owner); `fetch`
 * gets, unwraps and decrypts a dataset as a grantee and checks its records against the root on chain.
 */
import { readFileSync, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import {
  createContentStore,
  type DatasetSchema,
  findRunningNode,
  openVault,
  parseDatasetSchema,
  type RecordLayout,
  registerSealed,
  sealDataset,
} from '@mycel/node'
import { getDataset, listCertifications, listDatasets, listGrants } from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { contributorOption, datasetIdOf, type PriceFlags, termsOf, tokenFormatter, whenOf } from '../dataSupport.ts'
import { usageError } from '../errors.ts'
import { tokenAddress } from '../modelSupport.ts'
import { collect, parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

type AddFlags = SignerFlags &
  PriceFlags & {
    format?: string
    records?: boolean
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
      .option('--name <name>', 'a name for the vault (default: the file name)')
      .option(
        '--records',
        'keep each record in the vault to serve records and queries (a personal vault; on when a record or query price is set)',
      ),
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
        keepRecords: flags.records === true || flags.recordPrice !== undefined || flags.queryPrice !== undefined,
      })
      const { datasetId, hash } = await registerSealed(vault, wallet, {
        chainId: ctx.chainId,
        datasetRegistry: addresses.datasetRegistry,
        sealed,
        license: flags.license,
        provider,
        terms,
        contributors,
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
