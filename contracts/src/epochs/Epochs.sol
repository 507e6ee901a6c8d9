// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MycelToken} from "../token/MycelToken.sol";
import {Staking} from "../staking/Staking.sol";
import {SubnetRegistry} from "../registry/SubnetRegistry.sol";
import {StakeShares} from "../staking/StakeShares.sol";
import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {EpochReferee} from "./EpochReferee.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/**
 * @title Epochs
 * @notice Optimistic settlement of Yuma epochs that nobody has to trust. Every tempo of a subnet, any node that has
 * deposited a bond proposes the epoch's result in calldata: the validators with their stakes and row sums, every
 * miner's rank and new bonds hash, the Merkle root over those columns, the dividends and the prune order. Only the
 * hash of the proposal's header is stored. During the challenge window anyone can dispute one part; the referee
 * recomputes just that part from the chain's own records (who held each uid, stake checkpoints, revealed weights) with
 * the same fixed-point arithmetic as the SDK, and a wrong proposal loses its bond: a tenth to the challenger, the rest
 * burned (so a proposer disputing its own wrong proposal recovers little). After the window the epoch is final.
 *
 * Emission: the network mints `emissionPerBlock` per block, shared by the subnets by their stake at every block
 * ({StakeShares}); an epoch pays what its subnet accrued between the previous snapshot and its own, fixed when it is
 * proposed. It is split owner 18% / miners 41% by incentive / validators 41% by dividends (paid to the stake that
 * backed each validator at the snapshot), and each share is claimed (minted) once. docs/epochs.md has the protocol.
 */
