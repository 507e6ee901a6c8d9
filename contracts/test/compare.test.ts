/**
 * contracts/scripts/compare.ts, the proof a restructuring changed nothing deployed: it must tell a moved declaration
 * (same ABI encoding, same storage, same code) from a moved slot or a changed signature.
 */
import { describe, expect, it } from 'vitest'
import { compareContracts, compile } from '../scripts/compare.ts'

const header = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n'

const before = {
  'src/Box.sol': `${header}
contract Box {
    struct Item { uint64 size; address owner; }
    uint256 private _count;
    mapping(uint256 => Item) private _items;
    function put(uint256 id, Item calldata item) external { _items[id] = item; _count += 1; }
    function count() external view returns (uint256) { return _count; }
}
`,
}

/** The same contract with its struct moved into an interface and its storage moved into an abstract base. */
const restructured = {
  'src/IBox.sol': `${header}
interface IBox {
    struct Item { uint64 size; address owner; }
}
`,
  'src/BoxBase.sol': `${header}
import {IBox} from "./IBox.sol";
abstract contract BoxBase is IBox {
    uint256 internal _count;
    mapping(uint256 => Item) internal _items;
}
`,
  'src/Box.sol': `${header}
import {BoxBase} from "./BoxBase.sol";
contract Box is BoxBase {
    function put(uint256 id, Item calldata item) external { _items[id] = item; _count += 1; }
    function count() external view returns (uint256) { return _count; }
}
`,
}

describe('compareContracts', () => {
  const base = compile(before)

  it('accepts a struct moved into an interface and storage moved into a base: same encoding, slots and code', () => {
    const { ok, lines } = compareContracts(base, compile(restructured))
    expect(ok).toBe(true)
    expect(lines[0]).toMatch(/^Box: ABI same encoding \(internalType labels differ\); storage same \(2 variables\)/)
    expect(lines[0]).toContain('runtime code identical but for metadata')
    expect(lines).toContain('  internalType + struct IBox.Item')
  })

  it('with strict, also fails when the runtime code changes though ABI and storage do not', () => {
    const changed = {
      ...restructured,
      'src/Box.sol': restructured['src/Box.sol'].replace('_count += 1;', '_count += 2;'),
    }
    expect(compareContracts(base, compile(restructured), { strict: true }).ok).toBe(true)
    expect(compareContracts(base, compile(changed)).ok).toBe(true)
    const { ok, lines } = compareContracts(base, compile(changed), { strict: true })
    expect(ok).toBe(false)
    expect(lines[0]).toContain('runtime code differs')
  })

  it('fails when two state variables swap slots', () => {
    const swapped = {
      'src/Box.sol': (before['src/Box.sol'] as string).replace(
        'uint256 private _count;\n    mapping(uint256 => Item) private _items;',
        'mapping(uint256 => Item) private _items;\n    uint256 private _count;',
      ),
    }
    const { ok, lines } = compareContracts(base, compile(swapped))
    expect(ok).toBe(false)
    expect(lines[0]).toContain('storage DIFFERENT')
  })

  it('fails when a struct field changes type, though the storage variable list is the same', () => {
    const widened = { 'src/Box.sol': (before['src/Box.sol'] as string).replace('uint64 size', 'uint128 size') }
    const { ok, lines } = compareContracts(base, compile(widened))
    expect(ok).toBe(false)
    expect(lines[0]).toContain('ABI DIFFERENT')
    expect(lines[0]).toContain('storage DIFFERENT')
  })

  it('fails when a function changes its signature, and names the entries', () => {
    const renamed = { 'src/Box.sol': (before['src/Box.sol'] as string).replace('function count()', 'function total()') }
    const { ok, lines } = compareContracts(base, compile(renamed))
    expect(ok).toBe(false)
    expect(lines).toContain('  - function count()')
    expect(lines).toContain('  + function total()')
  })
})
