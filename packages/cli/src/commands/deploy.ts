import { deploymentsPath, writeDeployments } from '@mycel/node'
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
    .action(async (flags: SignerFlags & { treasury?: string; initialSupply: string }, command: Command) => {
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
      const wallet = await signer(ctx, flags)
      const treasury = (flags.treasury ?? wallet.account.address) as `0x${string}`
      const result = await deployMycel(wallet, {
        treasury,
        initialSupply: parseEther(flags.initialSupply),
        onProgress: (e) => {
          if (!globals.json) process.stderr.write(`  ${e.contract}: ${e.status} at ${e.address}\n`)
        },
      })
      const file = writeDeployments(ctx.options.dataDir, {
        chainId: ctx.chainId,
        method: result.method,
        deployer: wallet.account.address,
        treasury,
        deployedAt: new Date().toISOString(),
        contracts: result.contracts,
      })
      const out = { chainId: ctx.chainId, method: result.method, contracts: result.addresses, deploymentsFile: file }
      if (globals.json) return printJson(out)
      printLines([
        `deployed to chain ${ctx.chainId} (${result.method})`,
        ['MycelToken', result.addresses.mycelToken],
        ['SubnetRegistry', result.addresses.subnetRegistry],
        ['recorded in', deploymentsPath(ctx.options.dataDir, ctx.chainId)],
      ])
    })
}
