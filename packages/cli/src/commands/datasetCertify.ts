/**
 * `mycel dataset certify | uncertify` — certification of datasets on the Ethereum Attestation Service (docs/data.md
 * "Certification"): a certifier with a grant fetches the dataset, checks it and attests the result on chain or off
 * chain (EAS's signed format, published to the dataset's provider); its attester revokes it. Added to the `dataset`
 * command by main.ts.
 */
import { certifyDataset, createContentStore } from '@mycel/node'
import { revokeAttestation, revokeOffchainAttestation } from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer, signerKey } from '../context.ts'
import { datasetIdOf } from '../dataSupport.ts'
import { usageError } from '../errors.ts'
import { signerOptions } from '../options.ts'
import { printJson, printLines } from '../output.ts'

export function certifyCommands(dataset: Command): Command {
  signerOptions(
    dataset
      .command('certify')
      .description(
        "Certify a dataset as a certifier: fetch it with your grant, check schema conformance, record count, duplicates, label balance, a licence and personal data, and attest the result on EAS (on chain, or --offchain in EAS's signed format, published to the dataset's provider)",
      )
      .argument('<id>', 'dataset id')
      .option('--offchain', "sign an offchain attestation (EAS's EIP-712 format) instead of attesting on chain"),
  ).action(async (id: string, flags: SignerFlags & { offchain?: boolean }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const datasetId = datasetIdOf(id)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const { account, privateKey } = await signerKey(ctx, flags)
    const wallet = await signer(ctx, flags)
    const store = createContentStore(ctx.options.dataDir)
    try {
      const certified = await certifyDataset({
        client: ctx.client,
        wallet,
        chainId: ctx.chainId,
        addresses,
        datasetId,
        account,
        privateKey,
        store,
        offchain: flags.offchain === true,
      })
      if (globals.json) return printJson(certified)
      const { report } = certified
      printLines([
        `${report.passed ? 'certified' : 'checked (not passed)'} dataset ${datasetId} ${certified.onchain ? 'on chain' : 'off chain'}`,
        ['uid', certified.uid],
        [
          'records',
          `${report.recordCount.found} (${report.recordCount.matches ? 'as registered' : `registered ${report.recordCount.registered}`})`,
        ],
        ['schema', report.schema.conforms ? 'every record conforms' : `${report.schema.failed} records do not conform`],
        ['duplicates', report.duplicates.count],
        [
          'labels',
          report.labels
            ? `${Object.keys(report.labels.classes).length} classes, balance ${report.labels.balanceBps / 100} %`
            : 'none',
        ],
        ['licence', report.license.present ? `${report.license.value} (${report.license.kind})` : 'missing'],
        ['personal data', report.pii.count === 0 ? 'none found' : `${report.pii.count} findings`],
        ...(report.reasons.length ? [['why not', report.reasons.join('; ')] as [string, string]] : []),
        ['report', certified.reportCid],
        ...(certified.onchain ? [['transaction', certified.transactionHash] as [string, string]] : []),
      ])
    } finally {
      store.close()
    }
  })

  signerOptions(
    dataset
      .command('uncertify')
      .description('Revoke a certification you attested (its uid; --offchain for an offchain one, revoked on chain)')
      .argument('<uid>', 'the attestation uid (0x + 64 hex digits)')
      .option('--offchain', 'the uid is an offchain attestation'),
  ).action(async (uid: string, flags: SignerFlags & { offchain?: boolean }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    if (!/^0x[0-9a-fA-F]{64}$/.test(uid))
      throw usageError(`${JSON.stringify(uid)} is not an attestation uid (0x + 64 hex digits).`)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const wallet = await signer(ctx, flags)
    const { hash } = flags.offchain
      ? await revokeOffchainAttestation(wallet, { eas: addresses.eas, uid: uid as `0x${string}` })
      : await revokeAttestation(wallet, { eas: addresses.eas, uid: uid as `0x${string}` })
    if (globals.json) return printJson({ uid, revoked: true, offchain: flags.offchain === true, transactionHash: hash })
    printLines([`revoked certification ${uid}`, ['transaction', hash]])
  })
  return dataset
}
