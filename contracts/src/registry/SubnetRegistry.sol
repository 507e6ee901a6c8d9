// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SubnetRegistryBase} from "./SubnetRegistryBase.sol";
import {SubnetRegistryNeurons} from "./SubnetRegistryNeurons.sol";
import {SubnetRegistryPermits} from "./SubnetRegistryPermits.sol";
import {SubnetRegistrySubnets} from "./SubnetRegistrySubnets.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/**
 * @title SubnetRegistry
 * @notice The directory of the network: subnets (a task, a scoring spec, a size limit, a registration cost) and the
 * neurons registered in them (a hotkey, a role, an HTTP endpoint where it serves, a metadata CID). Gateways and
 * validators discover miners here; nothing about endpoints lives off chain.
 *
 * Neurons occupy uid slots `0 .. maxNeurons-1` of their subnet. A freed slot is reused by the next registration so
 * that uids stay small and dense (weights are vectors indexed by uid). The registration cost is paid in MYC and
 * burned; it rises by 26% with each registration and halves every {COST_HALF_LIFE_BLOCKS} blocks, never below the
 * subnet's base cost nor above {MAX_COST_MULTIPLIER} times it.
 *
 * When a subnet is full, a registration replaces a neuron: the first one in the prune order of the last settled
 * epoch (lowest emission first, then oldest) that is past its immunity period. Validator permits (the top stakes)
 * also come from the last settled epoch. Both are written only by the Epochs contract, wired once at deployment.
 * Before a subnet's first settled epoch, every neuron registered as a validator holds a permit.
 *
 * Subnet owners set the consensus parameters (tempo, kappa, bonds, liquid alpha, commit-reveal, rate limits) within
 * protocol bounds. Who occupied a uid at any past block is kept ({neuronAt}), and so are the parameters and the uid
 * count ({epochSettings}), so an epoch is computed and checked with what held at its snapshot block, whatever
 * registrations or parameter changes land after it.
 *
 * Every loop is bounded by a protocol constant (endpoint length, page size, prune order), never by the user count.
 *
 * The contract is assembled from parts by concern: {SubnetRegistrySubnets}, {SubnetRegistryNeurons} and
 * {SubnetRegistryPermits}, over {SubnetRegistryBase}, which holds all storage; the types, events and errors are
 * {ISubnetRegistry}'s.
 */
contract SubnetRegistry is SubnetRegistrySubnets, SubnetRegistryNeurons, SubnetRegistryPermits {
    /**
     * @param mycelToken The MYC token; registration costs are burned from it.
     * @param admin The account that wires the Epochs contract once ({setEpochs}); it has no other power.
     */
    constructor(ERC20Burnable mycelToken, address admin) SubnetRegistryBase(mycelToken, admin) {}
}
