/**
 * Deployment records: one JSON file per chain, `<dataDir>/deployments/<chainId>.json`, holding the contract
 * addresses and the hash of the code found there. On start the node checks the code is still there, so a reset
 * chain is noticed instead of silently talking to empty addresses.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { DeployMycelReturnType, MycelAddresses } from '@mycel/sdk'
import { type Client, keccak256 } from 'viem'
import { getCode } from 'viem/actions'
import { NodeError } from '../common/errors.ts'

export type DeploymentsFile = {
  chainId: number
  method: DeployMycelReturnType['method']
  deployer: `0x${string}`
  treasury: `0x${string}`
  deployedAt: string
  contracts: DeployMycelReturnType['contracts']
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
    if (
      parsed.chainId !== chainId ||
      !parsed.contracts?.mycelToken?.address ||
      !parsed.contracts?.subnetRegistry?.address
    ) {
      throw new Error('missing chainId or contract addresses')
    }
    return parsed
  } catch (error) {
    throw new NodeError(
      'DEPLOYMENTS_CORRUPT',
      `The deployments file ${file} is unreadable (${(error as Error).message}). Fix or remove it, then run \`mycel deploy\` again.`,
    )
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

export const addressesOf = (record: DeploymentsFile): MycelAddresses => ({
  mycelToken: record.contracts.mycelToken.address,
  subnetRegistry: record.contracts.subnetRegistry.address,
})

/** Names of the recorded contracts whose code on chain is missing or differs from the record. */
export async function staleContracts(client: Client, record: DeploymentsFile): Promise<string[]> {
  const stale: string[] = []
  for (const [name, contract] of Object.entries(record.contracts)) {
    const code = await getCode(client, { address: contract.address })
    if (!code || code === '0x' || keccak256(code) !== contract.codeHash) stale.push(name)
  }
  return stale
}
