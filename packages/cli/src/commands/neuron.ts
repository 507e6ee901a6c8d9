import type { NeuronRole } from '@mycel/sdk'
import { deregisterNeuron, getNeurons, getSubnets, neuronRoles, registerNeuron, updateEndpoint } from '@mycel/sdk'
import type { Command } from 'commander'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { parseIntegerOption, signerOptions } from '../options.ts'
import { printJson, printLines, printTable } from '../output.ts'

type RegisterFlags = SignerFlags & { netuid: string; role: string; endpoint: string; metadataCid?: string }

export function neuronCommand(program: Command) {
  const neuron = program.command('neuron').description('Register, update, deregister and list neurons')

  signerOptions(
    neuron
      .command('register')
      .description('Register the signer as a neuron (its hotkey) in a subnet; pays the registration cost')
      .requiredOption('--netuid <n>', 'subnet id')
      .requiredOption('--endpoint <url>', 'http:// or https:// URL where the neuron serves')
      .option('--role <role>', 'miner or validator', 'miner')
      .option('--metadata-cid <cid>', 'CID of a metadata document', ''),
  ).action(async (flags: RegisterFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const netuid = parseIntegerOption('--netuid', flags.netuid, 0, 2 ** 32)
    if (!(neuronRoles as readonly string[]).includes(flags.role)) {
      throw usageError(`--role must be one of ${neuronRoles.join(', ')}, got ${JSON.stringify(flags.role)}.`)
    }
    const ctx = await chainContext(globals)
    const wallet = await signer(ctx, flags)
    const { uid, hash, costPaid } = await registerNeuron(wallet, {
      registry: contractsOn(ctx).subnetRegistry,
      netuid,
      role: flags.role as NeuronRole,
      endpoint: flags.endpoint,
      metadataCid: flags.metadataCid ?? '',
    })
    const out = { netuid, uid, hotkey: wallet.account.address, role: flags.role, costPaid, transactionHash: hash }
    if (globals.json) return printJson(out)
    printLines([
      `registered ${wallet.account.address} in subnet ${netuid} as uid ${uid} (${flags.role})`,
      ['transaction', hash],
    ])
  })

  signerOptions(
    neuron
      .command('update')
      .description("Change the signer's endpoint in a subnet")
      .requiredOption('--netuid <n>', 'subnet id')
      .requiredOption('--endpoint <url>', 'new http:// or https:// URL'),
  ).action(async (flags: SignerFlags & { netuid: string; endpoint: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const netuid = parseIntegerOption('--netuid', flags.netuid, 0, 2 ** 32)
    const ctx = await chainContext(globals)
    const wallet = await signer(ctx, flags)
    const { hash } = await updateEndpoint(wallet, {
      registry: contractsOn(ctx).subnetRegistry,
      netuid,
      endpoint: flags.endpoint,
    })
    if (globals.json) return printJson({ netuid, endpoint: flags.endpoint, transactionHash: hash })
    process.stdout.write(`endpoint updated in subnet ${netuid}\n`)
  })

  signerOptions(
    neuron
      .command('deregister')
      .description('Remove the signer from a subnet (the registration cost is not refunded)')
      .requiredOption('--netuid <n>', 'subnet id'),
  ).action(async (flags: SignerFlags & { netuid: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const netuid = parseIntegerOption('--netuid', flags.netuid, 0, 2 ** 32)
    const ctx = await chainContext(globals)
    const wallet = await signer(ctx, flags)
    const { hash } = await deregisterNeuron(wallet, { registry: contractsOn(ctx).subnetRegistry, netuid })
    if (globals.json) return printJson({ netuid, transactionHash: hash })
    process.stdout.write(`deregistered from subnet ${netuid}\n`)
  })

  neuron
    .command('list')
    .description('List neurons (read from the chain)')
    .option('--netuid <n>', 'only this subnet')
    .action(async (flags: { netuid?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      const registry = contractsOn(ctx).subnetRegistry
      const netuids =
        flags.netuid !== undefined
          ? [parseIntegerOption('--netuid', flags.netuid, 0, 2 ** 32)]
          : (await getSubnets(ctx.client, { registry })).map((s) => s.netuid)
      const neurons = []
      for (const netuid of netuids) neurons.push(...(await getNeurons(ctx.client, { registry, netuid })))
      if (globals.json) return printJson(neurons)
      if (neurons.length === 0)
        return void process.stdout.write('no neurons yet: register one with `mycel neuron register`\n')
      printTable(neurons, ['netuid', 'uid', 'role', 'hotkey', 'endpoint'])
    })
}
