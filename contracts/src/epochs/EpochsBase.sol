// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IEpochs} from "../interfaces/IEpochs.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {MycelToken} from "../token/MycelToken.sol";
import {EpochMath} from "./EpochMath.sol";
import {EpochReferee} from "./EpochReferee.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/**
 * @title EpochsBase
 * @notice What every part of {Epochs} shares: the protocol constants, the contracts it works with, the whole storage
 * (declared here, in one place and in its deployed order, so that splitting the contract into parts cannot move a
 * slot) and the lookup of the pending proposal.
 */
abstract contract EpochsBase is ReentrancyGuardTransient, IEpochs {
    /// @notice The part of a wrong proposer's bond its challenger receives, in basis points; the rest is burned.
    uint256 public constant CHALLENGER_REWARD_BPS = 1000;
    /// @notice Emission split in basis points: subnet owner, miners (by incentive), validators (by dividends).
    uint256 public constant OWNER_BPS = 1800;
    uint256 public constant MINERS_BPS = 4100;
    uint256 public constant VALIDATORS_BPS = 4100;

    /// @dev Per subnet, one slot that is rewritten rather than cleared (cheaper): the pending proposal's proposer,
    /// block and epoch (`epoch != nextEpoch` means none is pending).
    struct Pending {
        address proposer;
        uint48 proposedAtBlock;
        uint48 epoch;
    }

    /// @dev Per subnet, in one slot: the next epoch to settle, the snapshot block of the last one settled and its
    /// shareBlocks (Staking.shareBlocksAt; below 2^176, as it grows by at most 2^128 a block).
    struct Progress {
        uint32 nextEpoch;
        uint48 lastSnapshotBlock;
        uint176 lastShareBlocks;
    }

    MycelToken internal immutable _token;
    ISubnetRegistry internal immutable _registry;
    IStaking internal immutable _staking;
    EpochReferee internal immutable _referee;
    uint256 internal immutable _emissionPerBlock;
    uint256 internal immutable _bond;
    uint64 internal immutable _challengeBlocks;

    mapping(uint256 netuid => mapping(uint256 epoch => bytes32)) internal _headers;
    mapping(uint256 netuid => Progress) internal _progress;
    mapping(uint256 netuid => Pending) internal _pending;
    mapping(address proposer => uint256) internal _bonds;
    mapping(uint256 netuid => mapping(uint256 epoch => mapping(uint256 word => uint256))) internal _claimed;

    constructor(
        MycelToken token,
        ISubnetRegistry subnetRegistry,
        IStaking staking,
        EpochReferee referee,
        uint256 emissionPerBlock,
        uint256 proposerBond,
        uint64 challengeBlocks
    ) {
        _token = token;
        _registry = subnetRegistry;
        _staking = staking;
        _referee = referee;
        _emissionPerBlock = emissionPerBlock;
        _bond = proposerBond;
        _challengeBlocks = challengeBlocks;
    }

    /// @dev The pending epoch of `netuid` whose header is `h`.
    function _pendingOf(uint256 netuid, EpochMath.Header calldata h)
        internal
        view
        returns (uint256 epoch, Pending memory pending)
    {
        epoch = _progress[netuid].nextEpoch;
        pending = _pending[netuid];
        bytes32 stored = _headers[netuid][epoch];
        if (stored == bytes32(0) || pending.epoch != epoch) revert EpochsNotProposed(netuid, epoch);
        if (EpochMath.headerHash(h) != stored) revert EpochsHeaderMismatch();
    }
}
