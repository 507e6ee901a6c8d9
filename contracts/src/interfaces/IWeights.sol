// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IWeights
 * @notice What the epoch referee reads from {Weights}: a validator's revealed row as of a snapshot. {Weights}
 * implements it; its NatSpec documents the function.
 */
interface IWeights {
    /// @notice A revealed row: the hash of its packed weights, when it was committed and revealed, and the last block
    /// it keeps its validator active by the activity cutoff in force at the reveal (a later, lower cutoff never
    /// shortens it).
    struct Row {
        bytes32 hash;
        uint48 commitBlock;
        uint48 revealBlock;
        uint48 activeUntil;
    }

    function rowAt(uint256 netuid, address hotkey, uint256 blockNumber) external view returns (Row memory);
}
