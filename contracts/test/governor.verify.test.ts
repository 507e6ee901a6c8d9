/**
 * The pure checks behind getModelGovernance, without a chain: the SDK's runtime code (emitted by the build) equals
 * solc's deployedBytecode artifacts; the code comparison tolerates immutable values only (PUSH32 placeholders) and
 * fails on any other byte; timelock role members are rebuilt from grant/revoke events in order.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  DEFAULT_ADMIN_ROLE,
  deployedBytecodes,
  governanceProblems,
  matchesArtifactCode,
  PROPOSER_ROLE,
  roleMembers,
} from '@mycel/sdk'
import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'

const artifact = (name: string) =>
  (
    JSON.parse(readFileSync(join(import.meta.dirname, '..', 'out', `${name}.json`), 'utf8')) as {
      deployedBytecode: Hex
    }
  ).deployedBytecode

/** Offsets of the operands of PUSH32 opcodes whose operand is all zeros (solc's immutable placeholders). */
function placeholders(code: Hex): number[] {
  const bytes = Buffer.from(code.slice(2), 'hex')
  const found: number[] = []
  for (let pc = 0; pc < bytes.length; ) {
    const op = bytes[pc] as number
    const n = op >= 0x60 && op <= 0x7f ? op - 0x5f : 0
    if (n === 32 && bytes.subarray(pc + 1, pc + 33).every((b) => b === 0)) found.push(pc + 1)
    pc += 1 + n
  }
  return found
}

describe('governance code verification', () => {
  it('carries the exact runtime code of the three contracts', () => {
    expect(deployedBytecodes.royaltyVault).toBe(artifact('RoyaltyVault'))
    expect(deployedBytecodes.modelGovernor).toBe(artifact('ModelGovernor'))
    expect(deployedBytecodes.modelGovernorTimelock).toBe(artifact('ModelGovernorTimelock'))
  })

  it('property: immutable values may differ, any other byte may not', () => {
    const code = deployedBytecodes.modelGovernor
    const slots = placeholders(code)
    expect(slots.length).toBeGreaterThan(3) // the token, the EIP-712 cache, ...
    const bytes = Buffer.from(code.slice(2), 'hex')
    const inSlot = (i: number) => slots.some((s) => i >= s && i < s + 32)
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, xor) => {
        const changed = Buffer.from(bytes)
        changed[index] = (changed[index] as number) ^ xor
        expect(matchesArtifactCode(`0x${changed.toString('hex')}`, code)).toBe(inSlot(index))
      }),
      { numRuns: 2000 },
    )
    expect(matchesArtifactCode(`${code}00`, code)).toBe(false)
    expect(matchesArtifactCode('0x', '0x')).toBe(false)
  })

  it('rebuilds role members from grants and revokes in order, and names each wiring problem', () => {
    const a = '0x00000000000000000000000000000000000000Aa'
    const b = '0x00000000000000000000000000000000000000bb'
    const roles = roleMembers([
      { role: PROPOSER_ROLE, account: a, granted: true },
      { role: PROPOSER_ROLE, account: b, granted: true },
      { role: PROPOSER_ROLE, account: a, granted: false },
      { role: DEFAULT_ADMIN_ROLE, account: a, granted: true },
    ])
    expect([...(roles.get(PROPOSER_ROLE) ?? [])]).toEqual([b])
    expect([...(roles.get(DEFAULT_ADMIN_ROLE) ?? [])]).toEqual([a.toLowerCase()])
    const problems = governanceProblems({
      vault: a,
      governor: b,
      timelock: '0x00000000000000000000000000000000000000cc',
      governorToken: b,
      governorTimelock: '0x00000000000000000000000000000000000000cc',
      roles,
      codeMatches: { vault: true, governor: false, timelock: true },
      vaultModelId: 1n,
    })
    expect(problems).toEqual([
      `The code at ${b} is not this SDK's ModelGovernor.`,
      `The governor counts votes of ${b}, not of the vault ${a}.`,
      "The timelock's cancellers are nobody; only the governor 0x00000000000000000000000000000000000000bb may be.",
      "The timelock's executors are nobody; it must be open to anyone (0x0000000000000000000000000000000000000000).",
      "The timelock's admins are 0x00000000000000000000000000000000000000aa; only the timelock itself may be (the deployer must renounce).",
    ])
  })
})
