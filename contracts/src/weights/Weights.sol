// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {IWeights} from "../interfaces/IWeights.sol";

/**
 * @title Weights
 * @notice Validators' weights on miners, by commit-reveal. A validator with a permit commits
 * `hash(chainid, this, netuid, hotkey, keccak256(weights), salt)` in some tempo period (periods count from the subnet's
 * creation, as epochs do); it reveals the weights and the salt during the period `commitRevealPeriod` periods later,
 * or the commit expires. Nobody can copy weights they have not seen: what is revealed was fixed in an earlier period.
 * Windows are whole periods, not a span after each commit, so validators can reveal at the start of a period and
 * commit again at once: every validator's row then describes the same period, and nobody's schedule drifts.
 * A commit's window is fixed when it is made; later parameter changes do not move it. Likewise a revealed row keeps
 * its validator active for the activity cutoff in force at the reveal: a subnet owner who lowers the cutoff (or raises
 * the commit-reveal period, whose longer wait the cutoff must cover) cannot make rows revealed on schedule stale.
 *
 * Weights are compact: two bytes (a big-endian u16) per uid, for every uid the subnet had when the commit was made.
 * Only hashes are stored; the vectors travel in calldata and in the {WeightsRevealed} event, from which anyone
 * rebuilds the matrix. An epoch reads each validator's latest row revealed by its snapshot block ({rowAt}); weights
 * on a uid that registered after the commit are masked there (they were set before that miner existed).
 */
