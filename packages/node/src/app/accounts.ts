/**
 * The accounts the node's roles sign with: `dev:N` (the devnet's test account N, devnet only) or the name of a
 * keystore in `<dataDir>/keystore`, unlocked with MYCEL_PASSWORD or the file named by MYCEL_PASSWORD_FILE.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WriteClient } from '@mycel/sdk'
import { type Chain, createWalletClient, type Hex, http } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { NodeError } from '../common/errors.ts'
import type { NodeOptions } from '../config/options.ts'
import { devnetAccount, devnetPrivateKey } from '../devnet/accounts.ts'
import { DEVNET_CHAIN_ID } from '../devnet/anvil.ts'
import { lazyAccount } from '../keys/account.ts'
import { keystoreDir } from '../keys/keystore.ts'

export function roleAccount(
  value: string,
  { chainId, dataDir, setting }: { chainId: number; dataDir: string; setting: string },
): LocalAccount {
  return roleKey(value, { chainId, dataDir, setting }).account
}

/** The account {@link roleAccount} names and its private key (for native signing on hot paths; memory only). */
export function roleKey(
  value: string,
  { chainId, dataDir, setting }: { chainId: number; dataDir: string; setting: string },
): { account: LocalAccount; privateKey: Hex } {
  const dev = /^dev:(\d{1,3})$/.exec(value)
  if (dev) {
    if (chainId !== DEVNET_CHAIN_ID) {
      throw new NodeError(
        'NO_SIGNER',
        `${setting} = "${value}" uses a devnet test account, but chain ${chainId} is not the devnet. Set it to the name of a key (see \`mycel keys list\`).`,
        { exitCode: 2 },
      )
    }
    return { account: devnetAccount(Number(dev[1])), privateKey: devnetPrivateKey(Number(dev[1])) }
  }
  const passwordFile = process.env.MYCEL_PASSWORD_FILE
  const password =
    process.env.MYCEL_PASSWORD ?? (passwordFile ? readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '') : undefined)
  if (password === undefined) {
    throw new NodeError(
      'NO_PASSWORD',
      `${setting} = "${value}" is a keystore; give its password in MYCEL_PASSWORD or a file named by MYCEL_PASSWORD_FILE.`,
      { exitCode: 2 },
    )
  }
  const privateKey = keystoreDir(join(dataDir, 'keystore')).privateKey(value, password)
  return { account: lazyAccount(privateKey), privateKey }
}

/**
 * A wallet client for `account`. `pollingInterval` is how often it polls for a receipt (and how long it caches the
 * block number): viem's default for a chain without a block time is 4 s, too slow for duties with deadlines in
 * blocks (a reveal window), so the node passes its `pollIntervalMs`.
 */
export const walletFor = (account: LocalAccount, chain: Chain, rpcUrl: string, pollingInterval = 1000) =>
  createWalletClient({
    account,
    chain,
    pollingInterval,
    transport: http(rpcUrl, { timeout: 30_000, retryCount: 1 }),
  }) as WriteClient

/** The options naming a role's key. */
export type KeySetting = 'minerKey' | 'gatewayKey' | 'validatorKey' | 'trainerKey' | 'verifierKey'

/** Resolves a role's account from its option (see {@link roleAccount}); what the wiring injects into the starters. */
export type AccountOf = (setting: KeySetting) => LocalAccount
/** The same with its private key (memory only): for roles that open what is encrypted to their account. */
export type KeyOf = (setting: KeySetting) => { account: LocalAccount; privateKey: Hex }

export const accountsFromOptions =
  (options: Pick<NodeOptions, KeySetting | 'dataDir'>, chainId: number): AccountOf =>
  (setting) =>
    roleAccount(options[setting], { chainId, dataDir: options.dataDir, setting })

export const keysFromOptions =
  (options: Pick<NodeOptions, KeySetting | 'dataDir'>, chainId: number): KeyOf =>
  (setting) =>
    roleKey(options[setting], { chainId, dataDir: options.dataDir, setting })

/**
 * The incentive roles' accounts: the validator key's (when the validator role is on), then `extraValidators` (the
 * devnet demo's); the epoch duties send from the first validator, or from the validator key when none runs.
 */
export function incentiveAccounts(
  accountOf: AccountOf,
  { validator, extraValidators = [] }: { validator: boolean; extraValidators?: LocalAccount[] },
): IncentiveAccounts {
  const validators = validator ? [accountOf('validatorKey'), ...extraValidators] : []
  return { validators, keeper: validators[0] ?? accountOf('validatorKey') }
}

export type IncentiveAccounts = {
  /** The validators, in order (the first is the node's own); empty when the validator role is off. */
  validators: LocalAccount[]
  /** Who sends the epoch duties' transactions (the first validator, or the validator key when no validator runs). */
  keeper: LocalAccount
}
