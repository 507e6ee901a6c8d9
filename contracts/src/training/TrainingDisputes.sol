// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";
import {TrainingMerkle} from "./TrainingMerkle.sol";
import {TrainingOps} from "./TrainingOps.sol";
import {TrainingReferee} from "./TrainingReferee.sol";
import {TrainingShapes} from "./TrainingShapes.sol";

/**
 * @title TrainingDisputes
 * @notice The dispute game of verifiable training (docs/training.md, "The dispute game"). A staked challenger who
 * re-executed part of a job and disagrees narrows the disagreement down to one scalar operation of the engine, which
 * this contract recomputes in binary32 ({Float32}, {TrainingOps}) from inputs proven against roots the provider
 * committed:
 * 1. **Checkpoint**: the challenger proves checkpoints i (agreed) and i + 1 (disputed) under the job's checkpoint
 *    root; i + 1 = 0 disputes the initial state, and `challengeModel` disputes the model root instead.
 * 2. **Step**: k-ary bisection: the provider posts the state hashes at up to 15 evenly spaced steps inside the
 *    segment, the challenger picks the first sub-segment it disagrees with, until one step remains.
 * 3. **Operation**: the provider opens the step: the agreed and the disputed state (tensor roots and scalars that
 *    hash to them) and the roots of every operation's outputs (the trace); the challenger names one tensor — an
 *    operation's output, or a parameter or optimizer slot of the next state (the update).
 * 4. **Element**: descent of the tensor's Merkle tree, four levels a round (the provider reveals up to 16 nodes that
 *    hash up to the current one, the challenger picks one), then the provider reveals the chunk, and the challenger
 *    names one value in it.
 * 5. **Partial sum**: for a reduction, k-ary bisection over the element's fixed-order partial sums s₀ = +0 …
 *    s_K = the value, to one term; then the provider proves the inputs and the contract recomputes: a product term
 *    s + a·b, a sum term, bias, ReLU, its gradient, a softmax row, an optimizer update, a batch row against the
 *    dataset root, or an initial weight from the seed.
 * Each side has a chess clock; a move after it ran out is refused and anyone may then end the dispute against that
 * side ({timeout}). The loser's bond pays a tenth to the winner, the rest is burned (TrainingJobs); a losing provider's
 * job reopens. No transaction of the game comes near the 16,777,216 gas cap (bench/training.ts measures it).
 *
 * Longer than 400 lines: the game is one state machine; its arithmetic lives in TrainingOps and its shapes in
 * TrainingShapes.
 */
