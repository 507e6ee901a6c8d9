// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SubnetRegistryBase} from "./SubnetRegistryBase.sol";

/**
 * @title SubnetRegistryPermits
 * @notice The part of {SubnetRegistry} that settled epochs write: the Epochs contract (wired once), validator
 * permits and the prune order that full-subnet registrations follow.
 */
abstract contract SubnetRegistryPermits is SubnetRegistryBase {
    /**
     * @notice Wires the Epochs contract, the only writer of validator permits and prune orders.
     * Requirements: the caller is the admin; not set before.
     * Emits {EpochsSet}.
     */
    function setEpochs(address epochsContract) external {
        if (msg.sender != _admin) revert SubnetRegistryNotAdmin(msg.sender);
        if (_epochs != address(0)) revert SubnetRegistryEpochsAlreadySet(_epochs);
        _epochs = epochsContract;
        emit EpochsSet(epochsContract);
    }

    /// @notice The Epochs contract (zero until wired).
    function epochs() external view returns (address) {
        return _epochs;
    }

    /// @notice Whether slot `uid` of `netuid` holds a validator permit now. A permit belongs to the neuron the last
    /// settled epoch ranked: one that took the slot after that epoch's snapshot has none.
    function hasValidatorPermit(uint256 netuid, uint16 uid) external view returns (bool) {
        Neuron storage neuron = _neurons[netuid][uid];
        if (neuron.hotkey == address(0)) return false;
        Applied memory applied = _applied[netuid];
        if (!applied.permitsSet) return neuron.role == Role.Validator;
        if (neuron.registeredAtBlock > applied.snapshotBlock) return false;
        return (_permits[netuid][uid >> 8] >> (uid & 255)) & 1 == 1;
    }

    /// @notice The prune order recorded by the last settled epoch of `netuid`, the next position in it, and the
    /// epoch's snapshot block.
    function pruneOrder(uint256 netuid) external view returns (uint16[] memory, uint256 cursor, uint64 snapshotBlock) {
        Applied memory applied = _applied[netuid];
        uint16[] memory order = new uint16[](applied.pruneLength);
        for (uint256 k; k < order.length; ++k) order[k] = _pruneUid(_pruneOrder[netuid], k);
        return (order, applied.pruneCursor, applied.snapshotBlock);
    }

    /**
     * @notice Records a settled epoch of `netuid`: the validator permits (a bitmap over uids, 256 per word) and the
     * order in which full-subnet registrations replace neurons (`pruneOrder`: uids as packed big-endian u16s).
     * Requirements: the caller is the Epochs contract; at most {MAX_PRUNE_ORDER} uids.
     * Emits {EpochApplied}.
     */
    function applyEpoch(uint256 netuid, uint64 snapshotBlock, uint256[] calldata permits, bytes calldata pruneOrder_)
        external
    {
        if (msg.sender != _epochs || msg.sender == address(0)) revert SubnetRegistryNotEpochs(msg.sender);
        if (pruneOrder_.length > 2 * MAX_PRUNE_ORDER || pruneOrder_.length % 2 != 0) {
            revert SubnetRegistryPruneOrderTooLong(pruneOrder_.length / 2);
        }
        uint256 words = (uint256(_subnet(netuid).maxNeurons) + 255) / 256;
        for (uint256 w; w < words; ++w) {
            _permits[netuid][w] = w < permits.length ? permits[w] : 0;
        }
        // Left-aligned: bytes32 of a shorter byte string pads it with zeros on the right.
        _pruneOrder[netuid] = uint256(bytes32(pruneOrder_));
        _applied[netuid] = Applied(snapshotBlock, 0, true, uint8(pruneOrder_.length / 2));
        emit EpochApplied(netuid, snapshotBlock, permits, pruneOrder_);
    }
}
