/**
 * The runtime (deployed) code of the governance contracts, which `getModelGovernance` compares with what is on chain
 * (immutable values are zeros here; `matchesArtifactCode` tolerates them). Emitted by the contract build as
 * `<name>DeployedBytecode` — solc's `evm.deployedBytecode`, never cut out of init code by hand.
 */
import type { Hex } from 'viem'
import {
  modelGovernorDeployedBytecode,
  modelGovernorTimelockDeployedBytecode,
  royaltyVaultDeployedBytecode,
} from '../generated/contracts.ts'

/** Runtime code of this SDK's RoyaltyVault, ModelGovernor and ModelGovernorTimelock. */
export const deployedBytecodes: { royaltyVault: Hex; modelGovernor: Hex; modelGovernorTimelock: Hex } = {
  royaltyVault: royaltyVaultDeployedBytecode,
  modelGovernor: modelGovernorDeployedBytecode,
  modelGovernorTimelock: modelGovernorTimelockDeployedBytecode,
}