contract TrainingDisputes is ReentrancyGuard {
    enum Phase {
        None,
        Bisect, // provider: post the values inside the segment
        Pick, // challenger: pick a sub-segment
        Open, // provider: open the disputed step
        OpenInit, // provider: open the initial state
        Name, // challenger: name a tensor
        Descend, // provider: reveal nodes four levels down
        PickNode, // challenger: pick a node
        Chunk, // provider: reveal the leaf's chunk
        Lane, // challenger: name a value of the chunk
        Resolve, // provider: prove the inputs of the one operation left
        Model, // provider: show the model root is the final state's
        Done
    }

    /// @notice Which tensor a dispute descends: a trace entry's output, the next state's (the update) or the first's.
    uint8 internal constant TARGET_ENTRY = 0;
    uint8 internal constant TARGET_UPDATE = 1;
    uint8 internal constant TARGET_INIT = 2;

    /// @notice Values posted per bisection round at most (sub-segments: one more).
    uint256 public constant FANOUT = 16;
    /// @notice Tree levels revealed per descent round.
    uint256 public constant DESCENT = 4;

    /// @notice A state hash opened: its tensor roots and optimizer scalars (commit.ts `StateOpening`).
    struct StateOpening {
        bytes32[] params;
        bytes32[] slots;
        uint64 optimizerStep;
        uint32 beta1Power;
        uint32 beta2Power;
    }

    /// @notice A step opened: the state before (agreed), after (disputed) and the trace's output roots in entry order.
    struct StepOpening {
        StateOpening start;
        StateOpening end;
        bytes32[] trace;
    }

    /// @notice One tensor element proven: the chunk holding it and the chunk's Merkle proof.
    struct Proven {
        bytes32 chunk;
        bytes32[] proof;
    }

    /**
     * @notice What the provider proves at the end: the elements the operation reads, in the order
     * TrainingReferee.termInputs / elementInputs give (an update: the parameter, its slots, its gradient); for a batch
     * row, the example (binary32 features little-endian ‖ uint32 label) and its proof under the dataset root.
     */
    struct Evidence {
        Proven[] inputs;
        bytes example;
        bytes32[] exampleProof;
    }

    struct Dispute {
        uint256 jobId;
        address provider;
        address challenger;
        uint32 providerClock; // seconds left
        uint32 challengerClock;
        uint32 lastMove;
        Phase phase;
        uint8 target;
        uint8 output;
        uint32 entry; // trace entry, or parameter tensor for the update and the initial state
        uint64 step; // the disputed step: the state after `step` steps is agreed, after step + 1 disputed
        uint64 lo; // bisection segment: the value at lo is agreed, at hi disputed
        uint64 hi;
        bytes32 loValue;
        bytes32 hiValue;
        bytes32 posted; // keccak256 of the values posted this round
        bytes32 specHash;
        bytes32 opening; // keccak256 of the step's (or the initial state's) opening
        bytes32 node; // descent: the current node, at `level`, index `index`
        uint32 level;
        uint32 index;
        uint32 element;
        uint32 claimed; // the provider's value of the disputed element
    }

    ITrainingJobs private immutable _jobs;
    TrainingReferee private immutable _referee;
    uint32 private constant ONE = 0x3F800000;
    uint256 private _disputeCount;
    mapping(uint256 => Dispute) private _disputes;

    event DisputeOpened(uint256 indexed disputeId, uint256 indexed jobId, address indexed challenger, uint256 checkpoint);
    event Moved(uint256 indexed disputeId, Phase phase, uint64 lo, uint64 hi);
    event Posted(uint256 indexed disputeId, bytes32[] values);
    event StepOpened(uint256 indexed disputeId, uint64 step, bytes opening);
    event Named(uint256 indexed disputeId, uint8 target, uint32 entry, uint8 output, uint32 chunks);
    event Descended(uint256 indexed disputeId, uint32 level, bytes32[] nodes);
    event ChunkRevealed(uint256 indexed disputeId, uint32 index, bytes32 chunk);
    event ElementNamed(uint256 indexed disputeId, uint32 element, uint32 claimed, uint32 terms);
    event Resolved(uint256 indexed disputeId, bool providerLost, string reason);

    error TrainingDisputesUnknown(uint256 disputeId);
    error TrainingDisputesWrongPhase(uint256 disputeId, Phase phase);
    error TrainingDisputesNotYourTurn(uint256 disputeId, address caller);
    error TrainingDisputesClockRanOut(uint256 disputeId, uint256 overBy);
    error TrainingDisputesClockRunning(uint256 disputeId, uint256 left);
    error TrainingDisputesSpecMismatch();
    error TrainingDisputesOpeningMismatch();
    error TrainingDisputesPostedMismatch();
    error TrainingDisputesBadProof(string what);
    error TrainingDisputesBadCheckpoint(uint256 index, uint256 count);
    error TrainingDisputesBadCount(string what, uint256 got, uint256 expected);
    error TrainingDisputesBadIndex(string what, uint256 index, uint256 limit);
    error TrainingDisputesStateMismatch(string which);
    error TrainingDisputesBadScalars(string which);

    constructor(ITrainingJobs jobs_, TrainingReferee referee_) {
        _jobs = jobs_;
        _referee = referee_;
    }

    // ---------------------------------------------------------------- 1. the challenge

    /**
     * @notice Challenges job `jobId`'s checkpoint `index` (1..N) given the agreed checkpoint `index − 1`, or the
     * initial state (`index` 0). Locks the caller's bond (TrainingJobs: registered, bond free, window open).
     * @param agreed checkpoint index − 1's state hash (ignored for index 0)
     * @param disputed checkpoint index's state hash
     */
    function challenge(
        uint256 jobId,
        ITrainingJobs.Spec calldata spec,
        uint256 index,
        bytes32 agreed,
        bytes32[] calldata agreedProof,
        bytes32 disputed,
        bytes32[] calldata disputedProof
    ) external nonReentrant returns (uint256 id) {
        ITrainingJobs.DisputeInfo memory info = _jobs.disputeInfo(jobId);
        bytes32 specHash = keccak256(abi.encode(spec));
        if (specHash != info.specHash) revert TrainingDisputesSpecMismatch();
        uint256 count = uint256(spec.steps) / spec.checkpointEvery + 1;
        if (index >= count) revert TrainingDisputesBadCheckpoint(index, count);
        if (!TrainingMerkle.verify(info.checkpointRoot, index, disputed, disputedProof)) {
            revert TrainingDisputesBadProof("disputed checkpoint");
        }
        if (index > 0 && !TrainingMerkle.verify(info.checkpointRoot, index - 1, agreed, agreedProof)) {
            revert TrainingDisputesBadProof("agreed checkpoint");
        }
        id = _start(jobId, info, specHash);
        Dispute storage d = _disputes[id];
        d.hiValue = disputed;
        if (index == 0) {
            d.phase = Phase.OpenInit;
        } else {
            d.loValue = agreed;
            d.lo = uint64((index - 1) * spec.checkpointEvery);
            d.hi = uint64(index * spec.checkpointEvery);
            _afterSegment(d);
        }
        emit DisputeOpened(id, jobId, msg.sender, index);
    }

    /// @notice Challenges the model root: the provider must show it is the parameters part of the final state.
    function challengeModel(uint256 jobId) external nonReentrant returns (uint256 id) {
        ITrainingJobs.DisputeInfo memory info = _jobs.disputeInfo(jobId);
        id = _start(jobId, info, info.specHash);
        _disputes[id].phase = Phase.Model;
        emit DisputeOpened(id, jobId, msg.sender, type(uint256).max);
    }

    /// @notice The provider shows keccak256(abi.encode(steps, modelRoot, optimizerPart)) is the final state.
    function answerModel(uint256 id, ITrainingJobs.Spec calldata spec, bytes32 optimizerPart) external nonReentrant {
        Dispute storage d = _move(id, Phase.Model, true);
        _checkSpec(d, spec);
        ITrainingJobs.DisputeInfo memory info = _jobs.disputeInfo(d.jobId);
        bytes32 h = keccak256(abi.encode(uint64(spec.steps), info.modelRoot, optimizerPart));
        if (h != info.finalState) revert TrainingDisputesStateMismatch("final");
        _end(id, d, false, "the model root is the final state's");
    }

    // ---------------------------------------------------------------- 2. and 5. k-ary bisection

    /**
     * @notice The provider posts its values at the segment's inner points: state hashes while bisecting steps,
     * partial sums (binary32 bits in the low 32 bits) while bisecting a reduction. With n = min(16, hi − lo)
     * sub-segments, point j is lo + (hi − lo)·j / n, and `values` holds points 1 … n − 1.
     */
    function bisect(uint256 id, bytes32[] calldata values) external nonReentrant {
        Dispute storage d = _move(id, Phase.Bisect, true);
        uint256 n = _subSegments(d);
        if (values.length != n - 1) revert TrainingDisputesBadCount("values", values.length, n - 1);
        d.posted = keccak256(abi.encode(values));
        d.phase = Phase.Pick;
        emit Posted(id, values);
    }

    /// @notice The challenger picks sub-segment `j`: it agrees with the value at point j and disputes point j + 1.
    function pick(uint256 id, bytes32[] calldata values, uint256 j) external nonReentrant {
        Dispute storage d = _move(id, Phase.Pick, false);
        if (keccak256(abi.encode(values)) != d.posted) revert TrainingDisputesPostedMismatch();
        uint256 n = values.length + 1;
        if (j >= n) revert TrainingDisputesBadIndex("sub-segment", j, n);
        uint64 span = d.hi - d.lo;
        uint64 lo = d.lo;
        if (j > 0) d.loValue = values[j - 1];
        if (j + 1 < n) d.hiValue = values[j];
        d.lo = lo + uint64(uint256(span) * j / n);
        d.hi = lo + uint64(uint256(span) * (j + 1) / n);
        _afterSegment(d);
        emit Moved(id, d.phase, d.lo, d.hi);
    }

    // ---------------------------------------------------------------- 3. the step and the tensor

    /**
     * @notice The provider opens the disputed step: the agreed state, the disputed state and the trace's roots.
     * Requirements: both states hash to the segment's values with the step counts `step` and `step + 1`; shapes that
     * fit the spec; the optimizer's step advanced by one and (Adam) the β powers multiplied once.
     */
    function openStep(uint256 id, ITrainingJobs.Spec calldata spec, bytes calldata opening) external nonReentrant {
        Dispute storage d = _move(id, Phase.Open, true);
        _checkSpec(d, spec);
        StepOpening memory o = abi.decode(opening, (StepOpening));
        if (_stateHash(spec, d.step, o.start) != d.loValue) revert TrainingDisputesStateMismatch("agreed");
        if (_stateHash(spec, d.step + 1, o.end) != d.hiValue) revert TrainingDisputesStateMismatch("disputed");
        uint256 roots = TrainingShapes.traceRoots(spec);
        if (o.trace.length != roots) revert TrainingDisputesBadCount("trace roots", o.trace.length, roots);
        if (o.end.optimizerStep != o.start.optimizerStep + 1) revert TrainingDisputesBadScalars("optimizer step");
        (uint32 b1, uint32 b2) = spec.optimizer == TrainingOps.ADAM
            ? (_referee.mul(o.start.beta1Power, spec.beta1), _referee.mul(o.start.beta2Power, spec.beta2))
            : (o.start.beta1Power, o.start.beta2Power);
        if (o.end.beta1Power != b1 || o.end.beta2Power != b2) revert TrainingDisputesBadScalars("beta powers");
        d.opening = keccak256(opening);
        d.phase = Phase.Name;
        emit StepOpened(id, d.step, opening);
    }

    /**
     * @notice The provider opens the initial state: step 0, optimizer step 0, β powers 1, the disputed hash.
     * `o.end` and `o.trace` stay empty.
     */
    function openInit(uint256 id, ITrainingJobs.Spec calldata spec, bytes calldata opening) external nonReentrant {
        Dispute storage d = _move(id, Phase.OpenInit, true);
        _checkSpec(d, spec);
        StepOpening memory o = abi.decode(opening, (StepOpening));
        if (_stateHash(spec, 0, o.start) != d.hiValue) revert TrainingDisputesStateMismatch("initial");
        if (
            o.start.optimizerStep != 0 || o.start.beta1Power != ONE || o.start.beta2Power != ONE
        ) revert TrainingDisputesBadScalars("initial");
        if (o.trace.length != 0 || o.end.params.length != 0) revert TrainingDisputesBadCount("end and trace", 1, 0);
        d.opening = keccak256(opening);
        d.target = TARGET_INIT;
        d.phase = Phase.Name;
        emit StepOpened(id, 0, opening);
    }

    /**
     * @notice The challenger names the tensor it disputes: for a step, trace entry `entry`'s output `output`
     * (`target` 0), or the next state's parameter tensor `entry` (`output` 0) or its optimizer slot `output` − 1
     * (`target` 1); for the initial state (`target` ignored), parameter tensor `entry` or its slot.
     */
    function name(
        uint256 id,
        ITrainingJobs.Spec calldata spec,
        bytes calldata opening,
        uint8 target,
        uint32 entry,
        uint8 output
    ) external nonReentrant {
        Dispute storage d = _move(id, Phase.Name, false);
        StepOpening memory o = _opening(d, spec, opening);
        if (d.target != TARGET_INIT) {
            if (target > TARGET_UPDATE) revert TrainingDisputesBadIndex("target", target, 2);
            d.target = target;
        }
        d.entry = entry;
        d.output = output;
        (bytes32 root, uint256 size) = _tensor(d, spec, o);
        uint256 chunks = (size + 7) / 8;
        d.node = root;
        d.level = uint32(TrainingShapes.height(chunks));
        d.index = 0;
        d.phase = d.level == 0 ? Phase.Chunk : Phase.Descend;
        emit Named(id, d.target, entry, output, uint32(chunks));
    }

    // ---------------------------------------------------------------- 4. the element

    /**
     * @notice The provider reveals the current node's descendants `min(4, level)` levels down (those that exist, in
     * order); they must hash up to the node.
     */
    function descend(uint256 id, ITrainingJobs.Spec calldata spec, bytes calldata opening, bytes32[] calldata nodes)
        external
        nonReentrant
    {
        Dispute storage d = _move(id, Phase.Descend, true);
        StepOpening memory o = _opening(d, spec, opening);
        (, uint256 size) = _tensor(d, spec, o);
        uint256 chunks = (size + 7) / 8;
        uint256 down = d.level < DESCENT ? d.level : DESCENT;
        (, uint256 count) = TrainingShapes.descendants(chunks, d.level, d.index, down);
        if (nodes.length != count) revert TrainingDisputesBadCount("nodes", nodes.length, count);
        if (TrainingShapes.hashUp(nodes, down) != d.node) {
            revert TrainingDisputesBadProof("nodes");
        }
        d.posted = keccak256(abi.encode(nodes));
        d.phase = Phase.PickNode;
        emit Descended(id, uint32(d.level - down), nodes);
    }

    /// @notice The challenger picks the descendant `j` it disputes.
    function pickNode(uint256 id, bytes32[] calldata nodes, uint256 j) external nonReentrant {
        Dispute storage d = _move(id, Phase.PickNode, false);
        if (keccak256(abi.encode(nodes)) != d.posted) revert TrainingDisputesPostedMismatch();
        if (j >= nodes.length) revert TrainingDisputesBadIndex("node", j, nodes.length);
        uint256 down = d.level < DESCENT ? d.level : DESCENT;
        d.node = nodes[j];
        d.index = uint32((uint256(d.index) << down) + j);
        d.level -= uint32(down);
        d.phase = d.level == 0 ? Phase.Chunk : Phase.Descend;
        emit Moved(id, d.phase, d.level, d.index);
    }

    /// @notice The provider reveals the chunk of the leaf reached.
    function revealChunk(uint256 id, bytes32 chunk) external nonReentrant {
        Dispute storage d = _move(id, Phase.Chunk, true);
        if (TrainingMerkle.leaf(d.index, chunk) != d.node) revert TrainingDisputesBadProof("chunk");
        d.node = chunk;
        d.phase = Phase.Lane;
        emit ChunkRevealed(id, d.index, chunk);
    }

    /**
     * @notice The challenger names value `lane` of the chunk. A lane past the tensor's end must hold +0 (padding);
     * for padding and for the initial state the contract decides at once; for a reduction the partial sums are
     * bisected next; otherwise the provider proves the inputs.
     */
    function nameLane(uint256 id, ITrainingJobs.Spec calldata spec, bytes calldata opening, uint256 lane)
        external
        nonReentrant
    {
        Dispute storage d = _move(id, Phase.Lane, false);
        StepOpening memory o = _opening(d, spec, opening);
        (uint256 size, uint256 terms) = _tensorSize(d, spec, o);
        if (lane >= 8) revert TrainingDisputesBadIndex("lane", lane, 8);
        uint256 element = uint256(d.index) * 8 + lane;
        d.element = uint32(element);
        d.claimed = TrainingMerkle.wordOf(d.node, lane);
        emit ElementNamed(id, d.element, d.claimed, uint32(terms));
        if (element >= size) {
            // Padding past the tensor's end is +0 in every honest commitment (audit F3).
            bool padded = d.claimed != 0;
            _end(id, d, padded, padded ? "padding is not zero" : "padding is zero");
            return;
        }
        if (d.target == TARGET_INIT) {
            uint32 expected = _initialValue(spec, d.entry, d.output, element);
            bool wrong = expected != d.claimed;
            _end(id, d, wrong, wrong ? "initial value differs" : "initial value is right");
            return;
        }
        if (terms == 0) {
            d.phase = Phase.Resolve;
            return;
        }
        d.lo = 0;
        d.hi = uint64(terms);
        d.loValue = bytes32(0); // s₀ = +0
        d.hiValue = bytes32(uint256(d.claimed));
        _afterSegment(d);
    }

    // ---------------------------------------------------------------- the referee

    /**
     * @notice The provider proves the inputs of the one operation left and the contract recomputes it. The provider
     * wins when the result is its value.
     */
    function resolve(uint256 id, ITrainingJobs.Spec calldata spec, bytes calldata opening, Evidence calldata evidence)
        external
        nonReentrant
    {
        Dispute storage d = _move(id, Phase.Resolve, true);
        StepOpening memory o = _opening(d, spec, opening);
        uint32 expected;
        uint32 claimed = d.claimed;
        if (d.target == TARGET_UPDATE) {
            expected = _update(d, spec, o, evidence.inputs);
        } else {
            (uint8 op,,, uint256 terms) = _referee.entry(spec, d.entry, d.output);
            if (op == TrainingShapes.OP_BATCH) {
                expected = _batch(d, spec, evidence.example, evidence.exampleProof);
            } else if (terms > 0) {
                // The last term: s_hi = s_lo + term(lo).
                claimed = uint32(uint256(d.hiValue));
                expected = _term(d, spec, o, op, evidence.inputs);
            } else {
                expected = _elementwise(d, spec, o, op, evidence.inputs);
            }
        }
        // Bit equality: the referee's NaN is the canonical one, and so is every NaN the engine commits.
        bool wrong = expected != claimed;
        _end(id, d, wrong, wrong ? "recomputed value differs" : "recomputed value matches");
    }

    /// @notice Ends a dispute whose side to move let its clock run out: that side loses (anyone may call).
    function timeout(uint256 id) external nonReentrant {
        Dispute storage d = _dispute(id);
        if (d.phase == Phase.Done) revert TrainingDisputesWrongPhase(id, d.phase);
        bool providerToMove = _providerMoves(d.phase);
        uint256 left = providerToMove ? d.providerClock : d.challengerClock;
        uint256 elapsed = block.timestamp - d.lastMove;
        if (elapsed <= left) revert TrainingDisputesClockRunning(id, left - elapsed);
        _end(id, d, providerToMove, providerToMove ? "provider timed out" : "challenger timed out");
    }

    // ---------------------------------------------------------------- views

    function getDispute(uint256 id) external view returns (Dispute memory) {
        return _dispute(id);
    }

    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /// @notice Whose move it is (true: the provider's) and how many seconds its clock has left now.
    function turn(uint256 id) external view returns (bool providerToMove, uint256 left) {
        Dispute storage d = _dispute(id);
        providerToMove = _providerMoves(d.phase);
        uint256 clock = providerToMove ? d.providerClock : d.challengerClock;
        uint256 elapsed = block.timestamp - d.lastMove;
        left = elapsed >= clock ? 0 : clock - elapsed;
    }

    // ---------------------------------------------------------------- internals: the game

    function _start(uint256 jobId, ITrainingJobs.DisputeInfo memory info, bytes32 specHash)
        private
        returns (uint256 id)
    {
        _jobs.beginDispute(jobId, msg.sender);
        id = ++_disputeCount;
        Dispute storage d = _disputes[id];
        d.jobId = jobId;
        d.provider = info.provider;
        d.challenger = msg.sender;
        d.providerClock = info.clock;
        d.challengerClock = info.clock;
        d.lastMove = uint32(block.timestamp);
        d.specHash = specHash;
    }

    /// @dev Charges the mover's clock; refuses a move out of turn, in another phase or after the clock ran out.
    function _move(uint256 id, Phase phase, bool byProvider) private returns (Dispute storage d) {
        d = _dispute(id);
        if (d.phase != phase) revert TrainingDisputesWrongPhase(id, d.phase);
        if (msg.sender != (byProvider ? d.provider : d.challenger)) revert TrainingDisputesNotYourTurn(id, msg.sender);
        uint256 elapsed = block.timestamp - d.lastMove;
        uint256 left = byProvider ? d.providerClock : d.challengerClock;
        if (elapsed > left) revert TrainingDisputesClockRanOut(id, elapsed - left);
        if (byProvider) d.providerClock = uint32(left - elapsed);
        else d.challengerClock = uint32(left - elapsed);
        d.lastMove = uint32(block.timestamp);
    }

    function _providerMoves(Phase phase) private pure returns (bool) {
        return phase != Phase.Pick && phase != Phase.Name && phase != Phase.PickNode && phase != Phase.Lane;
    }

    /// @dev After the segment changed: one step or term left → open it / resolve it; else bisect again.
    function _afterSegment(Dispute storage d) private {
        if (d.hi - d.lo > 1) {
            d.phase = Phase.Bisect;
        } else if (d.opening == bytes32(0)) {
            d.step = d.lo;
            d.phase = Phase.Open;
        } else {
            d.phase = Phase.Resolve;
        }
    }

    function _subSegments(Dispute storage d) private view returns (uint256) {
        uint256 span = d.hi - d.lo;
        return span < FANOUT ? span : FANOUT;
    }

    function _end(uint256 id, Dispute storage d, bool providerLost, string memory reason) private {
        d.phase = Phase.Done;
        emit Resolved(id, providerLost, reason);
        _jobs.endDispute(d.jobId, d.challenger, providerLost);
    }

    function _dispute(uint256 id) private view returns (Dispute storage d) {
        d = _disputes[id];
        if (d.phase == Phase.None) revert TrainingDisputesUnknown(id);
    }

    function _checkSpec(Dispute storage d, ITrainingJobs.Spec calldata spec) private view {
        if (keccak256(abi.encode(spec)) != d.specHash) revert TrainingDisputesSpecMismatch();
    }

    function _opening(Dispute storage d, ITrainingJobs.Spec calldata spec, bytes calldata opening)
        private
        view
        returns (StepOpening memory)
    {
        _checkSpec(d, spec);
        if (keccak256(opening) != d.opening) revert TrainingDisputesOpeningMismatch();
        return abi.decode(opening, (StepOpening));
    }

    /// @dev keccak256(abi.encode(uint64 steps, params part, optimizer part)) after checking the roots' counts.
    function _stateHash(ITrainingJobs.Spec calldata spec, uint64 steps, StateOpening memory s)
        private
        pure
        returns (bytes32)
    {
        uint256 tensors = 2 * (spec.layers.length - 1);
        uint256 slots = tensors * TrainingShapes.slotsPerTensor(spec);
        if (s.params.length != tensors) revert TrainingDisputesBadCount("parameter roots", s.params.length, tensors);
        if (s.slots.length != slots) revert TrainingDisputesBadCount("slot roots", s.slots.length, slots);
        bytes32 params = keccak256(abi.encode(s.params));
        bytes32 optimizer = keccak256(abi.encode(s.optimizerStep, s.beta1Power, s.beta2Power, s.slots));
        return keccak256(abi.encode(steps, params, optimizer));
    }

    /// @dev The named tensor's size and, for a trace output, its reduction's terms per element.
    function _tensorSize(Dispute storage d, ITrainingJobs.Spec calldata spec, StepOpening memory o)
        private
        view
        returns (uint256 size, uint256 terms)
    {
        if (d.target != TARGET_ENTRY) {
            (, size) = _tensor(d, spec, o);
            return (size, 0);
        }
        (,, size, terms) = _referee.entry(spec, d.entry, d.output);
    }

    /// @dev The root and size of the named tensor.
    function _tensor(Dispute storage d, ITrainingJobs.Spec calldata spec, StepOpening memory o)
        private
        view
        returns (bytes32 root, uint256 size)
    {
        if (d.target == TARGET_ENTRY) {
            uint256 at;
            (, at, size,) = _referee.entry(spec, d.entry, d.output);
            return (o.trace[at], size);
        }
        StateOpening memory s = d.target == TARGET_INIT ? o.start : o.end;
        uint256 per = TrainingShapes.slotsPerTensor(spec);
        if (d.entry >= s.params.length) revert TrainingDisputesBadIndex("tensor", d.entry, s.params.length);
        if (d.output > per) revert TrainingDisputesBadIndex("slot", d.output, per + 1);
        (size,) = _referee.param(spec, d.entry);
        root = d.output == 0 ? s.params[d.entry] : s.slots[d.entry * per + d.output - 1];
    }

    function _read(bytes32 root, uint256 element, Proven calldata p, string memory what) private view returns (uint32) {
        if (!TrainingMerkle.verify(root, element / 8, p.chunk, p.proof)) revert TrainingDisputesBadProof(what);
        return TrainingMerkle.wordOf(p.chunk, element % 8);
    }

    // ---------------------------------------------------------------- internals: the referee's inputs

    function _initialValue(ITrainingJobs.Spec calldata spec, uint256 t, uint8 output, uint256 element)
        private
        view
        returns (uint32)
    {
        if (output != 0) return 0; // optimizer slots start at +0
        return _referee.initialValue(spec.seed, t, element, spec.layers[t / 2]);
    }

    /// @dev A batch row: example exampleAt(seed, count, step·batch + row), proven under the dataset root.
    function _batch(Dispute storage d, ITrainingJobs.Spec calldata spec, bytes calldata example, bytes32[] calldata proof)
        private
        view
        returns (uint32)
    {
        uint256 width = spec.layers[0];
        uint256 row = d.output == 0 ? d.element / width : d.element;
        uint256 index = _referee.exampleAt(spec.seed, spec.datasetCount, uint256(d.step) * spec.batchSize + row);
        if (example.length != 4 * width + 4) revert TrainingDisputesBadCount("example bytes", example.length, 4 * width + 4);
        if (!TrainingMerkle.verify(spec.datasetRoot, index, keccak256(example), proof)) {
            revert TrainingDisputesBadProof("example");
        }
        if (d.output == 1) {
            uint256 label = uint32(bytes4(example[4 * width:4 * width + 4]));
            return _referee.fromInt(label);
        }
        uint256 at = 4 * (d.element % width);
        return uint32(uint8(example[at])) | (uint32(uint8(example[at + 1])) << 8)
            | (uint32(uint8(example[at + 2])) << 16) | (uint32(uint8(example[at + 3])) << 24);
    }

    /// @dev The reduction's term `lo`: s_lo + a·b (products) or s_lo + x (column sums).
    function _term(
        Dispute storage d,
        ITrainingJobs.Spec calldata spec,
        StepOpening memory o,
        uint8 op,
        Proven[] calldata inputs
    ) private view returns (uint32) {
        TrainingShapes.Read[] memory reads = _referee.termInputs(spec, d.entry, d.output, d.element, d.lo);
        if (inputs.length != reads.length) revert TrainingDisputesBadCount("inputs", inputs.length, reads.length);
        uint32 s = uint32(uint256(d.loValue));
        uint32 a = _read(_rootOf(o, reads[0]), reads[0].element, inputs[0], "term input a");
        uint32 b = reads.length > 1 ? _read(_rootOf(o, reads[1]), reads[1].element, inputs[1], "term input b") : 0;
        return _referee.term(op, d.lo, s, a, b);
    }

    /// @dev Bias, ReLU, the ReLU gradient and the softmax cross-entropy gradient.
    function _elementwise(
        Dispute storage d,
        ITrainingJobs.Spec calldata spec,
        StepOpening memory o,
        uint8 op,
        Proven[] calldata inputs
    ) private view returns (uint32) {
        TrainingShapes.Read[] memory reads = _referee.elementInputs(spec, d.entry, d.element);
        if (inputs.length != reads.length) revert TrainingDisputesBadCount("inputs", inputs.length, reads.length);
        uint32[] memory v = new uint32[](reads.length);
        for (uint256 i = 0; i < reads.length; ++i) {
            v[i] = _read(_rootOf(o, reads[i]), reads[i].element, inputs[i], "input");
        }
        uint256 classes = spec.layers[spec.layers.length - 1];
        return _referee.elementwise(op, v, d.element % classes, spec.batchSize);
    }

    /// @dev One parameter's update; inputs: the parameter, its slots (agreed state), its gradient (trace).
    function _update(Dispute storage d, ITrainingJobs.Spec calldata spec, StepOpening memory o, Proven[] calldata inputs)
        private
        view
        returns (uint32)
    {
        uint256 per = TrainingShapes.slotsPerTensor(spec);
        if (inputs.length != per + 2) revert TrainingDisputesBadCount("inputs", inputs.length, per + 2);
        (uint32 w, uint32[] memory slots, uint32 g) = _updateInputs(d, spec, o, inputs, per);
        (uint32 next, uint32[] memory nextSlots) = _referee.update(_hyper(spec, o), w, slots, g);
        return d.output == 0 ? next : nextSlots[d.output - 1];
    }

    function _updateInputs(
        Dispute storage d,
        ITrainingJobs.Spec calldata spec,
        StepOpening memory o,
        Proven[] calldata inputs,
        uint256 per
    ) private view returns (uint32 w, uint32[] memory slots, uint32 g) {
        uint256 t = d.entry;
        uint256 e = d.element;
        w = _read(o.start.params[t], e, inputs[0], "parameter");
        slots = new uint32[](per);
        for (uint256 i = 0; i < per; ++i) slots[i] = _read(o.start.slots[t * per + i], e, inputs[1 + i], "slot");
        (, uint256 gradient) = _referee.param(spec, t);
        g = _read(o.trace[gradient], e, inputs[per + 1], "gradient");
    }

    function _hyper(ITrainingJobs.Spec calldata spec, StepOpening memory o)
        private
        pure
        returns (TrainingOps.Hyper memory)
    {
        return TrainingOps.Hyper({
            optimizer: spec.optimizer,
            learningRate: spec.learningRate,
            beta1: spec.beta1,
            beta2: spec.beta2,
            epsilon: spec.epsilon,
            beta1Power: o.end.beta1Power,
            beta2Power: o.end.beta2Power
        });
    }

    function _rootOf(StepOpening memory o, TrainingShapes.Read memory r)
        private
        pure
        returns (bytes32)
    {
        return r.fromParams ? o.start.params[r.at] : o.trace[r.at];
    }
}
