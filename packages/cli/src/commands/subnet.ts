import { existsSync, readFileSync } from 'node:fs'
import { createContentStore } from '@mycel/node'
import {
  createSubnet,
  getNeurons,
  getNextEpoch,
  getStake,
  getSubnetParams,
  getSubnets,
  MAX_NEURONS_LIMIT,
  parseCid,
  subnetRegistryAbi,
} from '@mycel/sdk'
import type { Command } from 'commander'
import { formatEther, parseEther } from 'viem'
import { readContract } from 'viem/actions'
import { chainContext, contractsOn, type GlobalFlags, type SignerFlags, signer } from '../context.ts'
import { usageError } from '../errors.ts'
import { printJson, printLines, printTable } from '../output.ts'
import { humanParam, subnetParamsCommand } from './stake.ts'

export function signerOptions(c: Command): Command {
  return c
    .option('--key <name>', 'keystore key that signs (see `mycel keys`)')
    .option('--password-file <file>', 'file holding the keystore password (else MYCEL_PASSWORD or a prompt)')
    .option('--dev-account <index>', 'devnet only: sign with anvil test account <index> (default 0)')
}

export function parseIntegerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`)
  }
  return n
}

type CreateFlags = SignerFlags & {
  name: string
  taskType: string
  scoringSpec: string
  maxNeurons: string
  registrationCost: string
}

export function subnetCommand(program: Command) {
  const subnet = program.command('subnet').description('Create, list and show subnets; read and set their parameters')

  signerOptions(
    subnet
      .command('create')
      .description('Create a subnet owned by the signer')
      .requiredOption('--name <name>', 'short name, 1-32 bytes')
      .requiredOption('--task-type <type>', 'what miners serve, e.g. text-generation, image-classification')
      .requiredOption('--scoring-spec <cid|file>', 'scoring specification: a CID, or a file to store and reference')
      .option('--max-neurons <n>', 'neuron slots, 1-256', '256')
      .option('--registration-cost <myc>', 'MYC burned per neuron registration', '0'),
  ).action(async (flags: CreateFlags, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const maxNeurons = parseIntegerOption('--max-neurons', flags.maxNeurons, 1, MAX_NEURONS_LIMIT)
    if (!/^\d+(\.\d{1,18})?$/.test(flags.registrationCost)) {
      throw usageError(
        `--registration-cost must be a number of MYC, e.g. 1 or 0.5, got ${JSON.stringify(flags.registrationCost)}.`,
      )
    }
    const ctx = await chainContext(globals)
    let scoringSpecCid: string
    if (existsSync(flags.scoringSpec)) {
      const bytes = new Uint8Array(readFileSync(flags.scoringSpec))
      scoringSpecCid = await createContentStore(ctx.options.dataDir).put(bytes)
    } else {
      try {
        scoringSpecCid = parseCid(flags.scoringSpec)
      } catch {
        throw usageError(
          `--scoring-spec ${JSON.stringify(flags.scoringSpec)} is neither an existing file nor a CID (e.g. bafkrei…).`,
        )
      }
    }
    const { subnetRegistry } = contractsOn(ctx)
    const wallet = await signer(ctx, flags)
    const { netuid, hash } = await createSubnet(wallet, {
      registry: subnetRegistry,
      name: flags.name,
      taskType: flags.taskType,
      scoringSpecCid,
      maxNeurons,
      registrationCost: parseEther(flags.registrationCost),
    })
    if (globals.json) return printJson({ netuid: Number(netuid), scoringSpecCid, transactionHash: hash })
    printLines([`created subnet ${netuid} "${flags.name}"`, ['scoring spec', scoringSpecCid], ['transaction', hash]])
  })

  subnet
    .command('list')
    .description('List subnets (read from the chain)')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const ctx = await chainContext(globals)
      const subnets = await getSubnets(ctx.client, { registry: contractsOn(ctx).subnetRegistry })
      if (globals.json) return printJson(subnets)
      if (subnets.length === 0)
        return void process.stdout.write('no subnets yet: create one with `mycel subnet create`\n')
      printTable(
        subnets.map((s) => ({
          ...s,
          neurons: `${s.neuronCount}/${s.maxNeurons}`,
          cost: `${formatEther(s.registrationCost)} MYC`,
        })),
        ['netuid', 'name', 'taskType', 'neurons', 'cost', 'owner'],
      )
    })

  subnet
    .command('show')
    .description('One subnet: its parameters, neurons with stake and permits, and its next epoch')
    .requiredOption('--netuid <n>', 'subnet id')
    .action(async (flags: { netuid: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const netuid = BigInt(parseIntegerOption('--netuid', flags.netuid, 1, 2 ** 31))
      const ctx = await chainContext(globals)
      const { subnetRegistry: registry, staking, epochs } = contractsOn(ctx)
      const found = (await getSubnets(ctx.client, { registry })).find((s) => BigInt(s.netuid) === netuid)
      if (!found) throw usageError(`There is no subnet ${netuid}; see \`mycel subnet list\`.`)
      const params = await getSubnetParams(ctx.client, { registry, netuid })
      const next = await getNextEpoch(ctx.client, { epochs, netuid })
      const neurons = []
      for (const n of await getNeurons(ctx.client, { registry, netuid })) {
        const { total } = await getStake(ctx.client, { staking, netuid, hotkey: n.hotkey })
        const permit = await readContract(ctx.client, {
          address: registry,
          abi: subnetRegistryAbi,
          functionName: 'hasValidatorPermit',
          args: [netuid, n.uid],
        })
        neurons.push({ ...n, stake: total, validatorPermit: permit })
      }
      if (globals.json) return printJson({ ...found, params, nextEpoch: next, neurons })
      printLines([
        `subnet ${netuid} "${found.name}" (${found.taskType})`,
        ['owner', found.owner],
        ['neurons', `${found.neuronCount}/${found.maxNeurons}`],
        ['registration cost', `${formatEther(found.registrationCost)} MYC`],
        ['tempo', `${params.tempo} blocks`],
        ['kappa', humanParam('kappa', params.kappa)],
        ['commit-reveal', `${params.commitRevealPeriod} tempo(s)`],
        ['max validators', params.maxValidators],
        ['next epoch', `${next.epoch} (snapshot at block ${next.snapshotBlock})`],
        ['scoring spec', found.scoringSpecCid],
      ])
      if (neurons.length === 0) return
      process.stdout.write('\n')
      printTable(
        neurons.map((n) => ({
          ...n,
          stake: `${formatEther(n.stake)} MYC`,
          permit: n.validatorPermit ? 'yes' : '',
        })),
        ['uid', 'role', 'hotkey', 'stake', 'permit', 'endpoint'],
      )
    })

  subnetParamsCommand(subnet)
}
