// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title ModelGovernorTimelock
 * @notice The timelock of one fractionalized model: OpenZeppelin's TimelockController unchanged, compiled here so the
 * SDK has its bytecode. It owns the model NFT (so only what the {ModelGovernor} passes changes the model's terms) and
 * is wired by `fractionalizeModel`: the governor is its only proposer and canceller, anyone may execute a ready
 * operation, and the deployer's admin role is renounced (the timelock administers itself, i.e. through governance).
 * It has no immutables, so its deployed code equals the artifact byte for byte (`getModelGovernance` checks).
 */
contract ModelGovernorTimelock is TimelockController {
    /**
     * @param minDelay Seconds between queueing and executing (devnet 60 s; production suggestion 2 days).
     * @param proposers Granted the proposer and canceller roles.
     * @param executors Granted the executor role (`address(0)` = anyone).
     * @param admin Optional temporary admin for the wiring (renounced right after), or `address(0)`.
     */
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
