/**
 * The devnet's accounts: anvil's well-known test mnemonic, whose keys are public knowledge and hold value only on
 * the local devnet. Account 0 deploys the contracts and is the treasury/faucet of the initial MYC supply.
 */
import { mnemonicToAccount } from 'viem/accounts'

export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'

export function devnetAccount(index = 0) {
  return mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index })
}
