/**
 * The devnet's accounts: anvil's well-known test mnemonic, whose keys are public knowledge and hold value only on
 * the local devnet. Account 0 deploys the contracts and is the treasury/faucet of the initial MYC supply.
 *
 * The BIP-39 seed is derived once per process with the native PBKDF2 and each account once: viem's
 * `mnemonicToAccount` runs 2,048 rounds of a JavaScript PBKDF2 on every call (~50 ms), and a start asks for these
 * accounts dozens of times.
 */
import { pbkdf2Sync } from 'node:crypto'
import { HDKey, hdKeyToAccount } from 'viem/accounts'

export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'

let root: HDKey | undefined
const accounts = new Map<number, ReturnType<typeof hdKeyToAccount>>()

export function devnetAccount(index = 0) {
  let account = accounts.get(index)
  if (!account) {
    // BIP-39: the seed is PBKDF2-HMAC-SHA512 of the NFKD mnemonic, salted with "mnemonic" (no passphrase).
    root ??= HDKey.fromMasterSeed(pbkdf2Sync(DEVNET_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512'))
    account = hdKeyToAccount(root, { addressIndex: index })
    accounts.set(index, account)
  }
  return account
}
