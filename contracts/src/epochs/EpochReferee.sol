// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {IWeights} from "../interfaces/IWeights.sol";
import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title EpochReferee
 * @notice Stateless recomputation of the parts of an epoch that {Epochs} lets anyone dispute, from the chain's own
 * records as of the epoch's snapshot block: who held each uid (registry), stake checkpoints (Staking) and revealed
 * weights rows (Weights). Separate from Epochs to keep each contract within the code size limit; every function is a
 * view, so anyone can call it to check a proposal before disputing it.
 */
contract EpochReferee {
    ISubnetRegistry private immutable _registry;
    IStaking private immutable _staking;
    IWeights private immutable _weights;

    /// @dev Validator `index`'s row is not what it revealed by the snapshot (empty when it revealed nothing).
    error EpochRefereeBadWeightsRow(uint256 index);
    /// @dev The previous epoch's header, inputs or bonds column do not match its record.
    error EpochRefereePrevMismatch();
    /// @dev A restated input does not match the proposal (wrong length or hash).
    error EpochRefereeInputsMismatch();

    constructor(ISubnetRegistry subnetRegistry, IStaking staking, IWeights weights) {
        _registry = subnetRegistry;
        _staking = staking;
        _weights = weights;
    }

    /// @notice The stake of whoever held `uid` at `snapshot` (zero for an empty slot).
    function stakeAt(uint256 netuid, uint16 uid, uint64 snapshot) public view returns (uint256) {
        (address hotkey,) = _registry.neuronAt(netuid, uid, snapshot);
        return hotkey == address(0) ? 0 : _staking.stakeAt(netuid, hotkey, snapshot);
    }

    /// @notice A validator's stake in the epoch: its stake, if its latest reveal by the snapshot is within
    /// `activityCutoff` blocks of it or within the cutoff in force at the reveal (`Row.activeUntil`); else zero.
    function activeStake(uint256 netuid, uint16 uid, uint64 snapshot, uint256 activityCutoff)
        external
        view
        returns (uint256)
    {
        (address hotkey,) = _registry.neuronAt(netuid, uid, snapshot);
        if (hotkey == address(0)) return 0;
        IWeights.Row memory row = _weights.rowAt(netuid, hotkey, snapshot);
        if (row.revealBlock == 0) return 0;
        if (row.revealBlock + activityCutoff < snapshot && row.activeUntil < snapshot) return 0;
        return _staking.stakeAt(netuid, hotkey, snapshot);
    }

    /**
     * @notice Whether `candidate` (not in `validators`, with stake) belongs in the validator set: the set has room,
     * or the candidate's stake beats the weakest member's (ties go to the lower uid).
     */
    function belongsInSet(
        uint256 netuid,
        uint16[] memory validators,
        uint16 candidate,
        uint64 snapshot,
        uint256 maxValidators
    ) external view returns (bool) {
        uint256 stake = stakeAt(netuid, candidate, snapshot);
        if (stake == 0) return false;
        uint256 weakest = type(uint256).max;
        uint16 weakestUid;
        for (uint256 i; i < validators.length; ++i) {
            if (validators[i] == candidate) return false;
            uint256 s = stakeAt(netuid, validators[i], snapshot);
            if (s < weakest || (s == weakest && validators[i] > weakestUid)) {
                weakest = s;
                weakestUid = validators[i];
            }
        }
        if (validators.length < maxValidators) return true;
        return stake > weakest || (stake == weakest && candidate < weakestUid);
    }

    /// @notice Validator `uid`'s row sum after masking; reverts if `row` is not what it revealed.
    function rowSum(uint256 netuid, EpochMath.Header calldata h, uint16 uid, bytes calldata row)
        external
        view
        returns (uint256 sum)
    {
        uint256 commitBlock = _checkRow(netuid, h.snapshotBlock, uid, row, 0);
        for (uint256 j; j < h.neurons; ++j) sum += _maskedWeight(netuid, h.snapshotBlock, uid, row, commitBlock, j);
    }

    /// @notice Miner `c.uid`'s rank and new bonds hash, recomputed. `prevHeaderHash` is the previous epoch's stored
    /// header hash (zero for a first epoch).
    function column(
        uint256 netuid,
        EpochMath.Header calldata h,
        bytes32 prevHeaderHash,
        bytes calldata inputs,
        EpochMath.ColumnEvidence calldata c
    ) external view returns (uint256 rank, bytes16 hash) {
        if (c.rows.length != h.validatorCount) revert EpochRefereeInputsMismatch();
        uint256[] memory w = new uint256[](h.validatorCount);
        for (uint256 i; i < w.length; ++i) w[i] = _normalizedWeight(netuid, h.snapshotBlock, inputs, i, c.rows[i], c.uid);
        uint256[] memory old = _oldBonds(netuid, h.snapshotBlock, prevHeaderHash, inputs, c);
        uint256[] memory bonds;
        (, rank, bonds) = EpochMath.minerColumn(h.params, YumaMath.normalizeStake(EpochMath.stakesOf(inputs)), w, old);
        hash = EpochMath.bondsHash(bonds);
    }

    /// @notice Every validator's dividend from the stated stakes, the packed columns and every column's packed bonds
    /// (column after column), each bonds column checked against its hash.
    function dividends(
        EpochMath.Header calldata h,
        bytes calldata inputs,
        bytes calldata columns,
        bytes calldata bonds
    ) external pure returns (uint256[] memory raw) {
        uint256 v = h.validatorCount;
        if (bonds.length != uint256(h.neurons) * v * EpochMath.Q_BYTES) revert EpochRefereeInputsMismatch();
        raw = new uint256[](v);
        for (uint256 j; j < h.neurons; ++j) _addColumn(raw, h, columns, bonds, j);
        if (h.params.yuma3) {
            uint256[] memory s = YumaMath.normalizeStake(EpochMath.stakesOf(inputs));
            for (uint256 i; i < v; ++i) raw[i] = YumaMath.mulQ(raw[i], s[i]);
        }
        raw = YumaMath.normalize(raw);
    }

    /// @dev Adds miner `j`'s contribution to every validator's raw dividend, checking its bonds column's hash.
    function _addColumn(
        uint256[] memory raw,
        EpochMath.Header calldata h,
        bytes calldata columns,
        bytes calldata bonds,
        uint256 j
    ) private pure {
        uint256 stride = raw.length * EpochMath.Q_BYTES;
        bytes calldata col = bonds[j * stride:(j + 1) * stride];
        (uint256 rank, bytes16 expected) = EpochMath.column(columns, j);
        // A zero hash commits to an all-zero column ({EpochMath-bondsHash}), which adds nothing: its bytes need no
        // check. Any other hash is checked against the bytes given.
        if (expected == bytes16(0)) return;
        if (bytes16(keccak256(col)) != expected) revert EpochRefereeInputsMismatch();
        uint256 incentive = h.rankSum == 0 ? 0 : YumaMath.divQ(rank, h.rankSum);
        _accumulate(raw, col, h.params.yuma3, incentive);
    }

    /// @dev Adds one miner's contribution to every validator's raw dividend: its bond (Yuma3: its share of the
    /// column's bonds) times the miner's incentive. The same Q32 steps as `mulQ(divQ(b, colSum), incentive)` and
    /// `mulQ(b, incentive)`, in assembly because a dividends dispute runs this once per cell of the epoch (up to
    /// MAX_EPOCH_CELLS of them). No step overflows: a bond is below 2^40, a share and an incentive at most 2^32, and
    /// a raw dividend sums at most MAX_NEURONS_LIMIT terms below 2^64.
    function _accumulate(uint256[] memory raw, bytes calldata col, bool yuma3, uint256 incentive) private pure {
        if (incentive == 0) return;
        uint256 v = raw.length;
        // `col` holds exactly v packed values (the caller sliced it so), so every load below starts inside it.
        assembly ("memory-safe") {
            let first := col.offset
            let end := add(first, mul(v, 5))
            let out := add(raw, 32)
            switch yuma3
            case 0 {
                for { let p := first } lt(p, end) { p := add(p, 5) } {
                    mstore(out, add(mload(out), shr(32, mul(shr(216, calldataload(p)), incentive))))
                    out := add(out, 32)
                }
            }
            default {
                let colSum := 0
                for { let p := first } lt(p, end) { p := add(p, 5) } { colSum := add(colSum, shr(216, calldataload(p))) }
                if colSum {
                    for { let p := first } lt(p, end) { p := add(p, 5) } {
                        let share := div(shl(32, shr(216, calldataload(p))), colSum)
                        mstore(out, add(mload(out), shr(32, mul(share, incentive))))
                        out := add(out, 32)
                    }
                }
            }
        }
    }

    /// @dev Validator `i`'s row-normalized weight on uid `j`.
    function _normalizedWeight(
        uint256 netuid,
        uint64 snapshot,
        bytes calldata inputs,
        uint256 i,
        bytes calldata row,
        uint256 j
    ) private view returns (uint256) {
        (uint16 uid,, uint256 sum) = EpochMath.input(inputs, i);
        uint256 commitBlock = _checkRow(netuid, snapshot, uid, row, i);
        uint256 x = _maskedWeight(netuid, snapshot, uid, row, commitBlock, j);
        return sum == 0 ? 0 : YumaMath.divQ(x, sum);
    }

    /// @dev Checks `row` is what validator `uid` revealed by the snapshot (empty if nothing); returns its commit block.
    function _checkRow(uint256 netuid, uint64 snapshot, uint16 uid, bytes calldata row, uint256 index)
        private
        view
        returns (uint256)
    {
        (address hotkey,) = _registry.neuronAt(netuid, uid, snapshot);
        IWeights.Row memory stored =
            hotkey == address(0) ? IWeights.Row(0, 0, 0, 0) : _weights.rowAt(netuid, hotkey, snapshot);
        bool matches = stored.hash == bytes32(0) ? row.length == 0 : keccak256(row) == stored.hash;
        if (!matches) revert EpochRefereeBadWeightsRow(index);
        return stored.commitBlock;
    }

    /// @dev Validator `uid`'s weight on uid `j`, masked: self, empty at the snapshot, or registered at or after the
    /// commit (the weight was set before that neuron existed).
    function _maskedWeight(
        uint256 netuid,
        uint64 snapshot,
        uint16 uid,
        bytes calldata row,
        uint256 commitBlock,
        uint256 j
    ) private view returns (uint256) {
        if (j == uid) return 0;
        uint256 x = EpochMath.u16At(row, j);
        if (x == 0) return 0;
        (address hotkey, uint256 registeredAt) = _registry.neuronAt(netuid, uint16(j), snapshot);
        if (hotkey == address(0) || registeredAt >= commitBlock) return 0;
        return x;
    }

    /// @dev The old bonds column of `c.uid` for this epoch's validators, from the previous epoch's column (checked
    /// against its header): zero for a first epoch, a uid that (re)registered since, or a validator new to the set.
    function _oldBonds(
        uint256 netuid,
        uint64 snapshot,
        bytes32 prevHeaderHash,
        bytes calldata inputs,
        EpochMath.ColumnEvidence calldata c
    ) private view returns (uint256[] memory old) {
        uint256 v = inputs.length / EpochMath.INPUT_BYTES;
        old = new uint256[](v);
        if (prevHeaderHash == bytes32(0) || !_prevColumnApplies(netuid, snapshot, prevHeaderHash, c)) return old;
        uint64 prevSnapshot = c.prevHeader.snapshotBlock;
        for (uint256 i; i < v; ++i) {
            (uint16 uid,,) = EpochMath.input(inputs, i);
            (, uint256 since) = _registry.neuronAt(netuid, uid, snapshot);
            if (since <= prevSnapshot) old[i] = _prevValue(c, uid);
        }
    }

    /// @dev Checks the previous epoch's evidence; false when the miner's column starts afresh (a new uid, or one
    /// whose neuron registered after the previous snapshot).
    function _prevColumnApplies(uint256 netuid, uint64 snapshot, bytes32 prevHeaderHash, EpochMath.ColumnEvidence calldata c)
        private
        view
        returns (bool)
    {
        EpochMath.Header calldata prev = c.prevHeader;
        if (EpochMath.headerHash(prev) != prevHeaderHash || keccak256(c.prevInputs) != prev.inputsHash) {
            revert EpochRefereePrevMismatch();
        }
        if (c.uid >= prev.neurons) return false;
        if (c.prevBonds.length != uint256(prev.validatorCount) * EpochMath.Q_BYTES) revert EpochRefereePrevMismatch();
        bytes32 prevLeaf = EpochMath.leaf(c.uid, c.prevRank, EpochMath.packedBondsHash(c.prevBonds));
        if (!MerkleProof.verifyCalldata(c.prevProof, prev.columnsRoot, prevLeaf)) revert EpochRefereePrevMismatch();
        (address miner, uint256 minerSince) = _registry.neuronAt(netuid, c.uid, snapshot);
        return miner != address(0) && minerSince <= prev.snapshotBlock;
    }

    /// @dev Validator `uid`'s bond in the previous epoch's column (zero if it was not a validator then).
    function _prevValue(EpochMath.ColumnEvidence calldata c, uint16 uid) private pure returns (uint256) {
        uint256 count = c.prevInputs.length / EpochMath.INPUT_BYTES;
        for (uint256 k; k < count; ++k) {
            (uint16 prevUid,,) = EpochMath.input(c.prevInputs, k);
            if (prevUid == uid) return EpochMath.q(c.prevBonds, k);
        }
        return 0;
    }
}
