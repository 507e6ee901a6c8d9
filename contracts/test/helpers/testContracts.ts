/**
 * Test-only contracts (contracts/test/contracts/src), compiled once per process into a folder of this helper's own
 * so concurrent test files do not write the same artifacts.
 */
import { join } from 'node:path'
import type { Abi } from 'viem'
import { buildContracts } from '../../scripts/build.ts'

let built: ReturnType<typeof buildContracts> | undefined

/** The ABI and init code of test contract `name`. */
export function testContract(name: string): { abi: Abi; bytecode: `0x${string}` } {
  built ??= buildContracts({
    root: join(import.meta.dirname, '..', 'contracts'),
    outDir: join(import.meta.dirname, '..', '..', '..', '.tmp', `test-contracts-${process.pid}`),
    generatedFile: null,
  })
  const found = built.contracts.find((c) => c.name === name)
  if (!found) throw new Error(`test contract ${name} did not compile`)
  return { abi: found.abi as Abi, bytecode: found.bytecode }
}