contract Weights is IWeights {
    /// @notice A pending commit and its reveal window `[revealFrom, revealUntil)`.
    struct Commit {
        bytes32 hash;
        uint64 commitBlock;
        uint16 length;
        uint64 revealFrom;
        uint64 revealUntil;
    }


    ISubnetRegistry private immutable _registry;
    mapping(uint256 netuid => mapping(address hotkey => Commit)) private _commits;
    mapping(uint256 netuid => mapping(address hotkey => Row[])) private _rows;
    mapping(uint256 netuid => mapping(address hotkey => uint64)) private _lastCommitBlock;

    /// @notice Emitted when validator `hotkey` (slot `uid`) committed; it may reveal in `[revealFrom, revealUntil)`.
    event WeightsCommitted(
        uint256 indexed netuid,
        uint16 indexed uid,
        address indexed hotkey,
        bytes32 commitHash,
        uint64 revealFrom,
        uint64 revealUntil
    );
    /// @notice Emitted when validator `hotkey` revealed `weights` (a big-endian u16 per uid) committed at `commitBlock`.
    event WeightsRevealed(
        uint256 indexed netuid, uint16 indexed uid, address indexed hotkey, bytes weights, uint64 commitBlock
    );

    /// @dev `hotkey` is not registered in `netuid`.
    error WeightsNotRegistered(uint256 netuid, address hotkey);
    /// @dev Slot `uid` of `netuid` holds no validator permit.
    error WeightsNoValidatorPermit(uint256 netuid, uint16 uid);
    /// @dev The validator committed too recently; it may commit again from `nextBlock`.
    error WeightsRateLimited(uint256 netuid, address hotkey, uint64 nextBlock);
    /// @dev The commit hash was zero.
    error WeightsZeroCommit();
    /// @dev `hotkey` has no pending commit in `netuid`.
    error WeightsNoCommit(uint256 netuid, address hotkey);
    /// @dev The reveal came at `blockNumber`, before `revealFrom`.
    error WeightsRevealTooEarly(uint256 blockNumber, uint64 revealFrom);
    /// @dev The commit expired at `revealUntil`; commit again.
    error WeightsCommitExpired(uint256 blockNumber, uint64 revealUntil);
    /// @dev The weights hold `length` bytes; the commit covered `expected` uids (two bytes each).
    error WeightsLengthMismatch(uint256 length, uint256 expected);
    /// @dev The weights and salt do not hash to the commit.
    error WeightsHashMismatch(bytes32 computed, bytes32 committed);
    /// @dev Every weight was zero.
    error WeightsAllZero();

    constructor(ISubnetRegistry subnetRegistry) {
        _registry = subnetRegistry;
    }

    /**
     * @notice The commit hash for `weights` (packed, two bytes per uid) and `salt` by `hotkey` in `netuid`, bound to
     * this chain and contract.
     */
    function commitHashOf(uint256 netuid, address hotkey, bytes calldata weights, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), netuid, hotkey, keccak256(weights), salt));
    }

    /**
     * @notice Commits the caller's next weights in `netuid`, replacing an unrevealed commit.
     * Requirements: the caller is registered and holds a validator permit; `commitHash` is not zero; the subnet's
     * `weightsRateLimit` blocks have passed since its last commit.
     * Emits {WeightsCommitted}.
     */
    function commitWeights(uint256 netuid, bytes32 commitHash) external {
        if (commitHash == bytes32(0)) revert WeightsZeroCommit();
        uint16 uid = _uidOf(netuid, msg.sender);
        if (!_registry.hasValidatorPermit(netuid, uid)) revert WeightsNoValidatorPermit(netuid, uid);
        ISubnetRegistry.SubnetParams memory params = _registry.getSubnetParams(netuid);
        uint64 last = _lastCommitBlock[netuid][msg.sender];
        if (last != 0 && block.number < last + params.weightsRateLimit) {
            revert WeightsRateLimited(netuid, msg.sender, last + params.weightsRateLimit);
        }
        uint64 nowBlock = uint64(block.number);
        (uint16 nextUid, uint64 created,) = _registry.subnetShape(netuid);
        // The window is the whole period `commitRevealPeriod` after the commit's period.
        uint64 from = created + ((nowBlock - created) / params.tempo + params.commitRevealPeriod) * params.tempo;
        uint64 until = from + params.tempo;
        _lastCommitBlock[netuid][msg.sender] = nowBlock;
        _commits[netuid][msg.sender] = Commit(commitHash, nowBlock, nextUid, from, until);
        emit WeightsCommitted(netuid, uid, msg.sender, commitHash, from, until);
    }

    /**
     * @notice Reveals the caller's committed weights in `netuid`.
     * @param weights A big-endian u16 per uid, for as many uids as the subnet had at the commit.
     * @param salt The salt of the commit.
     * Requirements: a pending commit; within its reveal window; the right length; not all zero; the hash matches;
     * the caller is still registered.
     * Emits {WeightsRevealed}.
     */
    function revealWeights(uint256 netuid, bytes calldata weights, bytes32 salt) external {
        Commit memory commit = _commits[netuid][msg.sender];
        if (commit.hash == bytes32(0)) revert WeightsNoCommit(netuid, msg.sender);
        if (block.number < commit.revealFrom) revert WeightsRevealTooEarly(block.number, commit.revealFrom);
        if (block.number >= commit.revealUntil) revert WeightsCommitExpired(block.number, commit.revealUntil);
        if (weights.length != uint256(commit.length) * 2) {
            revert WeightsLengthMismatch(weights.length, uint256(commit.length) * 2);
        }
        bytes32 computed = commitHashOf(netuid, msg.sender, weights, salt);
        if (computed != commit.hash) revert WeightsHashMismatch(computed, commit.hash);
        if (_allZero(weights)) revert WeightsAllZero();
        uint16 uid = _uidOf(netuid, msg.sender);
        uint256 cutoff = _registry.getSubnetParams(netuid).activityCutoff;

        delete _commits[netuid][msg.sender];
        _rows[netuid][msg.sender].push(
            Row(keccak256(weights), uint48(commit.commitBlock), uint48(block.number), uint48(block.number + cutoff))
        );
        emit WeightsRevealed(netuid, uid, msg.sender, weights, commit.commitBlock);
    }

    /// @notice The pending commit of `hotkey` in `netuid` (all zero if none).
    function commitOf(uint256 netuid, address hotkey) external view returns (Commit memory) {
        return _commits[netuid][hotkey];
    }

    /**
     * @notice The latest row `hotkey` revealed in `netuid` by the end of block `blockNumber` (all zero if none): the
     * keccak256 of its packed weights, its commit block and its reveal block.
     */
    function rowAt(uint256 netuid, address hotkey, uint256 blockNumber) external view returns (Row memory) {
        Row[] storage rows = _rows[netuid][hotkey];
        uint256 low;
        uint256 high = rows.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (rows[mid].revealBlock > blockNumber) high = mid;
            else low = mid + 1;
        }
        return low == 0 ? Row(bytes32(0), 0, 0, 0) : rows[low - 1];
    }

    /// @notice The registry whose neurons and permits this contract follows.
    function registry() external view returns (address) {
        return address(_registry);
    }

    function _uidOf(uint256 netuid, address hotkey) private view returns (uint16) {
        if (!_registry.isRegistered(netuid, hotkey)) revert WeightsNotRegistered(netuid, hotkey);
        return _registry.uidOf(netuid, hotkey);
    }

    function _allZero(bytes calldata weights) private pure returns (bool) {
        for (uint256 i; i < weights.length; ++i) {
            if (weights[i] != 0) return false;
        }
        return true;
    }
}
