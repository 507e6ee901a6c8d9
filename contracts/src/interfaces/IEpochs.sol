// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EpochMath} from "../epochs/EpochMath.sol";

/**
 * @title IEpochs
 * @notice The types, events and errors of {Epochs}, the optimistic settlement of Yuma epochs: what a proposer, a
 * challenger or an indexer encodes and decodes. No contract calls Epochs today, so it declares no functions; the
 * contract's parts ({EpochsBase} and the parts over it) share these declarations.
 */
interface IEpochs {
    /// @notice A proposal: packed inputs, columns and dividends (see {EpochMath}), the columns' Merkle root and rank
    /// sum, and the prune order (packed u16 uids).
    struct Proposal {
        bytes inputs;
        bytes columns;
        bytes dividends;
        bytes32 columnsRoot;
        uint256 rankSum;
        bytes pruneOrder;
        // keccak256(abi.encode(snapshotBlock, neurons, params, activityCutoff, immunityPeriod, maxValidators)) of
        // what the proposal was computed for. The settings are read as of the snapshot, which has passed, so later
        // registrations or parameter changes leave them alone; the hash guards the proposer against its own view
        // differing from the chain's (a lagging RPC, a reorg across the snapshot): the proposal reverts instead of
        // binding the bond to settings it did not use.
        bytes32 settingsHash;
    }

    /// @notice A uid's column leaf, restated with its proof, for {disputePruneOrder}.
    struct PruneEntry {
        uint16 uid;
        uint256 rank;
        bytes16 bondsHash;
        bytes32[] proof;
    }

    /// @notice What {disputePruneOrder} restates: the dividends and prune order, and the column of each uid in the
    /// order (in order), then optionally one more uid.
    struct PruneEvidence {
        bytes dividends;
        bytes pruneOrder;
        PruneEntry[] entries;
        bool withCandidate;
    }

    event BondDeposited(address indexed proposer, uint256 amount);
    event BondWithdrawn(address indexed proposer, uint256 amount);
    /// @notice Emitted with the header every later call restates; the proposal itself is the transaction's calldata.
    event EpochProposed(uint256 indexed netuid, uint256 indexed epoch, address indexed proposer, EpochMath.Header header);
    /// @notice Emitted when a dispute proved the pending proposal wrong in `part` (at `index`).
    event EpochDisputed(
        uint256 indexed netuid, uint256 indexed epoch, address indexed challenger, string part, uint256 index
    );
    /// @notice Emitted when an epoch became final; its emission is {emissionOf}.
    event EpochFinalized(uint256 indexed netuid, uint256 indexed epoch);
    /// @notice Emitted when `account` was paid `amount` for `role` (0 owner, 1 miner, 2 validator) of `uid`.
    event EmissionClaimed(
        uint256 indexed netuid, uint256 indexed epoch, uint8 role, uint256 uid, address account, uint256 amount
    );

    error EpochsTooEarly(uint256 netuid, uint256 epoch, uint64 snapshotBlock);
    error EpochsAlreadyProposed(uint256 netuid, uint256 epoch);
    error EpochsInsufficientBond(address proposer, uint256 available, uint256 required);
    /// @dev A proposal came through a contract (or a delegated account): its data would not be its transaction's
    /// calldata, where nodes read what to check and dispute.
    error EpochsProposalThroughContract(address caller);
    error EpochsMalformedProposal(string field);
    /// @dev The proposal was computed for other settings than the chain's now (`expected`); rebuild and propose again.
    error EpochsStaleProposal(bytes32 expected);
    error EpochsNotProposed(uint256 netuid, uint256 epoch);
    error EpochsChallengeWindowOpen(uint256 netuid, uint256 epoch, uint64 endsAtBlock);
    error EpochsChallengeWindowClosed(uint256 netuid, uint256 epoch);
    error EpochsNotFinal(uint256 netuid, uint256 epoch);
    error EpochsHeaderMismatch();
    error EpochsInputsMismatch();
    error EpochsBadProof();
    /// @dev The recomputed part equals what was proposed: the dispute is wrong.
    error EpochsProposalCorrect(string part, uint256 index);
    error EpochsAlreadyClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid);
    error EpochsNothingToClaim();
}
