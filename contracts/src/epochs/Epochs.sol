// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MycelToken} from "../MycelToken.sol";
import {Staking} from "../Staking.sol";
import {SubnetRegistry} from "../SubnetRegistry.sol";
import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {EpochReferee} from "./EpochReferee.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/**
 * @title Epochs
 * @notice Optimistic settlement of Yuma epochs that nobody has to trust. Every tempo of a subnet, any node that has
 * deposited a bond proposes the epoch's result: the validator set with their stakes and row sums, every miner's rank
 * and new bonds column (packed in calldata, Merkle-rooted on chain) and the validators' dividends. During the
 * challenge window anyone can dispute one part; the contract recomputes just that part from the chain's own records
 * (stake checkpoints, revealed weights, who held each uid) with the same fixed-point arithmetic as the SDK, and a
 * wrong proposal loses its bond (half to the challenger, half burned). After the window the epoch is final: the
 * subnet's emission is split owner 18% / miners 41% by incentive / validators 41% by dividends, and each is claimed
 * (minted) once. docs/epochs.md has the protocol and the cost of each step.
 */
contract Epochs is ReentrancyGuardTransient {
    /// @notice Emission split in basis points: subnet owner, miners (by incentive), validators (by dividends).
    uint256 public constant OWNER_BPS = 1800;
    uint256 public constant MINERS_BPS = 4100;
    uint256 public constant VALIDATORS_BPS = 4100;

    enum Status {
        None,
        Proposed,
        Final
    }

    /// @notice A proposed or final epoch of a subnet.
    struct Epoch {
        Status status;
        address proposer;
        uint64 snapshotBlock;
        uint64 prevSnapshotBlock;
        uint64 proposedAtBlock;
        uint16 neurons;
        uint16 validatorCount;
        bytes32 validatorsHash;
        bytes32 inputsHash;
        bytes32 columnsRoot;
        bytes32 dividendsHash;
        bytes32 pruneHash;
        uint256 rankSum;
        uint256 emission;
        EpochMath.Params params;
    }

    /// @notice What a proposal states.
    struct Proposal {
        uint16[] validators;
        uint256[] stakes;
        uint256[] rowSums;
        bytes columns;
        bytes dividends;
        uint16[] pruneOrder;
    }

    MycelToken private immutable _token;
    SubnetRegistry private immutable _registry;
    Staking private immutable _staking;
    EpochReferee private immutable _referee;
    uint256 private immutable _emissionPerBlock;
    uint256 private immutable _bond;
    uint64 private immutable _challengeBlocks;

    mapping(uint256 netuid => mapping(uint256 epoch => Epoch)) private _epochs;
    mapping(uint256 netuid => uint256) private _nextEpoch;
    mapping(address proposer => uint256) private _bonds;
    mapping(address proposer => uint256) private _lockedBonds;
    mapping(uint256 netuid => mapping(uint256 epoch => mapping(uint256 word => uint256))) private _claimed;

    event BondDeposited(address indexed proposer, uint256 amount);
    event BondWithdrawn(address indexed proposer, uint256 amount);
    /// @notice Emitted with everything a proposal states, so anyone can check it.
    event EpochProposed(
        uint256 indexed netuid, uint256 indexed epoch, address indexed proposer, uint64 snapshotBlock, Proposal proposal
    );
    /// @notice Emitted when a dispute proved the proposal of `epoch` wrong in `part` (at `index`).
    event EpochDisputed(
        uint256 indexed netuid, uint256 indexed epoch, address indexed challenger, string part, uint256 index
    );
    event EpochFinalized(uint256 indexed netuid, uint256 indexed epoch, uint256 emission);
    /// @notice Emitted when `account` was paid `amount` for `role` (0 owner, 1 miner, 2 validator) of `uid`.
    event EmissionClaimed(
        uint256 indexed netuid, uint256 indexed epoch, uint8 role, uint256 uid, address account, uint256 amount
    );

    error EpochsUnknownSubnet(uint256 netuid);
    error EpochsTooEarly(uint256 netuid, uint256 epoch, uint64 snapshotBlock);
    error EpochsAlreadyProposed(uint256 netuid, uint256 epoch);
    error EpochsInsufficientBond(address proposer, uint256 available, uint256 required);
    error EpochsMalformedProposal(string reason);
    error EpochsNotProposed(uint256 netuid, uint256 epoch);
    error EpochsChallengeWindowOpen(uint256 netuid, uint256 epoch, uint64 endsAtBlock);
    error EpochsChallengeWindowClosed(uint256 netuid, uint256 epoch);
    error EpochsNotFinal(uint256 netuid, uint256 epoch);
    error EpochsInputsMismatch();
    error EpochsBadProof();
    error EpochsBadWeightsRow(uint256 index);
    /// @dev The recomputed part equals what was proposed: the dispute is wrong.
    error EpochsProposalCorrect(string part, uint256 index);
    error EpochsAlreadyClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid);
    error EpochsNothingToClaim();
    error EpochsBondLocked(uint256 locked);

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

    /// @notice Withdraws the caller's bond not locked by pending proposals. Emits {BondWithdrawn}.
    function withdrawBond(uint256 amount) external nonReentrant {
        uint256 free = _bonds[msg.sender] - _lockedBonds[msg.sender];
        if (amount > free) revert EpochsBondLocked(_lockedBonds[msg.sender]);
        _bonds[msg.sender] -= amount;
        emit BondWithdrawn(msg.sender, amount);
        _token.transfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Propose and finalize
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The next epoch of `netuid` to settle and its snapshot block.
    function nextEpoch(uint256 netuid) public view returns (uint256 epoch, uint64 snapshotBlock) {
        epoch = _nextEpoch[netuid];
        uint64 previous = epoch == 0 ? _registry.getSubnet(netuid).createdAtBlock : _epochs[netuid][epoch - 1].snapshotBlock;
        snapshotBlock = previous + _registry.getSubnetParams(netuid).tempo;
    }

    /**
     * @notice Proposes the result of the next epoch of `netuid`, locking the caller's bond until it is final.
     * Requirements: the snapshot block has passed; no pending proposal; the caller's free bond covers
     * {proposerBond}; the proposal is well formed (validators strictly increasing uids, one stake, row sum and
     * dividend per validator, one column per uid).
     * Emits {EpochProposed}.
     */
    function propose(uint256 netuid, Proposal calldata p) external {
        (uint256 epoch, uint64 snapshot) = nextEpoch(netuid);
        if (block.number <= snapshot) revert EpochsTooEarly(netuid, epoch, snapshot);
        Epoch storage e = _epochs[netuid][epoch];
        if (e.status != Status.None) revert EpochsAlreadyProposed(netuid, epoch);
        if (_bonds[msg.sender] - _lockedBonds[msg.sender] < _bond) {
            revert EpochsInsufficientBond(msg.sender, _bonds[msg.sender] - _lockedBonds[msg.sender], _bond);
        }
        uint256 v = p.validators.length;
        uint256 n = _registry.getSubnet(netuid).nextUid;
        SubnetRegistry.SubnetParams memory sp = _registry.getSubnetParams(netuid);
        if (v > sp.maxValidators) revert EpochsMalformedProposal("validators");
        if (p.stakes.length != v || p.rowSums.length != v) revert EpochsMalformedProposal("inputs");
        if (p.dividends.length != v * EpochMath.Q_BYTES) revert EpochsMalformedProposal("dividends");
        if (p.columns.length != n * EpochMath.COLUMN_BYTES) revert EpochsMalformedProposal("columns");
        if (p.pruneOrder.length > _registry.MAX_PRUNE_ORDER()) revert EpochsMalformedProposal("pruneOrder");
        for (uint256 i; i < v; ++i) {
            if (p.validators[i] >= n || (i > 0 && p.validators[i] <= p.validators[i - 1])) {
                revert EpochsMalformedProposal("validators");
            }
        }
        (bytes32 root, uint256 rankSum) = EpochMath.columnsRoot(p.columns);

        _lockedBonds[msg.sender] += _bond;
        e.status = Status.Proposed;
        e.proposer = msg.sender;
        e.snapshotBlock = snapshot;
        e.prevSnapshotBlock = epoch == 0 ? 0 : _epochs[netuid][epoch - 1].snapshotBlock;
        e.proposedAtBlock = uint64(block.number);
        e.neurons = uint16(n);
        e.validatorCount = uint16(v);
        e.validatorsHash = keccak256(abi.encode(p.validators));
        e.inputsHash = keccak256(abi.encode(p.stakes, p.rowSums));
        e.columnsRoot = root;
        e.dividendsHash = keccak256(p.dividends);
        e.pruneHash = keccak256(abi.encode(p.pruneOrder));
        e.rankSum = rankSum;
        e.params = EpochMath.Params({
            kappa: (uint256(sp.kappa) << 32) / 65_535,
            bondsPenalty: (uint256(sp.bondsPenalty) << 32) / 65_535,
            alpha: YumaMath.ONE - (uint256(sp.bondsMovingAverage) << 32) / 1_000_000,
            yuma3: sp.yuma3,
            liquidAlpha: sp.liquidAlpha,
            alphaLow: (uint256(sp.alphaLow) << 32) / 65_535,
            alphaHigh: (uint256(sp.alphaHigh) << 32) / 65_535,
            steepness: sp.alphaSigmoidSteepness
        });
        emit EpochProposed(netuid, epoch, msg.sender, snapshot, p);
    }

    /**
     * @notice Makes the pending epoch of `netuid` final once its challenge window has passed: fixes its emission,
     * unlocks the proposer's bond, and records validator permits and the prune order in the registry.
     * @param validators The proposal's validators (checked against its hash).
     * @param pruneOrder The proposal's prune order (checked against its hash).
     * Emits {EpochFinalized}.
     */
    function finalize(uint256 netuid, uint16[] calldata validators, uint16[] calldata pruneOrder) external {
        uint256 epoch = _nextEpoch[netuid];
        Epoch storage e = _epochs[netuid][epoch];
        if (e.status != Status.Proposed) revert EpochsNotProposed(netuid, epoch);
        uint64 ends = e.proposedAtBlock + _challengeBlocks;
        if (block.number <= ends) revert EpochsChallengeWindowOpen(netuid, epoch, ends);
        if (keccak256(abi.encode(validators)) != e.validatorsHash) revert EpochsInputsMismatch();
        if (keccak256(abi.encode(pruneOrder)) != e.pruneHash) revert EpochsInputsMismatch();

        uint256 total = _staking.totalStakeAt(e.snapshotBlock);
        uint256 blocks = e.snapshotBlock - (epoch == 0 ? _registry.getSubnet(netuid).createdAtBlock : e.prevSnapshotBlock);
        e.emission = total == 0 ? 0 : (_emissionPerBlock * blocks * _staking.subnetStakeAt(netuid, e.snapshotBlock)) / total;
        e.status = Status.Final;
        _nextEpoch[netuid] = epoch + 1;
        _lockedBonds[e.proposer] -= _bond;

        uint256 words = (uint256(e.neurons) + 255) / 256;
        uint256[] memory permits = new uint256[](words == 0 ? 1 : words);
        for (uint256 i; i < validators.length; ++i) {
            permits[validators[i] >> 8] |= 1 << (validators[i] & 255);
        }
        emit EpochFinalized(netuid, epoch, e.emission);
        _registry.applyEpoch(netuid, e.snapshotBlock, permits, pruneOrder);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Pays miner `uid` its share of a final epoch's miner emission: 41% x rank / (sum of ranks), minted to
     * the hotkey that held the uid at the snapshot.
     * Requirements: the epoch is final; the column leaf and proof match its root; not claimed before.
     * Emits {EmissionClaimed}.
     */
    function claimMiner(
        uint256 netuid,
        uint256 epoch,
        uint16 uid,
        uint256 rank,
        bytes20 bondsColumnHash,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        Epoch storage e = _final(netuid, epoch);
        if (!MerkleProof.verifyCalldata(proof, e.columnsRoot, EpochMath.leaf(uid, rank, bondsColumnHash))) {
            revert EpochsBadProof();
        }
        _markClaimed(netuid, epoch, 1, uid);
        if (e.rankSum == 0) revert EpochsNothingToClaim();
        amount = (e.emission * MINERS_BPS / 10_000) * rank / e.rankSum;
        (address hotkey,) = _registry.neuronAt(netuid, uid, e.snapshotBlock);
        emit EmissionClaimed(netuid, epoch, 1, uid, hotkey, amount);
        if (amount > 0) _token.mint(hotkey, amount);
    }

    /**
     * @notice Pays validator number `index` of a final epoch its dividends: 41% x its dividend share, through
     * {Staking-distribute}, so its delegate take and its stakers' shares apply.
     * Emits {EmissionClaimed}.
     */
    function claimValidator(
        uint256 netuid,
        uint256 epoch,
        uint256 index,
        uint16[] calldata validators,
        bytes calldata dividends
    ) external nonReentrant returns (uint256 amount) {
        Epoch storage e = _final(netuid, epoch);
        if (keccak256(abi.encode(validators)) != e.validatorsHash || keccak256(dividends) != e.dividendsHash) {
            revert EpochsInputsMismatch();
        }
        uint16 uid = validators[index];
        _markClaimed(netuid, epoch, 2, uid);
        amount = YumaMath.mulQ(e.emission * VALIDATORS_BPS / 10_000, EpochMath.q(dividends, index));
        if (amount == 0) revert EpochsNothingToClaim();
        (address hotkey,) = _registry.neuronAt(netuid, uid, e.snapshotBlock);
        emit EmissionClaimed(netuid, epoch, 2, uid, hotkey, amount);
        _token.mint(address(this), amount);
        _token.approve(address(_staking), amount);
        _staking.distribute(netuid, hotkey, amount);
    }

    /// @notice Pays the subnet owner its 18% of a final epoch. Emits {EmissionClaimed}.
    function claimOwner(uint256 netuid, uint256 epoch) external nonReentrant returns (uint256 amount) {
        Epoch storage e = _final(netuid, epoch);
        _markClaimed(netuid, epoch, 0, 0);
        amount = e.emission * OWNER_BPS / 10_000;
        address owner = _registry.getSubnet(netuid).owner;
        emit EmissionClaimed(netuid, epoch, 0, 0, owner, amount);
        if (amount > 0) _token.mint(owner, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Disputes: each recomputes one part; a mismatch slashes the proposer and reopens the epoch.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Disputes the stake stated for validator `index`: its stake at the snapshot if its weights were revealed
     * within the activity cutoff, else zero.
     */
    function disputeStake(uint256 netuid, EpochMath.Inputs calldata inputs, uint256 index) external {
        Epoch storage e = _pending(netuid);
        _checkInputs(e, inputs);
        uint256 stake = _referee.activeStake(netuid, inputs.validators[index], e.snapshotBlock);
        if (stake == inputs.stakes[index]) revert EpochsProposalCorrect("stake", index);
        _slash(netuid, e, "stake", index);
    }

    /**
     * @notice Disputes the validator set: `index` names a validator without stake at the snapshot, or
     * `omitted` (when `index` is out of range) a neuron with stake that belongs in the top `maxValidators`.
     */
    function disputeValidators(uint256 netuid, uint16[] calldata validators, uint256 index, uint16 omitted) external {
        Epoch storage e = _pending(netuid);
        if (keccak256(abi.encode(validators)) != e.validatorsHash) revert EpochsInputsMismatch();
        bool wrong = index < validators.length
            ? _referee.stakeAt(netuid, validators[index], e.snapshotBlock) == 0
            : omitted < e.neurons
                && _referee.belongsInSet(netuid, validators, omitted, e.snapshotBlock, _registry.getSubnetParams(netuid).maxValidators);
        uint256 at = index < validators.length ? index : omitted;
        if (!wrong) revert EpochsProposalCorrect("validators", at);
        _slash(netuid, e, "validators", at);
    }

    /**
     * @notice Disputes the row sum stated for validator `index`: the sum of its revealed weights after masking
     * (self-weight, empty uids, and uids registered at or after its commit).
     */
    function disputeRowSum(uint256 netuid, EpochMath.Inputs calldata inputs, uint256 index, bytes calldata row) external {
        Epoch storage e = _pending(netuid);
        _checkInputs(e, inputs);
        uint256 sum = _referee.rowSum(_context(netuid, e), inputs.validators[index], row);
        if (sum == inputs.rowSums[index]) revert EpochsProposalCorrect("rowSum", index);
        _slash(netuid, e, "rowSum", index);
    }

    /**
     * @notice Disputes one miner's column: the contract recomputes its consensus, rank and new bonds from the
     * validators' revealed weights, the stated stakes and row sums, and the previous epoch's bonds column.
     */
    function disputeColumn(uint256 netuid, EpochMath.Inputs calldata inputs, EpochMath.ColumnEvidence calldata c)
        external
    {
        Epoch storage e = _pending(netuid);
        _checkInputs(e, inputs);
        if (!MerkleProof.verifyCalldata(c.proof, e.columnsRoot, EpochMath.leaf(c.uid, c.rank, c.bondsColumnHash))) {
            revert EpochsBadProof();
        }
        (uint256 rank, bytes20 hash) = _referee.column(_context(netuid, e), inputs, c);
        if (rank == c.rank && hash == c.bondsColumnHash) revert EpochsProposalCorrect("column", c.uid);
        _slash(netuid, e, "column", c.uid);
    }

    /**
     * @notice Disputes the dividends: the contract recomputes every validator's dividend from the stated stakes,
     * ranks and new bonds columns (`bonds`: every column's packed values, column after column).
     */
    function disputeDividends(
        uint256 netuid,
        EpochMath.Inputs calldata inputs,
        bytes calldata columns,
        bytes calldata bonds,
        bytes calldata dividends
    ) external {
        Epoch storage e = _pending(netuid);
        _checkInputs(e, inputs);
        if (keccak256(dividends) != e.dividendsHash) revert EpochsInputsMismatch();
        (uint256[] memory d, bytes32 root) = _referee.dividends(e.params.yuma3, e.neurons, inputs, EpochReferee.Packed(columns, bonds));
        if (root != e.columnsRoot) revert EpochsInputsMismatch();
        for (uint256 i; i < d.length; ++i) {
            if (d[i] != EpochMath.q(dividends, i)) {
                _slash(netuid, e, "dividends", i);
                return;
            }
        }
        revert EpochsProposalCorrect("dividends", 0);
    }

    function _context(uint256 netuid, Epoch storage e) private view returns (EpochReferee.Context memory ctx) {
        uint256 epoch = _nextEpoch[netuid];
        ctx.netuid = netuid;
        ctx.snapshotBlock = e.snapshotBlock;
        ctx.neurons = e.neurons;
        ctx.params = e.params;
        if (epoch > 0) {
            Epoch storage prev = _epochs[netuid][epoch - 1];
            ctx.hasPrev = true;
            ctx.prevSnapshotBlock = prev.snapshotBlock;
            ctx.prevNeurons = prev.neurons;
            ctx.prevValidatorsHash = prev.validatorsHash;
            ctx.prevColumnsRoot = prev.columnsRoot;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    function getEpoch(uint256 netuid, uint256 epoch) external view returns (Epoch memory) {
        return _epochs[netuid][epoch];
    }

    function isClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid) public view returns (bool) {
        uint256 key = uint256(role) * 65_536 + uid;
        return (_claimed[netuid][epoch][key >> 8] >> (key & 255)) & 1 == 1;
    }

    function bondOf(address proposer) external view returns (uint256 deposited, uint256 locked) {
        return (_bonds[proposer], _lockedBonds[proposer]);
    }

    /// @notice The bond a proposal locks, the challenge window in blocks, and the emission per block.
    function settings() external view returns (uint256 proposerBond, uint64 challengeBlocks, uint256 emissionPerBlock) {
        return (_bond, _challengeBlocks, _emissionPerBlock);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    function _pending(uint256 netuid) private view returns (Epoch storage e) {
        uint256 epoch = _nextEpoch[netuid];
        e = _epochs[netuid][epoch];
        if (e.status != Status.Proposed) revert EpochsNotProposed(netuid, epoch);
        if (block.number > e.proposedAtBlock + _challengeBlocks) revert EpochsChallengeWindowClosed(netuid, epoch);
    }

    function _final(uint256 netuid, uint256 epoch) private view returns (Epoch storage e) {
        e = _epochs[netuid][epoch];
        if (e.status != Status.Final) revert EpochsNotFinal(netuid, epoch);
    }

    function _markClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid) private {
        if (isClaimed(netuid, epoch, role, uid)) revert EpochsAlreadyClaimed(netuid, epoch, role, uid);
        uint256 key = uint256(role) * 65_536 + uid;
        _claimed[netuid][epoch][key >> 8] |= 1 << (key & 255);
    }

    function _checkInputs(Epoch storage e, EpochMath.Inputs calldata inputs) private view {
        if (keccak256(abi.encode(inputs.validators)) != e.validatorsHash) revert EpochsInputsMismatch();
        if (keccak256(abi.encode(inputs.stakes, inputs.rowSums)) != e.inputsHash) revert EpochsInputsMismatch();
    }

    /// @dev Slashes the proposer: half the bond to the challenger, half burned; the epoch can be proposed again.
    function _slash(uint256 netuid, Epoch storage e, string memory part, uint256 index) private {
        uint256 epoch = _nextEpoch[netuid];
        address proposer = e.proposer;
        _lockedBonds[proposer] -= _bond;
        _bonds[proposer] -= _bond;
        delete _epochs[netuid][epoch];
        emit EpochDisputed(netuid, epoch, msg.sender, part, index);
        uint256 reward = _bond / 2;
        _token.transfer(msg.sender, reward);
        _token.burn(_bond - reward);
    }

}
