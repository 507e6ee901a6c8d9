// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {StakeShares} from "../staking/StakeShares.sol";
import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {EpochsBase} from "./EpochsBase.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/**
 * @title EpochsProposals
 * @notice The proposals part of {Epochs}: proposer bonds, proposing an epoch (checked for form, the settings it was
 * computed for and its emission), finalizing it once its challenge window has passed, and the views of an epoch's
 * state.
 */
abstract contract EpochsProposals is EpochsBase {
    // ---------------------------------------------------------------------------------------------------------------
    // Bonds
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Deposits `amount` MYC as the caller's proposer bond. Emits {BondDeposited}.
    function depositBond(uint256 amount) external nonReentrant {
        _bonds[msg.sender] += amount;
        emit BondDeposited(msg.sender, amount);
        _token.transferFrom(msg.sender, address(this), amount);
    }

    /// @notice Withdraws `amount` of the caller's free bond (a pending proposal holds one bond back). Emits
    /// {BondWithdrawn}.
    function withdrawBond(uint256 amount) external nonReentrant {
        if (amount > _bonds[msg.sender]) revert EpochsInsufficientBond(msg.sender, _bonds[msg.sender], amount);
        _bonds[msg.sender] -= amount;
        emit BondWithdrawn(msg.sender, amount);
        _token.transfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Propose and finalize
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The next epoch of `netuid` to settle and its snapshot block (one tempo after the previous one; see
    /// {SubnetRegistry-epochSettings}).
    function nextEpoch(uint256 netuid) public view returns (uint256 epoch, uint64 snapshotBlock) {
        uint64 prevSnapshot;
        (epoch, prevSnapshot) = _previous(netuid);
        (snapshotBlock,,) = _registry.epochSettings(netuid, prevSnapshot);
    }

    /// @notice What the next epoch of `netuid` will mint if its snapshot is `snapshotBlock` (a past block): the
    /// emission per block times the subnet's stake share summed over the blocks since the previous snapshot. Zero
    /// for a snapshot at or before the last final epoch's: those blocks are paid (read for a past epoch's state).
    function emissionUntil(uint256 netuid, uint64 snapshotBlock)
        public
        view
        returns (uint256 shareBlocks, uint256 emission)
    {
        shareBlocks = _staking.shareBlocksAt(netuid, snapshotBlock);
        uint256 paid = _progress[netuid].lastShareBlocks;
        if (shareBlocks > paid) emission = Math.mulDiv(_emissionPerBlock, shareBlocks - paid, StakeShares.PRECISION);
    }

    /**
     * @notice Proposes the result of the next epoch of `netuid`, locking the caller's bond until it is final.
     * Requirements: the snapshot block has passed; no pending proposal; the caller's free bond covers the proposer
     * bond; the proposal is well formed (validators in strictly increasing uid order, at most `maxValidators`, one
     * dividend per validator, one column per uid, at most 16 uids in the prune order); the caller is the transaction's
     * sender and has no code (the proposal is then the transaction's calldata, where nodes read it to check it).
     * Emits {EpochProposed}.
     */
    function propose(uint256 netuid, Proposal calldata p) external {
        _propose(netuid, p);
    }

    /**
     * @notice {finalize} the pending epoch of `netuid`, then {propose} the next, in one transaction: what a node
     * settling every epoch sends once the next snapshot has passed. One intrinsic cost and shared warm reads instead
     * of two transactions (bench/epochs.ts: the honest settlement per epoch). Same requirements and events as the two.
     */
    function finalizeAndPropose(
        uint256 netuid,
        EpochMath.Header calldata h,
        uint256[] calldata permits,
        bytes calldata pruneOrder,
        Proposal calldata p
    ) external {
        _finalize(netuid, h, permits, pruneOrder);
        _propose(netuid, p);
    }

    function _propose(uint256 netuid, Proposal calldata p) private {
        // The contract keeps only the proposal's hashes: what a challenger checks and disputes is read from the
        // transaction's calldata. So the proposer must be the transaction's sender, an account without code (its call
        // is then the transaction itself); through a contract or a delegated account a wrong proposal goes unchecked.
        if (msg.sender != tx.origin || msg.sender.code.length != 0) revert EpochsProposalThroughContract(msg.sender);
        (uint256 epoch, uint64 prevSnapshot) = _previous(netuid);
        (uint64 snapshot, uint16 n, ISubnetRegistry.SubnetParams memory sp) =
            _registry.epochSettings(netuid, prevSnapshot);
        if (block.number <= snapshot) revert EpochsTooEarly(netuid, epoch, snapshot);
        if (_headers[netuid][epoch] != bytes32(0)) revert EpochsAlreadyProposed(netuid, epoch);
        if (_bonds[msg.sender] < _bond) revert EpochsInsufficientBond(msg.sender, _bonds[msg.sender], _bond);

        EpochMath.Header memory h = _header(sp, n, p);
        h.snapshotBlock = snapshot;
        h.prevSnapshotBlock = prevSnapshot;
        (h.shareBlocks, h.emission) = emissionUntil(netuid, snapshot);
        bytes32 expected = keccak256(
            abi.encode(snapshot, n, h.params, h.activityCutoff, h.immunityPeriod, h.maxValidators)
        );
        if (expected != p.settingsHash) revert EpochsStaleProposal(expected);
        _bonds[msg.sender] -= _bond;
        _pending[netuid] = Pending(msg.sender, uint48(block.number), uint48(epoch));
        _headers[netuid][epoch] = keccak256(abi.encode(h));
        emit EpochProposed(netuid, epoch, msg.sender, h);
    }

    function _header(ISubnetRegistry.SubnetParams memory sp, uint256 n, Proposal calldata p)
        private
        pure
        returns (EpochMath.Header memory h)
    {
        uint256 v = p.inputs.length / EpochMath.INPUT_BYTES;
        if (p.inputs.length % EpochMath.INPUT_BYTES != 0 || v > sp.maxValidators) revert EpochsMalformedProposal("inputs");
        if (p.dividends.length != v * EpochMath.Q_BYTES) revert EpochsMalformedProposal("dividends");
        if (p.columns.length != n * EpochMath.COLUMN_BYTES) revert EpochsMalformedProposal("columns");
        if (p.pruneOrder.length > 32 || p.pruneOrder.length % 2 != 0) revert EpochsMalformedProposal("pruneOrder");
        // Every uid of the order has a column to prove it by: a uid past the last would make the order undisputable.
        if (!_pruneUidsBelow(p.pruneOrder, n)) revert EpochsMalformedProposal("pruneOrder");
        (bool ordered, uint256 dividendSum, uint256[] memory permits) = _scanInputs(p.inputs, p.dividends, v, n);
        if (!ordered) revert EpochsMalformedProposal("inputs");
        // Dividends are shares: together at most one, so claims never mint beyond the validators' part.
        if (dividendSum > YumaMath.ONE) revert EpochsMalformedProposal("dividends");
        h.permitsHash = keccak256(abi.encode(permits));
        h.neurons = uint16(n);
        h.validatorCount = uint16(v);
        h.rankSum = p.rankSum;
        h.inputsHash = keccak256(p.inputs);
        h.columnsHash = keccak256(p.columns);
        h.columnsRoot = p.columnsRoot;
        h.dividendsHash = keccak256(p.dividends);
        h.pruneHash = keccak256(p.pruneOrder);
        h.params = YumaMath.Params({
            kappa: (uint256(sp.kappa) << 32) / 65_535,
            bondsPenalty: (uint256(sp.bondsPenalty) << 32) / 65_535,
            alpha: YumaMath.ONE - (uint256(sp.bondsMovingAverage) << 32) / 1_000_000,
            yuma3: sp.yuma3,
            liquidAlpha: sp.liquidAlpha,
            alphaLow: (uint256(sp.alphaLow) << 32) / 65_535,
            alphaHigh: (uint256(sp.alphaHigh) << 32) / 65_535,
            steepness: sp.alphaSigmoidSteepness
        });
        h.activityCutoff = sp.activityCutoff;
        h.immunityPeriod = sp.immunityPeriod;
        h.maxValidators = sp.maxValidators;
    }

    /// @dev Whether every uid of a packed prune order is below `n` (its length is even and at most 32 bytes).
    function _pruneUidsBelow(bytes calldata order, uint256 n) private pure returns (bool ok) {
        assembly ("memory-safe") {
            ok := 1
            for { let at := order.offset } lt(at, add(order.offset, order.length)) { at := add(at, 2) } {
                if iszero(lt(shr(240, calldataload(at)), n)) {
                    ok := 0
                    break
                }
            }
        }
    }

    /**
     * @dev One pass over the `v` validators of packed inputs (lengths checked by the caller: 18 bytes each, and one
     * 5-byte dividend each): whether their uids are strictly increasing and below `n`, the sum of their dividends, and
     * the permits bitmap over `n` uids ({EpochMath-permitsOf}). Assembly because the checked Solidity loops cost about
     * ten times as much; the sum cannot overflow (at most 65,535 values of 40 bits), and a uid is checked below `n`
     * before its bit is set, so every write stays inside `permits`.
     */
    function _scanInputs(bytes calldata inputs, bytes calldata dividends, uint256 v, uint256 n)
        private
        pure
        returns (bool ordered, uint256 dividendSum, uint256[] memory permits)
    {
        permits = new uint256[]((n + 255) / 256);
        assembly ("memory-safe") {
            ordered := 1
            let words := add(permits, 32)
            let next := 0 // the least uid the next validator may have
            for { let i := 0 } lt(i, v) { i := add(i, 1) } {
                let uid := shr(240, calldataload(add(inputs.offset, mul(i, 18))))
                if or(lt(uid, next), iszero(lt(uid, n))) {
                    ordered := 0
                    break
                }
                next := add(uid, 1)
                dividendSum := add(dividendSum, shr(216, calldataload(add(dividends.offset, mul(i, 5)))))
                let word := add(words, shl(5, shr(8, uid)))
                mstore(word, or(mload(word), shl(and(uid, 255), 1)))
            }
        }
    }

    /**
     * @notice Makes the pending epoch of `netuid` final once its challenge window has passed: unlocks the proposer's
     * bond and records the validator permits (`permits`, a bitmap over uids) and the prune order in the registry.
     * Emits {EpochFinalized}.
     */
    function finalize(
        uint256 netuid,
        EpochMath.Header calldata h,
        uint256[] calldata permits,
        bytes calldata pruneOrder
    ) external {
        _finalize(netuid, h, permits, pruneOrder);
    }

    function _finalize(
        uint256 netuid,
        EpochMath.Header calldata h,
        uint256[] calldata permits,
        bytes calldata pruneOrder
    ) private {
        (uint256 epoch, Pending memory pending) = _pendingOf(netuid, h);
        uint64 ends = pending.proposedAtBlock + _challengeBlocks;
        if (block.number <= ends) revert EpochsChallengeWindowOpen(netuid, epoch, ends);
        if (keccak256(abi.encode(permits)) != h.permitsHash || keccak256(pruneOrder) != h.pruneHash) {
            revert EpochsInputsMismatch();
        }
        _progress[netuid] = Progress(
            SafeCast.toUint32(epoch + 1), SafeCast.toUint48(h.snapshotBlock), SafeCast.toUint176(h.shareBlocks)
        );
        _bonds[pending.proposer] += _bond;
        emit EpochFinalized(netuid, epoch);
        _registry.applyEpoch(netuid, h.snapshotBlock, permits, pruneOrder);
    }

    /**
     * @notice The header hash of `epoch` of `netuid` (zero: not proposed), whether it is final, and for a pending
     * epoch its proposer and proposal block.
     */
    function getEpoch(uint256 netuid, uint256 epoch)
        external
        view
        returns (bytes32 headerHash, bool isFinal, address proposer, uint256 proposedAtBlock)
    {
        Pending memory pending = _pending[netuid];
        bool isPending = pending.epoch == epoch && epoch == _progress[netuid].nextEpoch && _headers[netuid][epoch] != 0;
        return (
            _headers[netuid][epoch],
            epoch < _progress[netuid].nextEpoch,
            isPending ? pending.proposer : address(0),
            isPending ? pending.proposedAtBlock : 0
        );
    }

    /// @notice The bond `proposer` has free to propose with (a pending proposal holds one bond back).
    function bondOf(address proposer) external view returns (uint256) {
        return _bonds[proposer];
    }

    /// @notice The bond a proposal locks, the challenge window in blocks, and the emission per block.
    function settings() external view returns (uint256 proposerBond, uint64 challengeBlocks, uint256 emissionPerBlock) {
        return (_bond, _challengeBlocks, _emissionPerBlock);
    }

    /// @dev The next epoch of `netuid` and the snapshot block it follows (the subnet's creation for the first).
    function _previous(uint256 netuid) private view returns (uint256 epoch, uint64 prevSnapshot) {
        Progress memory progress = _progress[netuid];
        epoch = progress.nextEpoch;
        if (epoch > 0) return (epoch, progress.lastSnapshotBlock);
        (, prevSnapshot,) = _registry.subnetShape(netuid);
    }
}
