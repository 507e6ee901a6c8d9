// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";
import {TrainingMerkle} from "./TrainingMerkle.sol";

/// @dev The registration call TrainingJobs makes on a buyer's behalf (ModelRegistry's external `register`).
interface IModelRegistration {
    function register(
        string calldata weightsCid,
        string calldata cardCid,
        string calldata format,
        uint256[] calldata parents,
        IModelRegistry.Terms calldata terms
    ) external returns (uint256 modelId);
}

/// @dev What a buyer contract answers to name who may bid on its jobs (see {TrainingJobs-commitBid}).
interface IBidGate {
    /// @return The selector of this function to let `provider` bid on `jobId`; anything else refuses it.
    function mayBid(uint256 jobId, address provider) external view returns (bytes4);
}

/**
 * @title TrainingJobs
 * @notice The compute market for verifiable training (issue #15; docs/training.md, "The market"). Providers stake
 * MYC and publish what they offer; a buyer posts a job (the engine's spec, the dataset's root, the budget in escrow in
 * any ERC-20, the bond, the clock of every phase); providers bid in a sealed-bid reverse auction (commit, then
 * reveal: the lowest qualifying bid wins, reputation breaking ties and disqualifying providers slashed too often);
 * the winner trains and posts its checkpoints and model; anyone staked may challenge within the window
 * ({TrainingDisputes} plays the game); unchallenged, the job is accepted: the provider is paid its bid, the rest of
 * the budget returns to the buyer (both withdrawn with {withdraw}), and the model is registered in the ModelRegistry
 * for the buyer with the job's terms. A provider that misses its deadline or loses a dispute loses its bond (a tenth to
 * the buyer or the challenger, the rest burned) and the job reopens for bids with its escrow intact. A challenger
 * locks a tenth of the job's bond. Reputation weighs bonds: a provider whose lost bonds exceed a quarter of the bonds
 * of its accepted jobs cannot bid.
 *
 * Longer than 400 lines: one contract holds the stake, the auction and the escrow so that value moves in one place.
 */
