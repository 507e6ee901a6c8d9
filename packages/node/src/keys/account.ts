/**
 * A viem local account that costs nothing until it signs: its address comes from the native secp256k1 (node:crypto),
 * and viem's JavaScript signer is made on the first signature. viem's `privateKeyToAccount` computes the public key
 * in JavaScript, and the first such computation in a process builds noble's precomputed tables (~100 ms here): a
 * restart of the node, which signs nothing before it is ready, need not pay that for the dozen accounts it names.
 */
import { createECDH } from 'node:crypto'
import { type Address, getAddress, type Hex, keccak256 } from 'viem'
import { type LocalAccount, privateKeyToAccount, toAccount } from 'viem/accounts'

/** The address of `privateKey`, computed natively. */
export function addressOfKey(privateKey: Hex): Address {
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(Buffer.from(privateKey.slice(2), 'hex'))
  return getAddress(`0x${keccak256(ecdh.getPublicKey().subarray(1)).slice(-40)}`)
}

export function lazyAccount(privateKey: Hex): LocalAccount {
  let signer: ReturnType<typeof privateKeyToAccount> | undefined
  const sign = () => {
    signer ??= privateKeyToAccount(privateKey)
    return signer
  }
  return toAccount({
    address: addressOfKey(privateKey),
    sign: (parameters) => sign().sign(parameters),
    signAuthorization: (parameters) => sign().signAuthorization(parameters),
    signMessage: (parameters) => sign().signMessage(parameters),
    signTransaction: (transaction, options) => sign().signTransaction(transaction, options),
    signTypedData: (parameters) => sign().signTypedData(parameters),
  })
}
