/**
 * Where the Ethereum Attestation Service already lives: the addresses EAS publishes per chain in its npm package
 * (`@ethereum-attestation-service/eas-contracts/deployments/<network>/`, each with a `.chainId`). `mycel deploy`
 * records those instead of deploying its own; a chain not listed (the devnet, a new L2) gets the real EAS deployed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { getAddress } from 'viem'

let root: string | undefined
const deploymentsDir = () => {
  root ??= join(
    dirname(createRequire(import.meta.url).resolve('@ethereum-attestation-service/eas-contracts/package.json')),
    'deployments',
  )
  return root
}

/** EAS and its SchemaRegistry on chain `chainId` as EAS publishes them, or undefined when it lists none there. */
export function publishedEas(chainId: number): { eas: `0x${string}`; schemaRegistry: `0x${string}` } | undefined {
  const dir = deploymentsDir()
  if (!existsSync(dir)) return undefined
  for (const network of readdirSync(dir)) {
    const idFile = join(dir, network, '.chainId')
    if (!existsSync(idFile) || Number(readFileSync(idFile, 'utf8').trim()) !== chainId) continue
    const address = (name: string) => {
      const file = join(dir, network, `${name}.json`)
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { address?: string }).address : undefined
    }
    const eas = address('EAS')
    const schemaRegistry = address('SchemaRegistry')
    if (eas && schemaRegistry) return { eas: getAddress(eas), schemaRegistry: getAddress(schemaRegistry) }
  }
  return undefined
}
