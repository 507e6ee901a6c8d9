// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ITrainingJobs
 * @notice The compute market's types and the calls its dispute game makes (docs/training.md, "The market").
 */
interface ITrainingJobs {
    /**
     * @notice What a job trains, as the referee needs it: the engine's MLP spec (`packages/training/src/spec.ts`)
     * with binary32 hyperparameters as bit patterns, and the dataset's Merkle root over its examples. Jobs keep its
     * keccak256; calls that need it pass it whole.
     */
    struct Spec {
        uint32[] layers; // widths, input first, classes last: 2..5 entries
        uint32 batchSize;
        uint32 seed;
        uint32 steps; // a multiple of checkpointEvery
        uint32 checkpointEvery;
        uint8 optimizer; // 0 SGD with momentum, 1 Adam
        uint32 learningRate; // binary32 bits
        uint32 beta1; // SGD: the momentum
        uint32 beta2; // Adam only
        uint32 epsilon; // Adam only
        bytes32 datasetRoot; // merkle.ts item tree over keccak256(features ‖ uint32 label)
        uint32 datasetCount;
    }

    /// @notice The market side of a job: payment, the provider's bond and the clock of every phase, in seconds.
    struct Market {
        address token; // the ERC-20 the budget is escrowed in
        uint96 budget; // the most the buyer pays; the winning bid is paid, the rest refunded
        uint96 bond; // MYC a provider locks while it holds the job, and a challenger while it disputes
        uint32 biddingTime; // sealed bids (commitments) are taken this long
        uint32 revealTime; // then bids are revealed this long
        uint32 trainingTime; // the winner has this long to post the result
        uint32 challengeWindow; // the result can be challenged this long
        uint32 disputeClock; // each side's chess clock in a dispute
    }

    /// @notice What a provider posts when it finished: the trained model's commitment and where to fetch it.
    struct Result {
        bytes32 checkpointRoot; // rebuilt on chain from the posted checkpoint hashes
        bytes32 finalState; // the last checkpoint's state hash
        bytes32 modelRoot; // keccak256 of the final parameter tensor roots (the params part of finalState)
        uint32 finalLoss; // binary32 bits of the last step's loss (reported, not refereed)
        uint32 postedAt;
        string weightsCid; // the ONNX export in the content store
        string cardCid; // the model card (spec, dataset, job, accuracy)
    }

    /// @notice The job as the dispute game reads it.
    struct DisputeInfo {
        address provider;
        bytes32 specHash;
        bytes32 checkpointRoot;
        bytes32 finalState;
        bytes32 modelRoot;
        uint32 clock; // each side's chess clock, in seconds
    }

    /// @notice The job as the dispute game reads it (the result's commitments and the clock).
    function disputeInfo(uint256 jobId) external view returns (DisputeInfo memory info);

    /// @notice Locks `challenger`'s bond and pauses the job's challenge window; called by the dispute game only.
    function beginDispute(uint256 jobId, address challenger) external;

    /// @notice Ends the job's dispute: pays the winner from the loser's bond; a losing provider's job reopens.
    function endDispute(uint256 jobId, address challenger, bool providerLost) external;
}
