/**
 * The runtime (deployed) code of the governance contracts, which `getModelGovernance` compares with what is on chain.
 * The generated module carries only init code, so the runtime part is cut out of it: solc lays init code out as
 * creation code, then the runtime code (which starts, like every solc object, with `6080604052` and ends with its
 * CBOR metadata: `a2 64 'ipfs' 58 22 <34-byte hash> 64 'solc' 43 <version>` and the 2-byte length 0x0033), then any
 * data the constructor reads. A test checks the result against the solc artifacts in contracts/out.
 * TODO(lead): once the build emits `<name>DeployedBytecode`, use it and delete the extraction.
 */
import type { Hex } from 'viem'
import { modelGovernorBytecode, modelGovernorTimelockBytecode, royaltyVaultBytecode } from '../contracts.ts'
import { BaseError } from '../errors/base.ts'

const RUNTIME_START = '6080604052'
const CBOR_START = 'a264697066735822'
const CBOR_LENGTH = 0x33

/** The runtime code embedded in solc init code (see the module comment). */
export function runtimeOfInitCode(initCode: Hex): Hex {
  const hex = initCode.slice(2).toLowerCase()
  const evenIndexOf = (needle: string, from: number) => {
    let at = hex.indexOf(needle, from)
    while (at !== -1 && at % 2 !== 0) at = hex.indexOf(needle, at + 1)
    return at
  }
  const start = evenIndexOf(RUNTIME_START, 2)
  const cbor = start === -1 ? -1 : evenIndexOf(CBOR_START, start)
  const end = cbor + 2 * CBOR_LENGTH
  if (start === -1 || cbor === -1 || Number.parseInt(hex.slice(end, end + 4), 16) !== CBOR_LENGTH) {
    throw new BaseError('The init code has no recognizable runtime code (expected solc output with IPFS metadata).')
  }
  return `0x${hex.slice(start, end + 4)}`
}

let cached: { royaltyVault: Hex; modelGovernor: Hex; modelGovernorTimelock: Hex } | undefined

/** Runtime code of this SDK's RoyaltyVault, ModelGovernor and ModelGovernorTimelock. */
export const deployedBytecodes = {
  get royaltyVault(): Hex {
    return all().royaltyVault
  },
  get modelGovernor(): Hex {
    return all().modelGovernor
  },
  get modelGovernorTimelock(): Hex {
    return all().modelGovernorTimelock
  },
}

function all() {
  cached ??= {
    royaltyVault: runtimeOfInitCode(royaltyVaultBytecode),
    modelGovernor: runtimeOfInitCode(modelGovernorBytecode),
    modelGovernorTimelock: runtimeOfInitCode(modelGovernorTimelockBytecode),
  }
  return cached
}
