/**
 * `mycel model royalties collect|withdraw`: getting a model's royalties out (docs/models-market.md, "Royalties").
 *
 * `collect` works for any model: it first settles the model channels that owe the model something (a model channel
 * retains its route's royalties at each claim and credits them when settled; anyone may settle), then pays what
 * PaymentChannels and Licenses hold for the model to its royalty recipient — the owner, or, once fractionalized,
 * the vault (through the vault's `collect`, which counts it for the holders). `withdraw` takes a holder's share out
 * of a fractionalized model's vault.
 */
import {
  collectRoyalties,
  findUnsettledChannels,
  type MycelAddresses,
  releaseRoyalties,
  settleRoyalties,
  withdrawRoyalties,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { type Address, formatUnits, type Hash } from 'viem'
import { type ChainContext, chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { governed, modelIdOf, readModel, royaltyToken } from '../modelSupport.ts'
import { signerOptions } from '../options.ts'
import { printJson, printLines } from '../output.ts'

type Settled = { channels: bigint[]; royalties: bigint; transactionHash?: Hash }

/** Settles the open model channels in `token` whose unsettled royalties owe `modelId` something. */
async function settleChannelsOf(
  ctx: ChainContext,
  addresses: MycelAddresses,
  wallet: Awaited<ReturnType<typeof signer>>,
  modelId: bigint,
  token: Address,
): Promise<Settled> {
  const due = await findUnsettledChannels(ctx.client, {
    paymentChannels: addresses.paymentChannels,
    modelId,
    token,
    fromBlock: 0n,
  })
  if (due.length === 0) return { channels: [], royalties: 0n }
  const channels = due.map((c) => c.channelId)
  const { hash } = await settleRoyalties(wallet, { paymentChannels: addresses.paymentChannels, channelIds: channels })
  const royalties = due
    .flatMap((c) => c.royalties)
    .filter((r) => r.modelId === modelId)
    .reduce((sum, r) => sum + r.amount, 0n)
  return { channels, royalties, transactionHash: hash }
}

/** Adds `royalties collect|withdraw` to the `model` command. */
export function royaltyCommands(model: Command): void {
  const royalties = model
    .command('royalties')
    .description("A model's royalties: collect them to its owner or vault, withdraw a share holder's part")

  signerOptions(
    royalties
      .command('collect')
      .description(
        'Settle the model channels that owe the model royalties, then pay what PaymentChannels and Licenses hold for ' +
          'it to its owner, or into its vault once fractionalized (anyone may)',
      )
      .argument('<id>', 'model id')
      .option('--token <token>', "myc, tusd or an address (default: the model's currency)")
      .option('--no-settle', 'only pay out what is credited already (skip settling open model channels)'),
  ).action(async (id: string, flags: SignerFlags & { token?: string; settle: boolean }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const ctx = await chainContext(globals)
    const addresses = contractsOn(ctx)
    const m = await readModel(ctx, addresses, modelIdOf(id))
    const token = await royaltyToken(ctx, flags.token, m.terms.hasTerms ? m.terms.currency : undefined)
    const wallet = await signer(ctx, flags)
    const settled = flags.settle
      ? await settleChannelsOf(ctx, addresses, wallet, m.modelId, token.address)
      : { channels: [], royalties: 0n }
    let recipient: Address
    let arrived: bigint
    const hashes: Hash[] = []
    if (m.royaltyRecipient !== m.owner) {
      // Fractionalized: the vault's collect releases from every source and counts it for the holders.
      const { governance } = await governed(ctx, id)
      const collected = await collectRoyalties(wallet, { vault: governance.vault, token: token.address })
      recipient = governance.vault
      arrived = collected.arrived
      hashes.push(collected.hash)
    } else {
      recipient = m.royaltyRecipient
      arrived = 0n
      for (const source of [addresses.paymentChannels, addresses.licenses]) {
        const released = await releaseRoyalties(wallet, { source, modelId: m.modelId, token: token.address })
        arrived += released.amount
        hashes.push(released.hash)
      }
    }
    if (globals.json) {
      return printJson({
        modelId: m.modelId,
        token: token.address,
        settled,
        recipient,
        arrived,
        transactionHashes: hashes,
      })
    }
    const units = (v: bigint) => `${formatUnits(v, token.decimals)} ${token.symbol}`
    printLines([
      `collected ${units(arrived)} for model ${m.modelId} → ${recipient === m.royaltyRecipient && m.royaltyRecipient === m.owner ? 'its owner' : 'its vault (share holders withdraw)'}`,
      ['recipient', recipient],
      ...(settled.channels.length > 0
        ? [
            ['settled first', `${units(settled.royalties)} from ${settled.channels.length} model channel(s)`] as [
              string,
              string,
            ],
          ]
        : []),
      ['transactions', hashes.join(', ')],
    ])
  })

  signerOptions(
    royalties
      .command('withdraw')
      .description("Withdraw your share of a fractionalized model's collected royalties")
      .argument('<id>', 'model id')
      .option('--token <token>', "myc, tusd or an address (default: the model's currency)"),
  ).action(async (id: string, flags: SignerFlags & { token?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const ctx = await chainContext(globals)
    const { model: m, governance } = await governed(ctx, id)
    const token = await royaltyToken(ctx, flags.token, m.terms.hasTerms ? m.terms.currency : undefined)
    const wallet = await signer(ctx, flags)
    const { amount, hash } = await withdrawRoyalties(wallet, { vault: governance.vault, token: token.address })
    if (globals.json) return printJson({ modelId: m.modelId, token: token.address, amount, transactionHash: hash })
    printLines([`withdrew ${formatUnits(amount, token.decimals)} ${token.symbol}`, ['transaction', hash]])
  })
}
