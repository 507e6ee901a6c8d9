// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Staking} from "../Staking.sol";
import {SubnetRegistry} from "../SubnetRegistry.sol";
import {Weights} from "../Weights.sol";
import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title EpochReferee
 * @notice Stateless recomputation of the parts of an epoch that {Epochs} lets anyone dispute, from the chain's own
 * records as of the epoch's snapshot block: who held each uid (registry), stake checkpoints (Staking) and revealed
 * weights rows (Weights). Separate from Epochs only to keep each contract within the code size limit; every
 * function is a view, so anyone can also call it to check a proposal before disputing it.
 */
contract EpochReferee {
    /// @notice The epoch being checked and the one before it (`hasPrev` false for a subnet's first epoch).
    struct Context {
        uint256 netuid;
        uint64 snapshotBlock;
        uint16 neurons;
        EpochMath.Params params;
        bool hasPrev;
        uint64 prevSnapshotBlock;
        uint16 prevNeurons;
        bytes32 prevValidatorsHash;
        bytes32 prevColumnsRoot;
    }

    SubnetRegistry private immutable _registry;
    Staking private immutable _staking;
    Weights private immutable _weights;

    /// @dev Validator `index`'s row is not what it revealed by the snapshot (empty when it revealed nothing).
    error EpochRefereeBadWeightsRow(uint256 index);
    /// @dev The previous epoch's validators or bonds column do not match its record.
    error EpochRefereePrevMismatch();
    /// @dev A restated input does not match the proposal (wrong length or hash).
    error EpochRefereeInputsMismatch();

    constructor(SubnetRegistry subnetRegistry, Staking staking, Weights weights) {
        _registry = subnetRegistry;
        _staking = staking;
        _weights = weights;
    }

    /// @notice The stake of whoever held `uid` at `snapshot` (zero for an empty slot).
    function stakeAt(uint256 netuid, uint16 uid, uint64 snapshot) public view returns (uint256) {
        (address hotkey,) = _registry.neuronAt(netuid, uid, snapshot);
        return hotkey == address(0) ? 0 : _staking.stakeAt(netuid, hotkey, snapshot);
    }

    /// @notice A validator's stake in the epoch: its stake, if its latest reveal by the snapshot is within the
    /// subnet's activity cutoff; else zero.
    function activeStake(uint256 netuid, uint16 uid, uint64 snapshot) external view returns (uint256) {
        (address hotkey,) = _registry.neuronAt(netuid, uid, snapshot);
        if (hotkey == address(0)) return 0;
        Weights.Row memory row = _weights.rowAt(netuid, hotkey, snapshot);
        uint256 cutoff = _registry.getSubnetParams(netuid).activityCutoff;
        if (row.revealBlock == 0 || row.revealBlock + cutoff < snapshot) return 0;
        return _staking.stakeAt(netuid, hotkey, snapshot);
    }

    /**
     * @notice Whether `candidate` (not in `validators`, with stake) belongs in the validator set: the set has room,
     * or the candidate's stake beats the weakest member's (ties go to the lower uid).
     */
    function belongsInSet(
        uint256 netuid,
        uint16[] calldata validators,
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
    function rowSum(Context calldata ctx, uint16 uid, bytes calldata row) external view returns (uint256 sum) {
        uint256 commitBlock = _checkRow(ctx, uid, row, 0);
        for (uint256 j; j < ctx.neurons; ++j) sum += _maskedWeight(ctx, uid, row, commitBlock, j);
    }

    /// @notice Miner `c.uid`'s rank and new bonds column hash, recomputed.
    function column(Context calldata ctx, EpochMath.Inputs calldata inputs, EpochMath.ColumnEvidence calldata c)
        external
        view
        returns (uint256 rank, bytes20 hash)
    {
        uint256 v = inputs.validators.length;
        if (c.rows.length != v) revert EpochRefereeInputsMismatch();
        uint256[] memory w = new uint256[](v);
        for (uint256 i; i < v; ++i) {
            uint256 commitBlock = _checkRow(ctx, inputs.validators[i], c.rows[i], i);
            uint256 x = _maskedWeight(ctx, inputs.validators[i], c.rows[i], commitBlock, c.uid);
            w[i] = inputs.rowSums[i] == 0 ? 0 : YumaMath.divQ(x, inputs.rowSums[i]);
        }
        uint256[] memory old = _oldBonds(ctx, inputs.validators, c);
        uint256[] memory bonds;
        (, rank, bonds) = EpochMath.minerColumn(ctx.params, YumaMath.normalizeStake(inputs.stakes), w, old);
        hash = EpochMath.bondsHash(bonds);
    }

    /// @notice A proposal's packed columns (ranks and bonds hashes) and every column's packed bonds, column after
    /// column.
    struct Packed {
        bytes columns;
        bytes bonds;
    }

    /**
     * @notice Every validator's dividend from the stated stakes and the packed columns and bonds; also returns the
     * columns' Merkle root.
     */
    function dividends(bool yuma3, uint256 neurons, EpochMath.Inputs calldata inputs, Packed calldata packed)
        external
        pure
        returns (uint256[] memory, bytes32 root)
    {
        uint256 rankSum;
        (root, rankSum) = EpochMath.columnsRoot(packed.columns);
        uint256 v = inputs.validators.length;
        if (
            packed.bonds.length != neurons * v * EpochMath.Q_BYTES
                || packed.columns.length != neurons * EpochMath.COLUMN_BYTES
        ) revert EpochRefereeInputsMismatch();
        Acc memory acc = Acc(new uint256[](v), new uint256[](v), rankSum, yuma3);
        for (uint256 j; j < neurons; ++j) _addColumn(acc, packed, j);
        uint256[] memory raw = acc.raw;
        if (yuma3) {
            uint256[] memory s = YumaMath.normalizeStake(inputs.stakes);
            for (uint256 i; i < v; ++i) raw[i] = YumaMath.mulQ(raw[i], s[i]);
        }
        return (YumaMath.normalize(raw), root);
    }

    /// @dev The running raw dividends, a scratch column, the sum of ranks and the bonds path.
    struct Acc {
        uint256[] raw;
        uint256[] values;
        uint256 rankSum;
        bool yuma3;
    }

    /// @dev Adds miner `j`'s contribution to every validator's raw dividend, checking its bonds against its hash.
    function _addColumn(Acc memory acc, Packed calldata packed, uint256 j) private pure {
        uint256[] memory values = acc.values;
        uint256 v = values.length;
        uint256 colSum;
        for (uint256 i; i < v; ++i) {
            values[i] = EpochMath.q(packed.bonds, j * v + i);
            colSum += values[i];
        }
        (uint256 rank, bytes20 h) = EpochMath.column(packed.columns, j);
        if (EpochMath.bondsHash(values) != h) revert EpochRefereeInputsMismatch();
        uint256 incentive = acc.rankSum == 0 ? 0 : YumaMath.divQ(rank, acc.rankSum);
        for (uint256 i; i < v; ++i) {
            if (!acc.yuma3) acc.raw[i] += YumaMath.mulQ(values[i], incentive);
            else if (colSum != 0) acc.raw[i] += YumaMath.mulQ(YumaMath.divQ(values[i], colSum), incentive);
        }
    }

    /// @dev Checks `row` is what validator `uid` revealed by the snapshot (empty if nothing); returns its commit block.
    function _checkRow(Context calldata ctx, uint16 uid, bytes calldata row, uint256 index)
        private
        view
        returns (uint256)
    {
        (address hotkey,) = _registry.neuronAt(ctx.netuid, uid, ctx.snapshotBlock);
        Weights.Row memory stored =
            hotkey == address(0) ? Weights.Row(0, 0, 0) : _weights.rowAt(ctx.netuid, hotkey, ctx.snapshotBlock);
        bool matches = stored.hash == bytes32(0) ? row.length == 0 : keccak256(row) == stored.hash;
        if (!matches) revert EpochRefereeBadWeightsRow(index);
        return stored.commitBlock;
    }

    /// @dev Validator `uid`'s weight on uid `j`, masked: self, empty at the snapshot, or registered at or after the
    /// commit (the weight was set before that neuron existed).
    function _maskedWeight(Context calldata ctx, uint16 uid, bytes calldata row, uint256 commitBlock, uint256 j)
        private
        view
        returns (uint256)
    {
        if (j == uid) return 0;
        uint256 x = EpochMath.u16At(row, j);
        if (x == 0) return 0;
        (address hotkey, uint256 registeredAt) = _registry.neuronAt(ctx.netuid, uint16(j), ctx.snapshotBlock);
        if (hotkey == address(0) || registeredAt >= commitBlock) return 0;
        return x;
    }

    /// @dev The old bonds column of `c.uid` for this epoch's validators, from the previous epoch's column (checked
    /// against its root): zero for a first epoch, a uid that (re)registered since, or a validator new to the set.
    function _oldBonds(Context calldata ctx, uint16[] calldata validators, EpochMath.ColumnEvidence calldata c)
        private
        view
        returns (uint256[] memory old)
    {
        old = new uint256[](validators.length);
        if (!ctx.hasPrev) return old;
        if (keccak256(abi.encode(c.prevValidators)) != ctx.prevValidatorsHash) revert EpochRefereePrevMismatch();
        if (c.prevBonds.length != c.prevValidators.length * EpochMath.Q_BYTES) revert EpochRefereePrevMismatch();
        if (c.uid >= ctx.prevNeurons) return old;
        uint256[] memory prevColumn = new uint256[](c.prevValidators.length);
        for (uint256 k; k < prevColumn.length; ++k) prevColumn[k] = EpochMath.q(c.prevBonds, k);
        bytes32 prevLeaf = EpochMath.leaf(c.uid, c.prevRank, EpochMath.bondsHash(prevColumn));
        if (!MerkleProof.verifyCalldata(c.prevProof, ctx.prevColumnsRoot, prevLeaf)) revert EpochRefereePrevMismatch();
        (address miner, uint256 minerSince) = _registry.neuronAt(ctx.netuid, c.uid, ctx.snapshotBlock);
        if (miner == address(0) || minerSince > ctx.prevSnapshotBlock) return old;
        for (uint256 i; i < validators.length; ++i) {
            (, uint256 since) = _registry.neuronAt(ctx.netuid, validators[i], ctx.snapshotBlock);
            if (since > ctx.prevSnapshotBlock) continue;
            for (uint256 k; k < c.prevValidators.length; ++k) {
                if (c.prevValidators[k] == validators[i]) {
                    old[i] = prevColumn[k];
                    break;
                }
            }
        }
    }
}
