// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {EpochsBase} from "./EpochsBase.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title EpochsDisputes
 * @notice The disputes part of {Epochs}: each dispute recomputes one part of the pending proposal (with the
 * {EpochReferee} where it needs the chain's records); a mismatch slashes the proposer and reopens the epoch.
 */
abstract contract EpochsDisputes is EpochsBase {
    /// @notice Disputes the columns' Merkle root or rank sum: recomputed from the proposal's packed columns.
    function disputeRoot(uint256 netuid, EpochMath.Header calldata h, bytes calldata columns) external {
        _open(netuid, h);
        if (keccak256(columns) != h.columnsHash) revert EpochsInputsMismatch();
        (bytes32 root, uint256 rankSum) = EpochMath.columnsRoot(columns);
        if (root == h.columnsRoot && rankSum == h.rankSum) revert EpochsProposalCorrect("root", 0);
        _slash(netuid, "root", 0);
    }

    /// @notice Disputes the stake of validator `index`: its stake at the snapshot if its weights were revealed within
    /// the activity cutoff, else zero.
    function disputeStake(uint256 netuid, EpochMath.Header calldata h, bytes calldata inputs, uint256 index) external {
        _pendingWithInputs(netuid, h, inputs);
        (uint16 uid, uint256 stated,) = EpochMath.input(inputs, index);
        if (index >= h.validatorCount || _referee.activeStake(netuid, uid, h.snapshotBlock, h.activityCutoff) == stated) {
            revert EpochsProposalCorrect("stake", index);
        }
        _slash(netuid, "stake", index);
    }

    /**
     * @notice Disputes the validator set: validator `index` had no stake at the snapshot or, when `index` is out of
     * range, the neuron `omitted` belongs in the set (stake, and room or more stake than the weakest member).
     */
    function disputeValidators(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        uint256 index,
        uint16 omitted
    ) external {
        _pendingWithInputs(netuid, h, inputs);
        bool wrong;
        uint256 at = index;
        if (index < h.validatorCount) {
            (uint16 uid,,) = EpochMath.input(inputs, index);
            wrong = _referee.stakeAt(netuid, uid, h.snapshotBlock) == 0;
        } else {
            at = omitted;
            wrong = omitted < h.neurons
                && _referee.belongsInSet(netuid, EpochMath.uidsOf(inputs), omitted, h.snapshotBlock, h.maxValidators);
        }
        if (!wrong) revert EpochsProposalCorrect("validators", at);
        _slash(netuid, "validators", at);
    }

    /// @notice Disputes the row sum of validator `index`: its revealed weights summed after masking.
    function disputeRowSum(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        uint256 index,
        bytes calldata row
    ) external {
        _pendingWithInputs(netuid, h, inputs);
        (uint16 uid,, uint256 stated) = EpochMath.input(inputs, index);
        if (index >= h.validatorCount || _referee.rowSum(netuid, h, uid, row) == stated) {
            revert EpochsProposalCorrect("rowSum", index);
        }
        _slash(netuid, "rowSum", index);
    }

    /**
     * @notice Disputes one miner's column (its leaf under the columns root): the referee recomputes its rank and new
     * bonds from the validators' revealed weights, the stated stakes and row sums, and the previous epoch's bonds.
     */
    function disputeColumn(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        EpochMath.ColumnEvidence calldata c
    ) external {
        uint256 epoch = _pendingWithInputs(netuid, h, inputs);
        if (!MerkleProof.verifyCalldata(c.proof, h.columnsRoot, EpochMath.leaf(c.uid, c.rank, c.bondsHash))) {
            revert EpochsBadProof();
        }
        bytes32 prevHash = epoch == 0 ? bytes32(0) : _headers[netuid][epoch - 1];
        (uint256 rank, bytes16 hash) = _referee.column(netuid, h, prevHash, inputs, c);
        if (rank == c.rank && hash == c.bondsHash) revert EpochsProposalCorrect("column", c.uid);
        _slash(netuid, "column", c.uid);
    }

    /**
     * @notice Disputes the dividends: the referee recomputes every validator's dividend from the stated stakes, the
     * packed columns and every column's packed bonds (`bonds`, column after column).
     */
    function disputeDividends(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        bytes calldata columns,
        bytes calldata bonds,
        bytes calldata dividends
    ) external {
        _pendingWithInputs(netuid, h, inputs);
        if (keccak256(columns) != h.columnsHash || keccak256(dividends) != h.dividendsHash) {
            revert EpochsInputsMismatch();
        }
        uint256[] memory d = _referee.dividends(h, inputs, columns, bonds);
        for (uint256 i; i < d.length; ++i) {
            if (d[i] != EpochMath.q(dividends, i)) {
                _slash(netuid, "dividends", i);
                return;
            }
        }
        revert EpochsProposalCorrect("dividends", 0);
    }

    /**
     * @notice Disputes the prune order. It is wrong if a listed uid is empty or immune at the snapshot, if it is not
     * sorted by (emission share, registration block, uid) ascending, or if the extra uid of the evidence is eligible,
     * unlisted, and belongs before the last listed one (or the order has room for it).
     */
    function disputePruneOrder(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        PruneEvidence calldata e
    ) external {
        _pendingWithInputs(netuid, h, inputs);
        if (keccak256(e.dividends) != h.dividendsHash || keccak256(e.pruneOrder) != h.pruneHash) {
            revert EpochsInputsMismatch();
        }
        uint256 count = e.pruneOrder.length / 2;
        if (e.entries.length != count + (e.withCandidate ? 1 : 0)) revert EpochsInputsMismatch();
        (bool wrong, uint256 last) = _checkPruneOrder(netuid, h, inputs, e, count);
        if (!wrong && e.withCandidate) {
            PruneEntry calldata candidate = e.entries[count];
            (bool eligible, uint256 key) = _pruneKey(netuid, h, inputs, e.dividends, candidate);
            bool listed;
            for (uint256 k; k < count; ++k) {
                if (e.entries[k].uid == candidate.uid) listed = true;
            }
            wrong = eligible && !listed && (count < 16 || key < last);
        }
        if (!wrong) revert EpochsProposalCorrect("pruneOrder", 0);
        _slash(netuid, "pruneOrder", 0);
    }

    /// @dev Whether the listed uids are all eligible and strictly sorted; returns the last key.
    function _checkPruneOrder(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        PruneEvidence calldata e,
        uint256 count
    ) private view returns (bool wrong, uint256 previous) {
        for (uint256 k; k < count; ++k) {
            if (e.entries[k].uid != EpochMath.u16At(e.pruneOrder, k)) revert EpochsInputsMismatch();
            (bool eligible, uint256 key) = _pruneKey(netuid, h, inputs, e.dividends, e.entries[k]);
            if (!eligible || (k > 0 && key <= previous)) return (true, key);
            previous = key;
        }
    }

    /// @dev Whether a uid can be pruned (held and past immunity at the snapshot) and its sort key: emission share,
    /// then registration block, then uid.
    function _pruneKey(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes calldata inputs,
        bytes calldata dividends,
        PruneEntry calldata e
    ) private view returns (bool eligible, uint256 key) {
        if (!MerkleProof.verifyCalldata(e.proof, h.columnsRoot, EpochMath.leaf(e.uid, e.rank, e.bondsHash))) {
            revert EpochsBadProof();
        }
        (address hotkey, uint256 registeredAt) = _registry.neuronAt(netuid, e.uid, h.snapshotBlock);
        eligible = hotkey != address(0) && registeredAt + h.immunityPeriod <= h.snapshotBlock;
        uint256 dividend;
        for (uint256 i; i < h.validatorCount; ++i) {
            (uint16 uid,,) = EpochMath.input(inputs, i);
            if (uid == e.uid) dividend = EpochMath.q(dividends, i);
        }
        uint256 incentive = h.rankSum == 0 ? 0 : YumaMath.divQ(e.rank, h.rankSum);
        uint256 score = MINERS_BPS * incentive + VALIDATORS_BPS * dividend;
        key = (score << 80) | (registeredAt << 16) | e.uid;
    }

    /// @dev Like {_pendingOf}, within the challenge window.
    function _open(uint256 netuid, EpochMath.Header calldata h) private view returns (uint256 epoch) {
        Pending memory pending;
        (epoch, pending) = _pendingOf(netuid, h);
        if (block.number > pending.proposedAtBlock + _challengeBlocks) revert EpochsChallengeWindowClosed(netuid, epoch);
    }

    function _pendingWithInputs(uint256 netuid, EpochMath.Header calldata h, bytes calldata inputs)
        private
        view
        returns (uint256 epoch)
    {
        epoch = _open(netuid, h);
        if (keccak256(inputs) != h.inputsHash) revert EpochsInputsMismatch();
    }

    /// @dev Slashes the pending proposer: a tenth of the bond to the challenger, the rest burned; the epoch reopens.
    function _slash(uint256 netuid, string memory part, uint256 index) private {
        uint256 epoch = _progress[netuid].nextEpoch;
        // The proposer's bond was set aside when it proposed; it is not returned.
        delete _headers[netuid][epoch];
        emit EpochDisputed(netuid, epoch, msg.sender, part, index);
        uint256 reward = (_bond * CHALLENGER_REWARD_BPS) / 10_000;
        _token.transfer(msg.sender, reward);
        _token.burn(_bond - reward);
    }
}