contract TrainingJobs is ITrainingJobs, ReentrancyGuard {
    using SafeERC20 for IERC20;

    enum State {
        None,
        Bidding, // commitments until biddingEnd, reveals until revealEnd
        Training, // assigned; the result is due by the deadline
        Submitted, // the result is posted; challengeable until windowEnd
        Accepted,
        Cancelled
    }

    struct Provider {
        uint128 stake; // MYC held here
        uint128 locked; // of which bonds of jobs held and disputes open
        uint32 accepted; // jobs accepted
        uint32 slashed; // bonds lost (missed deadlines and lost disputes)
        uint128 acceptedBond; // the bonds of the jobs accepted, summed: reputation weighs what was at stake
        uint128 slashedBond; // the bonds lost, summed
        uint16 cores;
        uint32 memoryMiB;
        uint96 pricePerStep; // informational: what the provider usually asks, in the smallest unit of any token
        bool registered;
        string endpoint; // where verifiers fetch its checkpoints (a node URL)
    }

    struct Job {
        address buyer;
        State state;
        uint32 round; // bidding rounds so far (a reopened job bids again)
        uint32 biddingEnd;
        uint32 revealEnd;
        uint32 deadline;
        uint32 windowEnd;
        uint32 pausedAt; // non-zero while a dispute runs
        address provider; // the best bid while bidding; the assignee after
        uint96 price;
        address challenger; // non-zero while a dispute runs
        uint96 compensation; // MYC paid to the buyer from the bonds of providers that missed the deadline
        bytes32 specHash;
        Market market;
        IModelRegistry.Terms terms;
        Result result;
        uint256 modelId;
        string datasetCid;
    }

    /// @notice The part of a loser's bond its winner receives, in basis points; the rest is burned.
    uint256 public constant REWARD_BPS = 1_000;
    uint256 public constant MAX_LAYERS = 5;
    uint256 public constant MAX_WIDTH = 4_096;
    uint256 public constant MAX_CLASSES = 256;
    uint256 public constant MAX_CHECKPOINTS = 1_025;
    uint256 public constant MAX_CID_LENGTH = 128;
    /// @notice The largest batch: keeps 1/batch exact in binary32 and every tensor below 2^32 values (audit F2, F7).
    uint256 public constant MAX_BATCH = 65_536;
    /// @notice The longest any phase may last (so no sum of times overflows; audit F4), and the shortest dispute clock.
    uint256 public constant MAX_PHASE = 365 days;
    uint256 public constant MIN_DISPUTE_CLOCK = 60;
    /// @notice A challenger locks the job's bond divided by this (audit F14: a bond no verifier can match is no check).
    uint256 public constant CHALLENGE_BOND_DIVISOR = 10;

    IERC20 private immutable _myc;
    address private immutable _registry;
    address private immutable _admin;
    address private _disputes;
    uint256 private _jobCount;
    mapping(address => Provider) private _providers;
    mapping(uint256 => Job) private _jobs;
    /// @dev commitment per job, round and provider
    mapping(uint256 => mapping(uint32 => mapping(address => bytes32))) private _commitments;
    /// @dev payments owed, per token and account, withdrawn with {withdraw} (a token that refuses one transfer can
    /// never block an acceptance; audit F5)
    mapping(address => mapping(address => uint256)) private _owed;

    event DisputesSet(address disputes);
    event ProviderRegistered(address indexed provider, uint16 cores, uint32 memoryMiB, uint96 pricePerStep, string endpoint);
    event StakeChanged(address indexed provider, uint256 stake, uint256 locked);
    event JobPosted(
        uint256 indexed jobId,
        address indexed buyer,
        bytes32 specHash,
        Spec spec,
        Market market,
        string specCid,
        string datasetCid
    );
    event BiddingOpened(uint256 indexed jobId, uint32 round, uint32 biddingEnd, uint32 revealEnd);
    event BidCommitted(uint256 indexed jobId, uint32 round, address indexed provider);
    event BidRevealed(uint256 indexed jobId, uint32 round, address indexed provider, uint96 price, bool best);
    event JobAssigned(uint256 indexed jobId, address indexed provider, uint96 price, uint32 deadline);
    event ResultPosted(
        uint256 indexed jobId, address indexed provider, bytes32 checkpointRoot, bytes32 modelRoot, bytes32[] checkpoints
    );
    event JobAccepted(uint256 indexed jobId, address indexed provider, uint96 price, uint256 modelId);
    event TrainedModelRegistered(
        uint256 indexed jobId, uint256 indexed modelId, string datasetCid, string weightsCid, bytes32 modelRoot
    );
    event Owed(address indexed token, address indexed account, uint256 amount);
    event Withdrawn(address indexed token, address indexed account, uint256 amount);
    event ModelRegistrationFailed(uint256 indexed jobId, bytes reason);
    event JobCancelled(uint256 indexed jobId);
    event DeadlineMissed(uint256 indexed jobId, address indexed provider);
    event DisputeBegun(uint256 indexed jobId, address indexed challenger);
    event DisputeEnded(uint256 indexed jobId, address indexed challenger, bool providerLost);
    event Slashed(address indexed who, uint256 bond, address indexed rewarded, uint256 reward);

    error TrainingJobsNotAdmin(address caller);
    error TrainingJobsDisputesAlreadySet(address disputes);
    error TrainingJobsZeroAddress();
    error TrainingJobsNotDisputes(address caller);
    error TrainingJobsUnknownJob(uint256 jobId);
    error TrainingJobsZeroBudget();
    error TrainingJobsZeroBond();
    error TrainingJobsBadSpec(string reason);
    error TrainingJobsBadMarket(string reason);
    error TrainingJobsBadString(string field, uint256 length);
    error TrainingJobsWrongState(uint256 jobId, State state);
    error TrainingJobsNotRegistered(address account);
    error TrainingJobsAlreadyRegistered(address account);
    error TrainingJobsZeroAmount();
    error TrainingJobsInsufficientStake(address account, uint256 free, uint256 needed);
    error TrainingJobsBiddingClosed(uint256 jobId, uint32 biddingEnd);
    error TrainingJobsNotRevealing(uint256 jobId, uint32 biddingEnd, uint32 revealEnd);
    error TrainingJobsRevealNotOver(uint256 jobId, uint32 revealEnd);
    error TrainingJobsNoCommitment(uint256 jobId, address provider);
    error TrainingJobsCommitmentMismatch(uint256 jobId, address provider);
    error TrainingJobsZeroPrice();
    error TrainingJobsPriceOverBudget(uint96 price, uint96 budget);
    error TrainingJobsPoorReputation(address provider, uint32 accepted, uint32 slashed);
    error TrainingJobsNotBuyer(uint256 jobId, address caller);
    error TrainingJobsNotProvider(uint256 jobId, address caller);
    error TrainingJobsDeadlinePassed(uint256 jobId, uint32 deadline);
    error TrainingJobsDeadlineNotPassed(uint256 jobId, uint32 deadline);
    error TrainingJobsBadCheckpoints(uint256 got, uint256 expected);
    error TrainingJobsWindowOpen(uint256 jobId, uint32 windowEnd);
    error TrainingJobsWindowClosed(uint256 jobId, uint32 windowEnd);
    error TrainingJobsDisputeActive(uint256 jobId, address challenger);
    error TrainingJobsSelfChallenge(uint256 jobId);
    error TrainingJobsBudgetNotReceived(uint256 expected, uint256 received);
    error TrainingJobsNothingOwed(address token, address account);
    error TrainingJobsAlreadyRegisteredModel(uint256 jobId, uint256 modelId);
    error TrainingJobsBidderRefused(uint256 jobId, address provider);

    /**
     * @param myc The MYC token providers and challengers stake and bond in (burnable: lost bonds are burned).
     * @param registry The ModelRegistry accepted models are registered in.
     * @param admin The account that wires the dispute game once ({setDisputes}); it has no other power.
     */
    constructor(IERC20 myc, address registry, address admin) {
        if (address(myc) == address(0) || registry == address(0)) revert TrainingJobsZeroAddress();
        _myc = myc;
        _registry = registry;
        _admin = admin;
    }

    /**
     * @notice Wires the dispute game, the only caller of {beginDispute} and {endDispute}.
     * Requirements: the caller is the admin; not set before; non-zero.
     */
    function setDisputes(address disputes_) external {
        if (msg.sender != _admin) revert TrainingJobsNotAdmin(msg.sender);
        if (_disputes != address(0)) revert TrainingJobsDisputesAlreadySet(_disputes);
        if (disputes_ == address(0)) revert TrainingJobsZeroAddress();
        _disputes = disputes_;
        emit DisputesSet(disputes_);
    }

    // ---------------------------------------------------------------- providers (and challengers) stake

    /**
     * @notice Registers the caller as a provider (and verifier) with `stake` MYC (pulled; approve first) and its
     * offer. Requirements: not registered before; endpoint ≤ 128 bytes.
     */
    function register(uint16 cores, uint32 memoryMiB, uint96 pricePerStep, string calldata endpoint, uint128 stake)
        external
        nonReentrant
    {
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert TrainingJobsAlreadyRegistered(msg.sender);
        _checkString("endpoint", bytes(endpoint).length, false);
        p.registered = true;
        _setOffer(p, cores, memoryMiB, pricePerStep, endpoint);
        if (stake > 0) _addStake(p, stake);
    }

    /// @notice Updates the caller's offer. Requirements: registered; endpoint ≤ 128 bytes.
    function setOffer(uint16 cores, uint32 memoryMiB, uint96 pricePerStep, string calldata endpoint) external {
        Provider storage p = _registered(msg.sender);
        _checkString("endpoint", bytes(endpoint).length, false);
        _setOffer(p, cores, memoryMiB, pricePerStep, endpoint);
    }

    /// @notice Adds `amount` MYC to the caller's stake. Requirements: registered; amount > 0.
    function addStake(uint128 amount) external nonReentrant {
        if (amount == 0) revert TrainingJobsZeroAmount();
        _addStake(_registered(msg.sender), amount);
    }

    /// @notice Withdraws `amount` of the caller's stake not locked in a bond.
    function withdrawStake(uint128 amount) external nonReentrant {
        if (amount == 0) revert TrainingJobsZeroAmount();
        Provider storage p = _registered(msg.sender);
        uint256 free = p.stake - p.locked;
        if (amount > free) revert TrainingJobsInsufficientStake(msg.sender, free, amount);
        p.stake -= amount;
        emit StakeChanged(msg.sender, p.stake, p.locked);
        _myc.safeTransfer(msg.sender, amount);
    }

    /// @notice Withdraws what the caller is owed in `token` (bids paid, budgets refunded).
    function withdraw(address token) external nonReentrant {
        uint256 amount = _owed[token][msg.sender];
        if (amount == 0) revert TrainingJobsNothingOwed(token, msg.sender);
        _owed[token][msg.sender] = 0;
        emit Withdrawn(token, msg.sender, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /// @notice What `account` is owed in `token`.
    function owed(address token, address account) external view returns (uint256) {
        return _owed[token][account];
    }

    // ---------------------------------------------------------------- jobs

    /**
     * @notice Posts a job and escrows `market.budget` of `market.token` from the caller (approve first); bidding
     * opens at once. `terms` are the license terms the trained model is registered with.
     * Requirements: a spec the referee can judge (2–5 layers of width 1..4,096, at most 256 classes, a batch and
     * steps that are positive, steps a multiple of checkpointEvery with at most 1,024 checkpoints, an optimizer of 0
     * or 1, a dataset of at least one batch); a budget and a bond; every phase at least one second; CIDs 1..128 bytes.
     */
    function postJob(
        Spec calldata spec,
        Market calldata market,
        IModelRegistry.Terms calldata terms,
        string calldata specCid,
        string calldata datasetCid
    ) external nonReentrant returns (uint256 jobId) {
        _checkSpec(spec);
        _checkMarket(market);
        _checkString("specCid", bytes(specCid).length, true);
        _checkString("datasetCid", bytes(datasetCid).length, true);
        jobId = ++_jobCount;
        Job storage job = _jobs[jobId];
        job.buyer = msg.sender;
        job.specHash = keccak256(abi.encode(spec));
        job.market = market;
        job.terms = terms;
        job.datasetCid = datasetCid;
        emit JobPosted(jobId, msg.sender, job.specHash, spec, market, specCid, datasetCid);
        _openBidding(jobId, job);
        // Exactly the budget must arrive: fee-on-transfer tokens and non-fungible tokens are refused (audit F5).
        IERC20 token = IERC20(market.token);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), market.budget);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != market.budget) revert TrainingJobsBudgetNotReceived(market.budget, received);
    }

    /**
     * @notice A sealed bid: `commitment` = keccak256(abi.encode(chainid, this contract, jobId, round, provider,
     * price, salt)) (the SDK's `bidCommitment`). A later commitment in the same round replaces the earlier one.
     * Requirements: the job is bidding and its bidding period not over; the caller is registered.
     */
    function commitBid(uint256 jobId, bytes32 commitment) external {
        Job storage job = _job(jobId);
        if (job.state != State.Bidding) revert TrainingJobsWrongState(jobId, job.state);
        if (block.timestamp >= job.biddingEnd) revert TrainingJobsBiddingClosed(jobId, job.biddingEnd);
        _registered(msg.sender);
        _gate(jobId, job, msg.sender);
        _commitments[jobId][job.round][msg.sender] = commitment;
        emit BidCommitted(jobId, job.round, msg.sender);
    }

    /**
     * @notice Reveals the caller's bid. A qualifying bid lower than the best so far (equal: the provider with more
     * accepted jobs) becomes the best and locks the job's bond from the caller's stake; the bid it beats unlocks.
     * Requirements: the reveal period; a matching commitment; 0 < price ≤ budget; the caller qualifies (the bonds it
     * lost are at most a quarter of the bonds of its accepted jobs) and has the bond free when its bid becomes the best.
     */
    function revealBid(uint256 jobId, uint96 price, bytes32 salt) external {
        Job storage job = _job(jobId);
        if (job.state != State.Bidding) revert TrainingJobsWrongState(jobId, job.state);
        if (block.timestamp < job.biddingEnd || block.timestamp >= job.revealEnd) {
            revert TrainingJobsNotRevealing(jobId, job.biddingEnd, job.revealEnd);
        }
        bytes32 stored = _commitments[jobId][job.round][msg.sender];
        if (stored == bytes32(0)) revert TrainingJobsNoCommitment(jobId, msg.sender);
        if (stored != bidCommitment(jobId, job.round, msg.sender, price, salt)) {
            revert TrainingJobsCommitmentMismatch(jobId, msg.sender);
        }
        delete _commitments[jobId][job.round][msg.sender];
        _gate(jobId, job, msg.sender);
        if (price == 0) revert TrainingJobsZeroPrice();
        if (price > job.market.budget) revert TrainingJobsPriceOverBudget(price, job.market.budget);
        Provider storage p = _providers[msg.sender];
        if (p.slashedBond != 0 && p.acceptedBond < 4 * uint256(p.slashedBond)) {
            revert TrainingJobsPoorReputation(msg.sender, p.accepted, p.slashed);
        }
        address best = job.provider;
        bool better = best == address(0) || price < job.price
            || (price == job.price && p.acceptedBond > _providers[best].acceptedBond);
        if (better) {
            _lock(msg.sender, job.market.bond);
            if (best != address(0)) _unlock(best, job.market.bond);
            job.provider = msg.sender;
            job.price = price;
        }
        emit BidRevealed(jobId, job.round, msg.sender, price, better);
    }

    /**
     * @notice Ends the auction (anyone, after the reveal period): the best bid gets the job and its deadline; with
     * no bid, bidding opens again.
     */
    function assign(uint256 jobId) external {
        Job storage job = _job(jobId);
        if (job.state != State.Bidding) revert TrainingJobsWrongState(jobId, job.state);
        if (block.timestamp < job.revealEnd) revert TrainingJobsRevealNotOver(jobId, job.revealEnd);
        if (job.provider == address(0)) {
            _openBidding(jobId, job);
            return;
        }
        job.state = State.Training;
        job.deadline = uint32(block.timestamp) + job.market.trainingTime;
        emit JobAssigned(jobId, job.provider, job.price, job.deadline);
    }

    /// @notice The buyer withdraws a job still at auction: the escrow returns, a best bid's bond unlocks.
    function cancel(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (msg.sender != job.buyer) revert TrainingJobsNotBuyer(jobId, msg.sender);
        if (job.state != State.Bidding) revert TrainingJobsWrongState(jobId, job.state);
        job.state = State.Cancelled;
        if (job.provider != address(0)) _unlock(job.provider, job.market.bond);
        job.provider = address(0);
        emit JobCancelled(jobId);
        _credit(job.market.token, job.buyer, job.market.budget);
    }

    /**
     * @notice The assignee posts its result: the state hash of every checkpoint (checkpoint i after i·C steps; the
     * contract builds their Merkle root), the model's root (keccak256 of the final parameter tensor roots), the last
     * loss and the CIDs of the ONNX export and the model card. The challenge window opens.
     * Requirements: the caller holds the job, before its deadline; steps / C + 1 checkpoints; CIDs 1..128 bytes.
     */
    function submitResult(
        uint256 jobId,
        Spec calldata spec,
        bytes32[] calldata checkpoints,
        bytes32 modelRoot,
        uint32 finalLoss,
        string calldata weightsCid,
        string calldata cardCid
    ) external {
        Job storage job = _job(jobId);
        if (job.state != State.Training) revert TrainingJobsWrongState(jobId, job.state);
        if (msg.sender != job.provider) revert TrainingJobsNotProvider(jobId, msg.sender);
        if (block.timestamp > job.deadline) revert TrainingJobsDeadlinePassed(jobId, job.deadline);
        if (keccak256(abi.encode(spec)) != job.specHash) revert TrainingJobsBadSpec("not the job's spec");
        uint256 expected = uint256(spec.steps) / spec.checkpointEvery + 1;
        if (checkpoints.length != expected) revert TrainingJobsBadCheckpoints(checkpoints.length, expected);
        _checkString("weightsCid", bytes(weightsCid).length, true);
        _checkString("cardCid", bytes(cardCid).length, true);
        bytes32 root = TrainingMerkle.rootOf(checkpoints);
        job.result = Result({
            checkpointRoot: root,
            finalState: checkpoints[checkpoints.length - 1],
            modelRoot: modelRoot,
            finalLoss: finalLoss,
            postedAt: uint32(block.timestamp),
            weightsCid: weightsCid,
            cardCid: cardCid
        });
        job.state = State.Submitted;
        job.windowEnd = uint32(block.timestamp) + job.market.challengeWindow;
        emit ResultPosted(jobId, msg.sender, root, modelRoot, checkpoints);
    }

    /**
     * @notice Accepts a result: after the challenge window with no dispute open (anyone), or at any time by the buyer
     * (waiving the rest of the window). Pays the bid to the provider, refunds the rest of the budget, unlocks the bond,
     * and registers the model for the buyer with the job's terms (a registration the registry refuses is reported in
     * {ModelRegistrationFailed} and never blocks the payment).
     */
    function accept(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.state != State.Submitted) revert TrainingJobsWrongState(jobId, job.state);
        if (job.challenger != address(0)) revert TrainingJobsDisputeActive(jobId, job.challenger);
        if (msg.sender != job.buyer && block.timestamp < job.windowEnd) {
            revert TrainingJobsWindowOpen(jobId, job.windowEnd);
        }
        job.state = State.Accepted;
        address provider = job.provider;
        uint96 price = job.price;
        Provider storage p = _providers[provider];
        p.accepted += 1;
        p.acceptedBond += job.market.bond;
        _unlock(provider, job.market.bond);
        _credit(job.market.token, provider, price);
        if (job.market.budget > price) _credit(job.market.token, job.buyer, job.market.budget - price);
        job.modelId = _registerModel(jobId, job);
        emit JobAccepted(jobId, provider, price, job.modelId);
    }

    /**
     * @notice Registers an accepted job's model again when its registration failed at acceptance (anyone; the model
     * goes to the buyer). Requirements: accepted, and no model registered for it yet.
     */
    function registerTrainedModel(uint256 jobId) external nonReentrant returns (uint256 modelId) {
        Job storage job = _job(jobId);
        if (job.state != State.Accepted) revert TrainingJobsWrongState(jobId, job.state);
        if (job.modelId != 0) revert TrainingJobsAlreadyRegisteredModel(jobId, job.modelId);
        modelId = _registerModel(jobId, job);
        job.modelId = modelId;
    }

    /**
     * @notice After a missed deadline (anyone): the provider loses its bond (a tenth to the buyer, summed in the job's
     * `compensation`) and bidding reopens.
     */
    function expire(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        if (job.state != State.Training) revert TrainingJobsWrongState(jobId, job.state);
        if (block.timestamp <= job.deadline) revert TrainingJobsDeadlineNotPassed(jobId, job.deadline);
        address provider = job.provider;
        emit DeadlineMissed(jobId, provider);
        _providers[provider].slashed += 1;
        _providers[provider].slashedBond += job.market.bond;
        job.compensation += uint96(uint256(job.market.bond) * REWARD_BPS / 10_000);
        _openBidding(jobId, job);
        _slash(provider, job.market.bond, job.buyer);
    }

    // ---------------------------------------------------------------- the dispute game's calls

    /// @inheritdoc ITrainingJobs
    function disputeInfo(uint256 jobId)
        external
        view
        returns (DisputeInfo memory info)
    {
        Job storage job = _job(jobId);
        return DisputeInfo({
            provider: job.provider,
            specHash: job.specHash,
            checkpointRoot: job.result.checkpointRoot,
            finalState: job.result.finalState,
            modelRoot: job.result.modelRoot,
            clock: job.market.disputeClock
        });
    }

    /// @inheritdoc ITrainingJobs
    function beginDispute(uint256 jobId, address challenger) external {
        if (msg.sender != _disputes) revert TrainingJobsNotDisputes(msg.sender);
        Job storage job = _job(jobId);
        if (job.state != State.Submitted) revert TrainingJobsWrongState(jobId, job.state);
        if (job.challenger != address(0)) revert TrainingJobsDisputeActive(jobId, job.challenger);
        if (block.timestamp >= job.windowEnd) revert TrainingJobsWindowClosed(jobId, job.windowEnd);
        if (challenger == job.provider) revert TrainingJobsSelfChallenge(jobId);
        _gate(jobId, job, challenger);
        _registered(challenger);
        _lock(challenger, _challengeBond(job));
        job.challenger = challenger;
        job.pausedAt = uint32(block.timestamp);
        emit DisputeBegun(jobId, challenger);
    }

    /// @inheritdoc ITrainingJobs
    function endDispute(uint256 jobId, address challenger, bool providerLost) external nonReentrant {
        if (msg.sender != _disputes) revert TrainingJobsNotDisputes(msg.sender);
        Job storage job = _job(jobId);
        if (job.challenger != challenger || challenger == address(0)) revert TrainingJobsWrongState(jobId, job.state);
        uint96 bond = job.market.bond;
        uint96 challengeBond = _challengeBond(job);
        address provider = job.provider;
        job.challenger = address(0);
        emit DisputeEnded(jobId, challenger, providerLost);
        if (providerLost) {
            _unlock(challenger, challengeBond);
            _providers[provider].slashed += 1;
            _providers[provider].slashedBond += bond;
            _openBidding(jobId, job);
            _slash(provider, bond, challenger);
        } else {
            // The window resumes; whatever remained, others get at least one dispute clock to challenge (audit F10).
            uint32 resumed = job.windowEnd + (uint32(block.timestamp) - job.pausedAt);
            uint32 least = uint32(block.timestamp) + job.market.disputeClock;
            job.windowEnd = resumed > least ? resumed : least;
            job.pausedAt = 0;
            _slash(challenger, challengeBond, provider);
        }
    }

    // ---------------------------------------------------------------- views

    /// @notice The commitment a sealed bid must match (chain, contract, job, round, bidder, price, salt).
    function bidCommitment(uint256 jobId, uint32 round, address provider, uint96 price, bytes32 salt)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), jobId, round, provider, price, salt));
    }

    function getJob(uint256 jobId) external view returns (Job memory) {
        return _job(jobId);
    }

    function getProvider(address account) external view returns (Provider memory) {
        return _providers[account];
    }

    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    function disputes() external view returns (address) {
        return _disputes;
    }

    // ---------------------------------------------------------------- internals

    function _job(uint256 jobId) private view returns (Job storage job) {
        job = _jobs[jobId];
        if (job.state == State.None) revert TrainingJobsUnknownJob(jobId);
    }

    /**
     * @dev A buyer contract may name who bids on and challenges its jobs (compute-to-data: only parties the data's
     * owner trusts, since a dispute publishes the records it narrows to): it answers {IBidGate.mayBid} with anything
     * but the function's selector to refuse. A buyer that does not answer (an account, a contract without the
     * function) leaves its jobs open to all.
     */
    function _gate(uint256 jobId, Job storage job, address who) private view {
        address buyer = job.buyer;
        if (buyer.code.length == 0) return;
        (bool answered, bytes memory answer) = buyer.staticcall(abi.encodeCall(IBidGate.mayBid, (jobId, who)));
        if (answered && answer.length == 32 && bytes4(answer) != IBidGate.mayBid.selector) {
            revert TrainingJobsBidderRefused(jobId, who);
        }
    }

    function _registered(address account) private view returns (Provider storage p) {
        p = _providers[account];
        if (!p.registered) revert TrainingJobsNotRegistered(account);
    }

    function _setOffer(Provider storage p, uint16 cores, uint32 memoryMiB, uint96 pricePerStep, string calldata endpoint)
        private
    {
        p.cores = cores;
        p.memoryMiB = memoryMiB;
        p.pricePerStep = pricePerStep;
        p.endpoint = endpoint;
        emit ProviderRegistered(msg.sender, cores, memoryMiB, pricePerStep, endpoint);
    }

    function _addStake(Provider storage p, uint128 amount) private {
        p.stake += amount;
        emit StakeChanged(msg.sender, p.stake, p.locked);
        _myc.safeTransferFrom(msg.sender, address(this), amount);
    }

    function _lock(address account, uint96 amount) private {
        Provider storage p = _providers[account];
        uint256 free = p.stake - p.locked;
        if (amount > free) revert TrainingJobsInsufficientStake(account, free, amount);
        p.locked += amount;
        emit StakeChanged(account, p.stake, p.locked);
    }

    function _unlock(address account, uint96 amount) private {
        Provider storage p = _providers[account];
        p.locked -= amount;
        emit StakeChanged(account, p.stake, p.locked);
    }

    /// @dev What a challenger of `job` locks: a tenth of its bond, at least 1.
    function _challengeBond(Job storage job) private view returns (uint96) {
        uint96 b = uint96(job.market.bond / CHALLENGE_BOND_DIVISOR);
        return b == 0 ? 1 : b;
    }

    function _credit(address token, address account, uint256 amount) private {
        _owed[token][account] += amount;
        emit Owed(token, account, amount);
    }

    /// @dev Takes a locked bond: REWARD_BPS of it to `rewarded`, the rest burned.
    function _slash(address who, uint96 bond, address rewarded) private {
        Provider storage p = _providers[who];
        p.locked -= bond;
        p.stake -= bond;
        uint256 reward = uint256(bond) * REWARD_BPS / 10_000;
        emit StakeChanged(who, p.stake, p.locked);
        emit Slashed(who, bond, rewarded, reward);
        if (reward > 0) _myc.safeTransfer(rewarded, reward);
        if (bond > reward) ERC20Burnable(address(_myc)).burn(bond - reward);
    }

    /// @dev A new bidding round: the assignee, bid and result are cleared; the escrow stays.
    function _openBidding(uint256 jobId, Job storage job) private {
        job.state = State.Bidding;
        job.round += 1;
        job.provider = address(0);
        job.price = 0;
        job.deadline = 0;
        job.windowEnd = 0;
        job.pausedAt = 0;
        delete job.result;
        job.biddingEnd = uint32(block.timestamp) + job.market.biddingTime;
        job.revealEnd = job.biddingEnd + job.market.revealTime;
        emit BiddingOpened(jobId, job.round, job.biddingEnd, job.revealEnd);
    }

    function _registerModel(uint256 jobId, Job storage job) private returns (uint256 modelId) {
        try IModelRegistration(_registry).register(
            job.result.weightsCid, job.result.cardCid, "onnx", new uint256[](0), job.terms
        ) returns (uint256 id) {
            IERC721(_registry).transferFrom(address(this), job.buyer, id);
            emit TrainedModelRegistered(jobId, id, job.datasetCid, job.result.weightsCid, job.result.modelRoot);
            return id;
        } catch (bytes memory reason) {
            emit ModelRegistrationFailed(jobId, reason);
            return 0;
        }
    }

    function _checkSpec(Spec calldata spec) private pure {
        uint256 n = spec.layers.length;
        if (n < 2 || n > MAX_LAYERS) revert TrainingJobsBadSpec("2 to 5 layer widths");
        for (uint256 i = 0; i < n; ++i) {
            if (spec.layers[i] == 0 || spec.layers[i] > MAX_WIDTH) revert TrainingJobsBadSpec("a width is not 1..4096");
        }
        if (spec.layers[n - 1] > MAX_CLASSES) revert TrainingJobsBadSpec("more than 256 classes");
        if (spec.batchSize == 0 || spec.batchSize > MAX_BATCH) revert TrainingJobsBadSpec("batch size is 1..65536");
        if (spec.steps == 0 || spec.checkpointEvery == 0 || spec.steps % spec.checkpointEvery != 0) {
            revert TrainingJobsBadSpec("steps % checkpointEvery != 0");
        }
        if (spec.steps / spec.checkpointEvery + 1 > MAX_CHECKPOINTS) revert TrainingJobsBadSpec("over 1024 checkpoints");
        if (spec.optimizer > 1) revert TrainingJobsBadSpec("optimizer is 0 (SGD) or 1 (Adam)");
        // binary32 bits (audit F9): a positive finite learning rate, β in [0, 1), a positive finite ε for Adam.
        if (spec.learningRate == 0 || spec.learningRate >= 0x7F800000) {
            revert TrainingJobsBadSpec("learning rate <= 0 or not finite");
        }
        if (spec.beta1 >= 0x3F800000 || spec.beta2 >= 0x3F800000) revert TrainingJobsBadSpec("betas must be in [0, 1)");
        if (spec.optimizer == 1 && (spec.epsilon == 0 || spec.epsilon >= 0x7F800000)) {
            revert TrainingJobsBadSpec("epsilon <= 0 or not finite");
        }
        if (spec.datasetCount < spec.batchSize || spec.datasetCount > 2 ** 31) {
            revert TrainingJobsBadSpec("dataset under one batch");
        }
        if (spec.datasetRoot == bytes32(0)) revert TrainingJobsBadSpec("no dataset root");
    }

    function _checkMarket(Market calldata m) private pure {
        if (m.token == address(0)) revert TrainingJobsZeroAddress();
        if (m.budget == 0) revert TrainingJobsZeroBudget();
        if (m.bond == 0) revert TrainingJobsZeroBond();
        if (m.biddingTime == 0 || m.revealTime == 0 || m.trainingTime == 0 || m.challengeWindow == 0) {
            revert TrainingJobsBadMarket("a phase of 0 s");
        }
        if (
            m.biddingTime > MAX_PHASE || m.revealTime > MAX_PHASE || m.trainingTime > MAX_PHASE
                || m.challengeWindow > MAX_PHASE || m.disputeClock > MAX_PHASE
        ) revert TrainingJobsBadMarket("no phase may last over 365 days");
        if (m.disputeClock < MIN_DISPUTE_CLOCK) revert TrainingJobsBadMarket("dispute clock under 60 s");
    }

    function _checkString(string memory field, uint256 length, bool required) private pure {
        if ((required && length == 0) || length > MAX_CID_LENGTH) revert TrainingJobsBadString(field, length);
    }
}