contract Epochs is ReentrancyGuardTransient {
    /// @notice The part of a wrong proposer's bond its challenger receives, in basis points; the rest is burned.
    uint256 public constant CHALLENGER_REWARD_BPS = 1000;
    /// @notice Emission split in basis points: subnet owner, miners (by incentive), validators (by dividends).
    uint256 public constant OWNER_BPS = 1800;
    uint256 public constant MINERS_BPS = 4100;
    uint256 public constant VALIDATORS_BPS = 4100;

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

    MycelToken private immutable _token;
    SubnetRegistry private immutable _registry;
    Staking private immutable _staking;
    EpochReferee private immutable _referee;
    uint256 private immutable _emissionPerBlock;
    uint256 private immutable _bond;
    uint64 private immutable _challengeBlocks;

    mapping(uint256 netuid => mapping(uint256 epoch => bytes32)) private _headers;
    mapping(uint256 netuid => Progress) private _progress;
    mapping(uint256 netuid => Pending) private _pending;
    mapping(address proposer => uint256) private _bonds;
    mapping(uint256 netuid => mapping(uint256 epoch => mapping(uint256 word => uint256))) private _claimed;

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

    constructor(
        MycelToken token,
        SubnetRegistry subnetRegistry,
        Staking staking,
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
     * dividend per validator, one column per uid, at most 16 uids in the prune order).
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
        (uint256 epoch, uint64 prevSnapshot) = _previous(netuid);
        (uint64 snapshot, uint16 n, SubnetRegistry.SubnetParams memory sp) =
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

    function _header(SubnetRegistry.SubnetParams memory sp, uint256 n, Proposal calldata p)
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
     * @notice The emission of an epoch, as its header states it (fixed when it was proposed; see {emissionUntil}).
     * The first argument, the subnet, is not needed and kept for callers of earlier versions.
     */
    function emissionOf(uint256, EpochMath.Header calldata h) public pure returns (uint256) {
        return h.emission;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Pays miner `uid` its share of a final epoch's miner emission (41% x rank / rank sum), minted to the
     * hotkey that held the uid at the snapshot.
     * Requirements: the epoch is final; the header and the column leaf match; not claimed before.
     * Emits {EmissionClaimed}.
     */
    function claimMiner(
        uint256 netuid,
        uint256 epoch,
        EpochMath.Header calldata h,
        uint16 uid,
        uint256 rank,
        bytes16 bondsHash,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        _finalRecord(netuid, epoch, h);
        if (!MerkleProof.verifyCalldata(proof, h.columnsRoot, EpochMath.leaf(uid, rank, bondsHash))) {
            revert EpochsBadProof();
        }
        _markClaimed(netuid, epoch, 1, uid);
        if (h.rankSum == 0 || rank == 0) revert EpochsNothingToClaim();
        amount = (emissionOf(netuid, h) * MINERS_BPS / 10_000) * rank / h.rankSum;
        (address hotkey,) = _registry.neuronAt(netuid, uid, h.snapshotBlock);
        emit EmissionClaimed(netuid, epoch, 1, uid, hotkey, amount);
        if (amount > 0) _token.mint(hotkey, amount);
    }

    /**
     * @notice Pays validator number `index` of a final epoch its dividends (41% x its dividend share) through
     * {Staking-distribute}, so its delegate take and its stakers' shares apply.
     * Emits {EmissionClaimed}.
     */
    function claimValidator(
        uint256 netuid,
        uint256 epoch,
        EpochMath.Header calldata h,
        uint256 index,
        bytes calldata inputs,
        bytes calldata dividends
    ) external nonReentrant returns (uint256 amount) {
        _finalRecord(netuid, epoch, h);
        if (keccak256(inputs) != h.inputsHash || keccak256(dividends) != h.dividendsHash) revert EpochsInputsMismatch();
        if (index >= h.validatorCount) revert EpochsNothingToClaim();
        (uint16 uid,,) = EpochMath.input(inputs, index);
        _markClaimed(netuid, epoch, 2, uid);
        amount = YumaMath.mulQ(emissionOf(netuid, h) * VALIDATORS_BPS / 10_000, EpochMath.q(dividends, index));
        if (amount == 0) revert EpochsNothingToClaim();
        (address hotkey,) = _registry.neuronAt(netuid, uid, h.snapshotBlock);
        emit EmissionClaimed(netuid, epoch, 2, uid, hotkey, amount);
        _token.mint(address(this), amount);
        _token.approve(address(_staking), amount);
        _staking.distribute(netuid, hotkey, amount, h.snapshotBlock);
    }

    /// @notice Pays the subnet owner its 18% of a final epoch. Emits {EmissionClaimed}.
    function claimOwner(uint256 netuid, uint256 epoch, EpochMath.Header calldata h)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _finalRecord(netuid, epoch, h);
        _markClaimed(netuid, epoch, 0, 0);
        amount = emissionOf(netuid, h) * OWNER_BPS / 10_000;
        address owner = _registry.getSubnet(netuid).owner;
        emit EmissionClaimed(netuid, epoch, 0, 0, owner, amount);
        if (amount > 0) _token.mint(owner, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Disputes: each recomputes one part of the pending proposal; a mismatch slashes the proposer.
    // ---------------------------------------------------------------------------------------------------------------

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

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

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

    function isClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid) public view returns (bool) {
        uint256 key = uint256(role) * 65_536 + uid;
        return (_claimed[netuid][epoch][key >> 8] >> (key & 255)) & 1 == 1;
    }

    /// @notice The bond `proposer` has free to propose with (a pending proposal holds one bond back).
    function bondOf(address proposer) external view returns (uint256) {
        return _bonds[proposer];
    }

    /// @notice The bond a proposal locks, the challenge window in blocks, and the emission per block.
    function settings() external view returns (uint256 proposerBond, uint64 challengeBlocks, uint256 emissionPerBlock) {
        return (_bond, _challengeBlocks, _emissionPerBlock);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev The next epoch of `netuid` and the snapshot block it follows (the subnet's creation for the first).
    function _previous(uint256 netuid) private view returns (uint256 epoch, uint64 prevSnapshot) {
        Progress memory progress = _progress[netuid];
        epoch = progress.nextEpoch;
        if (epoch > 0) return (epoch, progress.lastSnapshotBlock);
        (, prevSnapshot,) = _registry.subnetShape(netuid);
    }

    /// @dev The pending epoch of `netuid` whose header is `h`.
    function _pendingOf(uint256 netuid, EpochMath.Header calldata h)
        private
        view
        returns (uint256 epoch, Pending memory pending)
    {
        epoch = _progress[netuid].nextEpoch;
        pending = _pending[netuid];
        bytes32 stored = _headers[netuid][epoch];
        if (stored == bytes32(0) || pending.epoch != epoch) revert EpochsNotProposed(netuid, epoch);
        if (EpochMath.headerHash(h) != stored) revert EpochsHeaderMismatch();
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

    function _finalRecord(uint256 netuid, uint256 epoch, EpochMath.Header calldata h) private view {
        if (epoch >= _progress[netuid].nextEpoch) revert EpochsNotFinal(netuid, epoch);
        if (EpochMath.headerHash(h) != _headers[netuid][epoch]) revert EpochsHeaderMismatch();
    }

    function _markClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid) private {
        if (isClaimed(netuid, epoch, role, uid)) revert EpochsAlreadyClaimed(netuid, epoch, role, uid);
        uint256 key = uint256(role) * 65_536 + uid;
        _claimed[netuid][epoch][key >> 8] |= 1 << (key & 255);
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
