/**
 * `mycel dataset records | query | log` — the personal data vault (docs/data.md "The personal data vault"): a grantee
 * asks the dataset's provider for records (each proven against the records root on chain) or for a query's aggregate
 * answer, signing the request with its key; the owner reads its vault's log of every request, served or refused.
 * Added to the `dataset` command by main.ts.
 */
import { writeFileSync } from 'node:fs'
import { openVault, parseDataQuery, readReleases, requestQuery, requestRecords } from '@mycel/node'
import { getGrant, getGrantRecords } from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signerKey } from '../context.ts'
import { datasetIdOf, grantIdOf, recordsOption } from '../dataSupport.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

export function vaultCommands(dataset: Command): Command {
  signerOptions(
    dataset
      .command('records')
      .description(
        "Get records from a dataset's vault as a grantee: each proven against the records root on chain, never a record outside your grant",
      )
      .argument('<id>', 'dataset id')
      .requiredOption('--grant <grantId>', 'your records (or access) grant')
      .option('--records <list>', "the records, e.g. 0,5,17 (default: all of the grant's records)")
      .option('-o, --output <file>', 'write the records there, one per line (JSON lines) or concatenated (tensor)'),
  ).action(
    async (id: string, flags: SignerFlags & { grant: string; records?: string; output?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const datasetId = datasetIdOf(id)
      const grantId = grantIdOf(flags.grant)
      const asked = flags.records === undefined ? undefined : recordsOption(flags.records)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const { account, privateKey } = await signerKey(ctx, flags)
      const grant = await getGrant(ctx.client, { accessGrants: addresses.accessGrants, grantId })
      if (grant.datasetId !== datasetId)
        throw usageError(`Grant ${grantId} is on dataset ${grant.datasetId}, not ${datasetId}.`)
      // A records grant's own list is in its event; ask all of it, or some of it naming the whole list.
      const list =
        grant.kind === 'records'
          ? await getGrantRecords(ctx.client, { accessGrants: addresses.accessGrants, grantId })
          : undefined
      const records = asked ?? list
      if (!records || records.length === 0)
        throw usageError('Name the records with --records (an access grant covers them all).')
      const got = await requestRecords({
        client: ctx.client,
        chainId: ctx.chainId,
        addresses,
        grantId,
        account,
        privateKey,
        records,
        ...(list && asked ? { granted: list } : {}),
      })
      if (flags.output)
        writeFileSync(flags.output, Buffer.concat(got.records.flatMap((r) => [r.bytes, Buffer.from('\n')])))
      if (globals.json)
        return printJson({
          datasetId,
          grantId,
          records: got.records.map((r) => ({ index: r.index, data: r.bytes.toString('base64') })),
          ...(flags.output ? { output: flags.output } : {}),
        })
      printLines([
        `${got.records.length} record(s) of dataset ${datasetId}, each proven against its records root on chain`,
        ...got.records.map((r) => [`record ${r.index}`, preview(r.bytes)] as [string, unknown]),
        ...(flags.output ? ([['written', flags.output]] as [string, unknown][]) : []),
      ])
    },
  )

  signerOptions(
    dataset
      .command('query')
      .description(
        'Ask a dataset\'s vault an aggregate question as a grantee (count, sum, mean, min, max, histogram; never over fewer than 5 records): e.g. \'{"select":"histogram","field":"label"}\'',
      )
      .argument('<id>', 'dataset id')
      .argument('<query>', 'the query, as JSON')
      .requiredOption('--grant <grantId>', 'your queries grant (each answer spends one query)'),
  ).action(async (id: string, query: string, flags: SignerFlags & { grant: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const datasetId = datasetIdOf(id)
    const grantId = grantIdOf(flags.grant)
    try {
      parseDataQuery(query)
    } catch (error) {
      throw usageError((error as Error).message)
    }
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const { account, privateKey } = await signerKey(ctx, flags)
    const { answer } = await requestQuery({
      client: ctx.client,
      chainId: ctx.chainId,
      addresses,
      grantId,
      account,
      privateKey,
      query,
    })
    if (globals.json) return printJson({ datasetId, grantId, answer })
    printLines([
      `dataset ${datasetId}: ${answer.select}${answer.field ? ` of ${answer.field}` : ''} over ${answer.matched} records`,
      ...(answer.buckets
        ? Object.entries(answer.buckets).map(([k, n]) => [k, n] as [string, unknown])
        : ([['value', answer.value]] as [string, unknown][])),
      ...(answer.suppressed
        ? ([['left out', `${answer.suppressed} (values held by fewer than 5)`]] as [string, unknown][])
        : []),
    ])
  })

  dataset
    .command('log')
    .description(
      "The vault's log (the owner's): every request for a key, records or a query — served or refused, and why",
    )
    .argument('[id]', 'only this dataset')
    .option('--limit <n>', 'how many, newest first', '50')
    .action(async (id: string | undefined, flags: { limit: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const limit = parseIntegerOption('--limit', flags.limit, 1, 10_000)
      const datasetId = id === undefined ? undefined : datasetIdOf(id).toString()
      const ctx = await chainContext(globals)
      const vault = await openVault(ctx.options.dataDir)
      try {
        const rows = readReleases(vault.db, {
          limit,
          ...(datasetId === undefined ? {} : { chainId: ctx.chainId, datasetId }),
        })
        if (globals.json) return printJson(rows)
        if (rows.length === 0) return printLines(['no request yet'])
        printTable(
          rows.map((r) => ({ ...r, released: r.released ? 'served' : 'refused' })),
          ['at', 'datasetId', 'grantId', 'action', 'requester', 'released', 'reason'],
        )
      } finally {
        vault.close()
      }
    })
  return dataset
}

/** A record shown on one line: its text (JSON lines), or its size (tensor). */
const preview = (bytes: Buffer) => {
  const text = bytes.toString('utf8')
  return /^[\x20-\x7e]*$/.test(text) ? (text.length > 100 ? `${text.slice(0, 100)}…` : text) : `${bytes.length} bytes`
}
