/**
 * Pure checks behind `getModelGovernance`: is a model's vault / governor / timelock trio wired so that only share
 * holders, through votes, control the model? Two pieces: the members of each timelock role rebuilt from its
 * RoleGranted / RoleRevoked events (AccessControl cannot enumerate members), and a comparison of deployed code with
 * this SDK's artifacts that tolerates only immutable values (PUSH32 operands that are zero in the artifact) — so a
 * look-alike contract with a backdoor fails, while the values those immutables hold are read back and checked.
 */
import { type Address, type Hex, hexToBytes, keccak256, stringToHex, zeroAddress } from 'viem'

export const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}` as Hex
export const PROPOSER_ROLE = keccak256(stringToHex('PROPOSER_ROLE'))
export const EXECUTOR_ROLE = keccak256(stringToHex('EXECUTOR_ROLE'))
export const CANCELLER_ROLE = keccak256(stringToHex('CANCELLER_ROLE'))

/** One RoleGranted (granted: true) or RoleRevoked event, in chain order. */
export type RoleEvent = { role: Hex; account: Address; granted: boolean }

/** The members of every role after replaying `events` in order (addresses lower-cased). */
export function roleMembers(events: readonly RoleEvent[]): Map<Hex, Set<Address>> {
  const members = new Map<Hex, Set<Address>>()
  for (const e of events) {
    const role = e.role.toLowerCase() as Hex
    const set = members.get(role) ?? new Set<Address>()
    const account = e.account.toLowerCase() as Address
    if (e.granted) set.add(account)
    else set.delete(account)
    members.set(role, set)
  }
  return members
}

/**
 * Whether `onChain` runtime code is `artifact` (a deployedBytecode from the solc output) with only the values of its
 * immutables filled in: the opcodes are walked, and a PUSH32 whose operand is all zeros in the artifact (solc's
 * placeholder for an immutable) may carry any operand; every other byte must be equal.
 */
export function matchesArtifactCode(onChain: Hex, artifact: Hex): boolean {
  const a = hexToBytes(artifact)
  const b = hexToBytes(onChain)
  if (a.length !== b.length || a.length === 0) return false
  let pc = 0
  while (pc < a.length) {
    const op = a[pc] as number
    if (op !== b[pc]) return false
    const pushLength = op >= 0x60 && op <= 0x7f ? op - 0x5f : 0
    const operand = a.subarray(pc + 1, pc + 1 + pushLength)
    const placeholder = pushLength === 32 && operand.length === 32 && operand.every((x) => x === 0)
    if (!placeholder) {
      for (let i = pc + 1; i < pc + 1 + pushLength && i < a.length; i++) if (a[i] !== b[i]) return false
    }
    pc += 1 + pushLength
  }
  return true
}

/** What `getModelGovernance` read, the input of {@link governanceProblems}. */
export type GovernanceFacts = {
  vault: Address
  governor: Address
  timelock: Address
  governorToken: Address
  governorTimelock: Address
  roles: Map<Hex, Set<Address>>
  codeMatches: { vault: boolean; governor: boolean; timelock: boolean }
  /** The model id the caller expects, if any, and the one the vault names. */
  expectedModelId?: bigint | undefined
  vaultModelId: bigint
}

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()

function exactly(members: Set<Address> | undefined, expected: Address): boolean {
  return members !== undefined && members.size === 1 && members.has(expected.toLowerCase() as Address)
}

function list(members: Set<Address> | undefined): string {
  return members && members.size > 0 ? [...members].join(', ') : 'nobody'
}

/** Every way the trio fails the wiring fractionalization promises, one sentence each; empty when sound. */
export function governanceProblems(f: GovernanceFacts): string[] {
  const problems: string[] = []
  if (!f.codeMatches.vault) problems.push(`The code at ${f.vault} is not this SDK's RoyaltyVault.`)
  if (!f.codeMatches.governor) problems.push(`The code at ${f.governor} is not this SDK's ModelGovernor.`)
  if (!f.codeMatches.timelock) problems.push(`The code at ${f.timelock} is not this SDK's ModelGovernorTimelock.`)
  if (!same(f.governorToken, f.vault)) {
    problems.push(`The governor counts votes of ${f.governorToken}, not of the vault ${f.vault}.`)
  }
  if (!same(f.governorTimelock, f.timelock)) {
    problems.push(`The governor executes through ${f.governorTimelock}, not through the timelock ${f.timelock}.`)
  }
  const role = (r: Hex) => f.roles.get(r.toLowerCase() as Hex)
  if (!exactly(role(PROPOSER_ROLE), f.governor)) {
    problems.push(`The timelock's proposers are ${list(role(PROPOSER_ROLE))}; only the governor ${f.governor} may be.`)
  }
  if (!exactly(role(CANCELLER_ROLE), f.governor)) {
    problems.push(
      `The timelock's cancellers are ${list(role(CANCELLER_ROLE))}; only the governor ${f.governor} may be.`,
    )
  }
  if (!exactly(role(EXECUTOR_ROLE), zeroAddress)) {
    problems.push(
      `The timelock's executors are ${list(role(EXECUTOR_ROLE))}; it must be open to anyone (${zeroAddress}).`,
    )
  }
  if (!exactly(role(DEFAULT_ADMIN_ROLE), f.timelock)) {
    problems.push(
      `The timelock's admins are ${list(role(DEFAULT_ADMIN_ROLE))}; only the timelock itself may be (the deployer must renounce).`,
    )
  }
  if (f.expectedModelId !== undefined && f.expectedModelId !== f.vaultModelId) {
    problems.push(`The vault belongs to model ${f.vaultModelId}, not to model ${f.expectedModelId}.`)
  }
  return problems
}
