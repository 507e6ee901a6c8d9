/**
 * `mycel model license buy | show | revoke` — licenses of models (Licenses; docs/models-market.md): a purchase is
 * bound to the terms read before it (`Licenses.buy` with their hash: terms changed meanwhile make it fail rather than
 * buy under others) and may be bounded by `--max-fee`. Added to the `model` command by main.ts.
 */
import { NodeError } from '@mycel/node'
import { buyLicense, getLicense, revokeLicense, termsHashOf } from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { expiryOf, licenseIdOf, modelIdOf, readModel } from '../modelSupport.ts'
import { parseUnitsOption, signerOptions } from '../options.ts'
import { printJson, printLines } from '../output.ts'

export function licenseCommands(model: Command): void {
  const license = model.command('license').description('Buy, inspect and revoke licenses of models')
  signerOptions(
    license
      .command('buy')
      .description(
        "Buy a license of a model under the terms it has now (approves and pays the model's mint fee); the purchase " +
          'fails rather than buy under terms changed meanwhile',
      )
      .argument('<id>', 'model id')
      .option('--max-fee <units>', 'refuse if the mint fee is above this many units of the terms currency'),
  ).action(async (id: string, flags: SignerFlags & { maxFee?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const modelId = modelIdOf(id)
    const maxFee = flags.maxFee === undefined ? undefined : parseUnitsOption('--max-fee', flags.maxFee)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    // An unknown model fails here with its own sentence; the terms read are the ones the purchase is bound to.
    const { terms } = await readModel(ctx, addresses, modelId)
    if (maxFee !== undefined && terms.hasTerms && terms.mintFee > maxFee) {
      throw new NodeError(
        'LICENSE_FEE_ABOVE_MAX',
        `Model ${modelId}'s mint fee is ${terms.mintFee} units, above --max-fee ${maxFee}: nothing was bought. Raise --max-fee to buy at this fee.`,
      )
    }
    const wallet = await signer(ctx, flags)
    const bought = await buyLicense(wallet, {
      licenses: addresses.licenses,
      modelId,
      agreedTerms: termsHashOf(terms),
    })
    const expiresAt = expiryOf(bought.expiresAt)
    const agreed = { royaltyBps: terms.royaltyBps, minPricePerRequest: terms.minPricePerRequest }
    if (globals.json) return printJson({ modelId, ...bought, ...agreed, expiresAt, transactionHash: bought.hash })
    printLines([
      `bought license ${bought.licenseId} of model ${modelId}`,
      ['holder', wallet.account.address],
      ['fee', `${bought.fee} units`],
      ['royalty', `${terms.royaltyBps / 100} % of what you are paid for it`],
      ['min price', `${terms.minPricePerRequest} units per request`],
      ['expires', expiresAt ?? 'never'],
      ['transaction', bought.hash],
    ])
  })

  license
    .command('show')
    .description('A license: its model, holder, validity and the terms it was bought under')
    .argument('<licenseId>', 'license id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const licenseId = licenseIdOf(id)
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const l = await getLicense(ctx.client, { licenses: addresses.licenses, licenseId })
      const expiresAt = expiryOf(l.expiresAt)
      if (globals.json) return printJson({ ...l, expiresAt })
      printLines([
        `license ${licenseId} of model ${l.modelId}: ${l.valid ? 'valid' : l.revoked ? 'revoked' : 'expired'}`,
        ['holder', l.holder],
        ['expires', expiresAt ?? 'never'],
        ['royalty', `${l.terms.royaltyBps} bps`],
        ['commercial use', l.terms.commercialUse],
      ])
    })

  signerOptions(
    license
      .command('revoke')
      .description("Revoke a license at once (the model's owner only; a fractionalized model's by vote)")
      .argument('<licenseId>', 'license id'),
  ).action(async (id: string, flags: SignerFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const licenseId = licenseIdOf(id)
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const wallet = await signer(ctx, flags)
    const { hash } = await revokeLicense(wallet, { licenses: addresses.licenses, licenseId })
    if (globals.json) return printJson({ licenseId, revoked: true, transactionHash: hash })
    printLines([`revoked license ${licenseId}`, ['transaction', hash]])
  })
}
