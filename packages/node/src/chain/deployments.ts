/**
 * Deployment records: one JSON file per chain, `<dataDir>/deployments/<chainId>.json`, holding the contract
 * addresses and the hash of the code found there. On start the node checks the code is still there, so a reset
 * chain is noticed instead of silently talking to empty addresses.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { coreContracts, type DeployMycelReturnType, type MycelAddresses } from '@mycel/sdk'
import { type Client, isAddress, keccak256 } from 'viem'
import { getCode } from 'viem/actions'
import { DeploymentsCorruptError, DeploymentsInvalidError } from './errors.ts'

export type DeploymentsFile = {
  chainId: number
  method: DeployMycelReturnType['method']
  deployer: `0x${string}`
  treasury: `0x${string}`
  deployedAt: string
  contracts: DeployMycelReturnType['contracts']
  /** Devnet only: seeding of this version completed by this block (a decimal string; devnet/deploy.ts). */
  seeded?: { version: number; block: string }
}

export const deploymentsPath = (dataDir: string, chainId: number) => join(dataDir, 'deployments', `${chainId}.json`)

export function readDeployments(dataDir: string, chainId: number): DeploymentsFile | undefined {
  const file = deploymentsPath(dataDir, chainId)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = JSON.parse(text) as DeploymentsFile
    if (parsed.chainId !== chainId) throw new DeploymentsInvalidError(`it is for chain ${parsed.chainId}`)
    if (typeof parsed.contracts !== 'object' || parsed.contracts === null)
      throw new DeploymentsInvalidError('no contracts')
    for (const [name, contract] of Object.entries(parsed.contracts)) {
      if (!isAddress(contract?.address ?? '')) throw new DeploymentsInvalidError(`${name} has no valid address`)
    }
    return parsed
  } catch (error) {
    throw new DeploymentsCorruptError({ file, reason: (error as Error).message, cause: error })
  }
}

/** Writes atomically (temp file + rename) so a crash never leaves half a record. */
export function writeDeployments(dataDir: string, record: DeploymentsFile): string {
  const file = deploymentsPath(dataDir, record.chainId)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
  return file
}

export const addressesOf = (record: DeploymentsFile): MycelAddresses => {
  const addresses: Record<string, `0x${string}`> = {}
  for (const [name, contract] of Object.entries(record.contracts)) addresses[name] = contract.address
  return addresses as MycelAddresses
}

/**
 * Names of the contracts the deployment needs but cannot use: core contracts absent from the record (it predates
 * them), and recorded contracts whose code on chain is missing or differs from the record.
 */
export async function staleContracts(client: Client, record: DeploymentsFile): Promise<string[]> {
  const stale: string[] = coreContracts.filter((name) => record.contracts[name] === undefined)
  const codes = await Promise.all(
    Object.values(record.contracts).map((contract) => getCode(client, { address: contract.address })),
  )
  Object.entries(record.contracts).forEach(([name, contract], i) => {
    const code = codes[i]
    if (!code || code === '0x' || keccak256(code) !== contract.codeHash) stale.push(name)
  })
  return stale
}
