import {
  addressesOf,
  deploymentFundingError,
  deploymentsPath,
  isInsufficientFunds,
  publishedEas,
  readDeployments,
  staleContracts,
  writeDeployments,
} from '@mycel/node'
import { deployMycel } from '@mycel/sdk'
import type { Command } from 'commander'
import { isAddress, parseEther } from 'viem'
import { chainContext, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { printJson, printLines } from '../output.ts'

export function deployCommand(program: Command) {
  program
    .command('deploy')
    .description('Deploy the mycel contracts to a chain (deterministic; contracts already there are reused)')
    .option('--key <name>', 'keystore key that pays for the deployment (see `mycel keys`)')
    .option('--password-file <file>', 'file holding the keystore password (else MYCEL_PASSWORD or a prompt)')
    .option('--dev-account <index>', 'devnet only: use anvil test account <index> instead of a key')
    .option('--treasury <address>', 'receives the initial MYC supply (default: the deployer)')
    .option('--initial-supply <myc>', 'initial MYC supply, in whole tokens', '100000000')
    .option('--force', 'deploy even when the deployments file shows contracts on this chain')
    .action(
      async (flags: SignerFlags & { treasury?: string; initialSupply: string; force?: boolean }, command: Command) => {
        const globals = command.optsWithGlobals<GlobalFlags>()
        if (flags.treasury !== undefined && !isAddress(flags.treasury)) {
          throw usageError(
            `--treasury ${JSON.stringify(flags.treasury)} is not an address (0x followed by 40 hex digits).`,
          )
        }
        if (!/^\d+(\.\d+)?$/.test(flags.initialSupply)) {
          throw usageError(
            `--initial-supply ${JSON.stringify(flags.initialSupply)} is not a number of tokens, e.g. 1000000.`,
          )
        }
        const ctx = await chainContext(globals)
        const file = deploymentsPath(ctx.options.dataDir, ctx.chainId)
        const recorded = readDeployments(ctx.options.dataDir, ctx.chainId)
        if (recorded && !flags.force && (await staleContracts(ctx.client, recorded)).length === 0) {
          // Already there: report it and send nothing (this keeps plain-CREATE chains from getting a second set).
          const out = {
            chainId: ctx.chainId,
            method: recorded.method,
            deployed: false,
            contracts: addressesOf(recorded),
            deploymentsFile: file,
          }
          if (globals.json) return printJson(out)
          return printLines([
            `already deployed on chain ${ctx.chainId} (recorded in ${file}); nothing sent. Use --force to deploy anyway.`,
            ['MycelToken', out.contracts.mycelToken],
            ['SubnetRegistry', out.contracts.subnetRegistry],
          ])
        }
        const wallet = await signer(ctx, flags)
        const treasury = (flags.treasury ?? wallet.account.address) as `0x${string}`
        const initialSupply = parseEther(flags.initialSupply)
        // EAS where the chain has it (its published addresses), else the real EAS deployed with the rest.
        const eas = publishedEas(ctx.chainId)
        const result = await deployMycel(wallet, {
          treasury,
          initialSupply,
          ...(eas ? { eas } : {}),
          onProgress: (e) => {
            if (!globals.json) process.stderr.write(`  ${e.contract}: ${e.status} at ${e.address}\n`)
          },
        }).catch(async (error: unknown) => {
          if (!isInsufficientFunds(error)) throw error
          // Say who must be funded and with how much, measured rather than guessed.
          throw (
            (await deploymentFundingError(ctx.client, {
              address: wallet.account.address,
              chainId: ctx.chainId,
              initialSupply,
            })) ?? error
          )
        })
        writeDeployments(ctx.options.dataDir, {
          chainId: ctx.chainId,
          method: result.method,
          deployer: wallet.account.address,
          treasury,
          deployedAt: new Date().toISOString(),
          contracts: result.contracts,
        })
        const deployed = Object.values(result.contracts).some((c) => c.transactionHash !== undefined)
        const out = {
          chainId: ctx.chainId,
          method: result.method,
          deployed,
          contracts: result.addresses,
          deploymentsFile: file,
        }
        if (globals.json) return printJson(out)
        printLines([
          deployed
            ? `deployed to chain ${ctx.chainId} (${result.method})`
            : `found the contracts already on chain ${ctx.chainId}; nothing sent`,
          ['MycelToken', result.addresses.mycelToken],
          ['SubnetRegistry', result.addresses.subnetRegistry],
          ['recorded in', file],
        ])
      },
    )
}
