/**
 * `mycel model fractionalize`: fractional ownership of a model (docs/models-market.md, "Fractional ownership and
 * governance"). A model is named by id; its vault, governor and timelock are found on chain and verified
 * (src/modelSupport.ts). Voting is in modelVote.ts, royalties in modelRoyalties.ts.
 */

import { DEVNET_CHAIN_ID } from '@mycel/node'
import { DEVNET_GOVERNANCE, fractionalizeModel, type GovernanceSettings, PRODUCTION_GOVERNANCE } from '@mycel/sdk'
import type { Command } from 'commander'
import { parseEther } from 'viem'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { modelIdOf, readModel } from '../modelSupport.ts'
import { signerOptions } from '../options.ts'
import { printJson, printLines } from '../output.ts'

/** Governance parameters by chain: short ones on the devnet (a vote takes minutes), production ones elsewhere. */
export const settingsFor = (chainId: number): GovernanceSettings =>
  chainId === DEVNET_CHAIN_ID ? DEVNET_GOVERNANCE : PRODUCTION_GOVERNANCE

/** Adds `fractionalize` to the `model` command. */
export function fractionalCommands(model: Command): void {
  signerOptions(
    model
      .command('fractionalize')
      .description(
        'Split a model you own into shares: deploy its vault, timelock and governor; the NFT goes to the timelock',
      )
      .argument('<id>', 'model id')
      .requiredOption('--supply <n>', 'number of shares (whole shares, 18 decimals), all minted to you')
      .requiredOption('--symbol <S>', 'share token symbol, e.g. TXT')
      .option('--name <name>', 'share token name (default: "model <id> shares")'),
  ).action(
    async (id: string, flags: SignerFlags & { supply: string; symbol: string; name?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const modelId = modelIdOf(id)
      if (!/^\d{1,30}$/.test(flags.supply) || BigInt(flags.supply) === 0n) {
        throw usageError(`--supply must be a positive whole number of shares, got ${JSON.stringify(flags.supply)}.`)
      }
      if (!/^[\x21-\x7e]{1,11}$/.test(flags.symbol)) {
        throw usageError(`--symbol must be 1 to 11 visible ASCII characters, got ${JSON.stringify(flags.symbol)}.`)
      }
      const ctx = await chainContext(globals)
      const addresses = contractsOn(ctx)
      const current = await readModel(ctx, addresses, modelId)
      const wallet = await signer(ctx, flags)
      const name = flags.name ?? `model ${modelId} shares`
      const settings = settingsFor(ctx.chainId)
      const supply = parseEther(flags.supply)
      const result = await fractionalizeModel(wallet, {
        registry: addresses.modelRegistry,
        modelId,
        name,
        symbol: flags.symbol,
        supply,
        tokens: current.terms.hasTerms ? [current.terms.currency] : [],
        sources: [addresses.paymentChannels, addresses.licenses],
        // Production: proposing needs 1 % of the supply; the devnet lets any holder propose.
        settings: settings === PRODUCTION_GOVERNANCE ? { ...settings, proposalThreshold: supply / 100n } : settings,
      })
      const out = {
        modelId,
        vault: result.vault,
        timelock: result.timelock,
        governor: result.governor,
        supply: flags.supply,
        symbol: flags.symbol,
        sound: result.governance.sound,
        gasUsed: result.gasUsed,
        transactionHashes: result.hashes,
      }
      if (globals.json) return printJson(out)
      printLines([
        `fractionalized model ${modelId} into ${flags.supply} ${flags.symbol} (votes delegated to you)`,
        ['vault (shares)', result.vault],
        ['governor', result.governor],
        ['timelock (owner)', result.timelock],
        ['gas', result.gasUsed],
      ])
    },
  )
}
