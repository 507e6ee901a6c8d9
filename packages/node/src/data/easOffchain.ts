/**
 * Offchain attestations in EAS's own format (docs/data.md "Certification"): signed and verified with EAS's SDK
 * (`Offchain`, version 2: EIP-712 over the EAS contract's domain, a salt, and the offchain UID), so anyone's EAS
 * tooling reads and checks them. The signer is the certifier's viem account behind the SDK's signer interface. The
 * SDK's CommonJS build is loaded on first use (its ESM build does not import on Node 20, and it costs ~0.3 s).
 */
import { createRequire } from 'node:module'
import { easAbi } from '@mycel/sdk'
import type { Address, Client, Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { readContract } from 'viem/actions'

type EasSdk = typeof import('@ethereum-attestation-service/eas-sdk')
let sdk: EasSdk | undefined
const easSdk = (): EasSdk => {
  sdk ??= createRequire(import.meta.url)('@ethereum-attestation-service/eas-sdk') as EasSdk
  return sdk
}

/** An offchain attestation as EAS's SDK makes it (bigints as they are; JSON with `toJson`). */
export type SignedOffchainAttestation = Awaited<ReturnType<InstanceType<EasSdk['Offchain']>['signOffchainAttestation']>>

async function offchainFor(client: Client, eas: Address, chainId: number) {
  const version = await readContract(client, { address: eas, abi: easAbi, functionName: 'version' })
  const { EAS, Offchain, OffchainAttestationVersion } = easSdk()
  return new Offchain(
    { address: eas, version, chainId: BigInt(chainId) },
    OffchainAttestationVersion.Version2,
    new EAS(eas),
  )
}

/** Signs an offchain attestation of `schema` with `data` (ABI-encoded) as `account`. */
export async function signOffchainAttestation(p: {
  client: Client
  eas: Address
  chainId: number
  account: LocalAccount
  schema: Hex
  data: Hex
  recipient?: Address
  time?: bigint
}): Promise<SignedOffchainAttestation> {
  const offchain = await offchainFor(p.client, p.eas, p.chainId)
  const signer = {
    getAddress: async () => p.account.address,
    signTypedData: (domain: never, types: Record<string, never>, value: never) =>
      p.account.signTypedData({ domain, types, primaryType: Object.keys(types)[0], message: value } as never),
  }
  return offchain.signOffchainAttestation(
    {
      schema: p.schema,
      recipient: p.recipient ?? '0x0000000000000000000000000000000000000000',
      time: p.time ?? BigInt(Math.floor(Date.now() / 1000)),
      expirationTime: 0n,
      revocable: true,
      refUID: `0x${'00'.repeat(32)}`,
      data: p.data,
    },
    signer as never,
  )
}

/** Whether `attestation` is signed by `attester` for this chain's EAS, as EAS's SDK checks it. */
export async function verifyOffchainAttestation(p: {
  client: Client
  eas: Address
  chainId: number
  attester: Address
  attestation: SignedOffchainAttestation
}): Promise<boolean> {
  const offchain = await offchainFor(p.client, p.eas, p.chainId)
  try {
    return offchain.verifyOffchainAttestationSignature(p.attester, p.attestation)
  } catch {
    return false
  }
}

/**
 * EAS's shareable package of an offchain attestation: `{ sig, signer }` (the attestation and who signed it), as JSON
 * with bigints as decimal strings.
 */
export const offchainPackage = (sig: SignedOffchainAttestation, signer: Address) =>
  JSON.parse(JSON.stringify({ sig, signer }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as {
    sig: unknown
    signer: Address
  }

export function offchainFromJson(value: unknown): SignedOffchainAttestation {
  const a = value as { message: Record<string, unknown> } & Record<string, unknown>
  const m = a.message
  return {
    ...a,
    message: {
      ...m,
      time: BigInt(m.time as string),
      expirationTime: BigInt(m.expirationTime as string),
    },
  } as never
}
