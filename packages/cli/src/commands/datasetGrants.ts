/**
 * `mycel dataset grant | revoke | fetch | withdraw` — grants on datasets (docs/data.md "Grants", "Key release"): buy a
 * grant at the dataset's current price (or give one away as its owner), revoke one, fetch a dataset as a grantee (the
 * key from its provider, the sealed bytes by CID, decrypted and checked against the records root on chain), and
 * withdraw what grants paid. Added to the `dataset` command by main.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createContentStore, fetchDataset, NodeError } from '@mycel/node'
import { buyGrant, getDataOwed, getDataset, issueGrant, revokeGrant, withdrawDataPayments } from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer, signerKey } from '../context.ts'
import { datasetIdOf, grantIdOf, grantKindOption, recordsOption, tokenFormatter } from '../dataSupport.ts'
import { usageError } from '../errors.ts'
import { tokenAddress } from '../modelSupport.ts'
import { parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines } from '../output.ts'

export function grantCommands(dataset: Command): Command {
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
