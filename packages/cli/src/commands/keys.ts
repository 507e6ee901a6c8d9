import { readFileSync } from 'node:fs'
import { LIGHT_SCRYPT, STANDARD_SCRYPT } from '@mycel/node'
import type { Command } from 'commander'
import { type Hex, isHex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { type GlobalFlags, keysOf, keystorePassword, nodeOptions } from '../context.ts'
import { usageError } from '../errors.ts'
import { printJson, printTable } from '../output.ts'
import { readSecret } from '../prompt.ts'

type NewFlags = { passwordFile?: string; lightKdf?: boolean }

export function keysCommand(program: Command) {
  const keys = program
    .command('keys')
    .description('Manage keys, encrypted at rest (Web3 Secret Storage v3, scrypt) in <data dir>/keystore')

  const addPasswordOptions = (c: Command) =>
    c
      .option('--password-file <file>', 'file holding the password (else MYCEL_PASSWORD or a prompt)')
      .option('--light-kdf', 'cheaper scrypt (N=4096) for throwaway keys, like geth --lightkdf')

  addPasswordOptions(keys.command('new <name>').description('Create a new random key')).action(
    async (name: string, flags: NewFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const store = keysOf(nodeOptions(globals))
      const password = await keystorePassword(flags, `New password for "${name}": `)
      const saved = store.save(name, generatePrivateKey(), password, flags.lightKdf ? LIGHT_SCRYPT : STANDARD_SCRYPT)
      if (globals.json) return printJson({ name: saved.name, address: saved.address, file: saved.file })
      process.stdout.write(`created key "${saved.name}" ${saved.address}\n  ${saved.file}\n`)
    },
  )

  addPasswordOptions(
    keys
      .command('import <name>')
      .description(
        'Import a private key (read from --private-key-file, stdin or a prompt; never an argument). With the key on stdin, give the password by --password-file or MYCEL_PASSWORD.',
      )
      .option('--private-key-file <file>', 'file holding the 0x… private key'),
  ).action(async (name: string, flags: NewFlags & { privateKeyFile?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalFlags>()
    const store = keysOf(nodeOptions(globals))
    const raw = flags.privateKeyFile
      ? readFileSync(flags.privateKeyFile, 'utf8').trim()
      : (await readSecret('Private key (0x…): ')).trim()
    const key = (raw.startsWith('0x') ? raw : `0x${raw}`) as Hex
    if (!isHex(key) || key.length !== 66) {
      throw usageError('That is not a private key: expected 64 hex digits, with or without 0x.')
    }
    const password = await keystorePassword(flags, `New password for "${name}": `)
    const saved = store.save(name, key, password, flags.lightKdf ? LIGHT_SCRYPT : STANDARD_SCRYPT)
    if (globals.json) return printJson({ name: saved.name, address: saved.address, file: saved.file })
    process.stdout.write(`imported key "${saved.name}" ${saved.address}\n`)
  })

  keys
    .command('list')
    .description('List keys and their addresses')
    .action((_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const list = keysOf(nodeOptions(globals)).list()
      if (globals.json) return printJson(list)
      if (list.length === 0) return void process.stdout.write('no keys yet: create one with `mycel keys new <name>`\n')
      printTable(
        list.map((k) => ({ ...k, address: k.address ?? `(unreadable: ${k.error})` })),
        ['name', 'address'],
      )
    })

  keys
    .command('export-address <name>')
    .description('Print the address of a key (no password needed)')
    .action((name: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalFlags>()
      const address = keysOf(nodeOptions(globals)).address(name)
      if (globals.json) return printJson({ name, address })
      process.stdout.write(`${address}\n`)
    })
}
