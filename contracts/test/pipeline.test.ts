/** The contract pipeline: reproducible bytecode, incremental skips, and compile errors as file:line:column. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/helpers/chain.ts'
import { buildContracts, ContractCompileError, formatDiagnostic } from '../scripts/build.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function scratch(): string {
  const dir = tempDir('mycel-pipeline-')
  dirs.push(dir)
  return dir
}

function project(files: Record<string, string>): string {
  const root = scratch()
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, 'src'), { recursive: true })
    writeFileSync(join(root, 'src', name), content)
  }
  return root
}

const counter = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
contract Counter is Ownable {
    uint256 public count;
    constructor() Ownable(msg.sender) {}
    function bump() external onlyOwner { count += 1; }
}
`

describe('buildContracts', () => {
  it('is reproducible: two clean builds of the real contracts give identical bytecode', () => {
    const a = buildContracts({ outDir: join(scratch(), 'out'), generatedFile: null, force: true })
    const b = buildContracts({ outDir: join(scratch(), 'out'), generatedFile: null, force: true })
    expect(a.compiled && b.compiled).toBe(true)
    expect(a.contracts.map((c) => c.name)).toEqual([
      'PaymentChannels',
      'EpochReferee',
      'Epochs',
      'AccessGrants',
      'ComputeToData',
      'DatasetRegistry',
      'Licenses',
      'ModelGovernor',
      'ModelGovernorTimelock',
      'ModelRegistry',
      'RoyaltyVault',
      'ProvenanceAnchors',
      'SubnetRegistry',
      'Staking',
      'MycelToken',
      'TestUSD',
      'Float32Harness',
      'ResearchRounds',
      'TrainingDisputes',
      'TrainingHarness',
      'TrainingJobs',
      'TrainingReferee',
      'Weights',
      'YumaReferee',
      // Published, not compiled here: EAS as its authors built it.
      'SchemaRegistry',
      'EAS',
    ])
    expect(b.contracts.map((c) => c.bytecode)).toEqual(a.contracts.map((c) => c.bytecode))
    expect(a.contracts.every((c) => c.bytecode.length > 1000)).toBe(true)
    // Two full compiles of every contract (the model market doubled the sources, training added a third): ~40 s
    // each on 2 cores.
  }, 240_000)

  it('is incremental: skips when nothing changed, rebuilds when a source or an import changes', () => {
    const root = project({ 'Counter.sol': counter })
    const generatedFile = join(root, 'generated.ts')
    const first = buildContracts({ root, generatedFile })
    expect(first.compiled).toBe(true)
    expect(readFileSync(generatedFile, 'utf8')).toContain('export const counterAbi = [')
    expect(buildContracts({ root, generatedFile }).compiled).toBe(false)
    writeFileSync(join(root, 'src', 'Counter.sol'), counter.replace('count += 1', 'count += 2'))
    const third = buildContracts({ root, generatedFile })
    expect(third.compiled).toBe(true)
    expect(third.contracts[0]?.bytecode).not.toBe(first.contracts[0]?.bytecode)
    writeFileSync(
      join(root, 'src', 'Extra.sol'),
      '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract Extra {}\n',
    )
    expect(buildContracts({ root, generatedFile }).contracts.map((c) => c.name)).toEqual(['Counter', 'Extra'])
  })

  it('reports a compile error as file:line:column: message', () => {
    const root = project({
      'Broken.sol':
        '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract Broken {\n    function f() external { uint256 x = ; }\n}\n',
    })
    let error: unknown
    try {
      buildContracts({ root, generatedFile: null })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ContractCompileError)
    const [first] = (error as ContractCompileError).diagnostics
    expect(first).toMatchObject({ file: 'src/Broken.sol', line: 4, severity: 'error' })
    expect(formatDiagnostic(first as NonNullable<typeof first>)).toMatch(/^src\/Broken\.sol:4:\d+: error: Expected/)
    expect((error as Error).message).toContain('src/Broken.sol:4:')
  })

  it('names a missing import', () => {
    const root = project({
      'Lost.sol':
        '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\nimport "./Nowhere.sol";\ncontract Lost {}\n',
    })
    expect(() => buildContracts({ root, generatedFile: null })).toThrow(
      /src\/Lost\.sol:3:1: error: Source "src\/Nowhere\.sol" not found/,
    )
  })
})
