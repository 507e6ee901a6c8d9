// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";
import {TrainingJobs} from "./TrainingJobs.sol";

/**
 * @title ResearchRounds
 * @notice Quadratic funding of training jobs (issue #15, part 7; docs/training.md, "Research funding"). A sponsor opens
 * a round with a matching pool; anyone proposes a training job (its spec, market and terms committed by hash);
 * anyone contributes to proposals until the round's end; then the pool is split by the quadratic-funding rule — a
 * proposal's share is proportional to (Σ √cᵢ)² − Σ cᵢ over its contributions cᵢ, so many small contributors weigh
 * more than one large one — and each funded proposal is posted to TrainingJobs with its contributions plus its match
 * as the budget, this contract as the buyer. A trained model goes to its proposer ({claimModel}), and what the job did
 * not spend of its budget too, with any compensation from providers that missed its deadline ({claimRefund}). A
 * round in which no proposal scored returns the pool to its sponsor ({reclaimPool}). A proposal that cannot or should
 * not run — its job never assigned, its parameters refused by the market — is withdrawn ({withdrawProposal}: by its
 * proposer or the round's sponsor, or by anyone once it has gone {LAUNCH_PERIOD} past the round's end unlaunched, or
 * its job through {STALE_ROUNDS} auctions with no bid pending); then every contributor takes back exactly what they
 * gave and the sponsor the match ({reclaim}).
 *
 * The round's total score is kept as contributions arrive, so finalization walks nothing and a round holds any number
 * of proposals (an attacker cannot fill it); a proposal's match, pool × score / total, is fixed at the end and
 * recorded when it launches or is withdrawn. The rounding dust (under one unit per scored proposal) stays here.
 *
 * Quadratic funding rewards breadth, so it rewards splitting one contribution across many addresses: a round trusts
 * that its contributors are distinct people, as every QF deployment does (nothing on chain restricts who proposes or
 * contributes; a sponsor relies on off-chain identity, or withdraws a proposal it finds gamed).
 */
contract ResearchRounds is ReentrancyGuard {
    using SafeERC20 for IERC20;

    struct Round {
        address sponsor;
        address token;
        uint96 pool;
        uint32 contributeEnd;
        bool finalized;
        uint256 totalScore; // Σ over proposals of their QF score, kept as contributions arrive
        uint256[] proposals;
    }

    struct Proposal {
        uint256 round;
        address proposer;
        bytes32 paramsHash; // keccak256(abi.encode(spec, market, terms, specCid, datasetCid)), budget field 0
        uint128 raised; // Σ cᵢ
        uint256 sumSqrt; // Σ √(cᵢ · 10^18)
        uint128 matched; // pool × score / total, recorded at launch or withdrawal ({getProposal} shows it before)
        uint256 jobId; // once launched
        bool refundClaimed;
        bool withdrawn; // contributions and match returnable with {reclaim}
        bool matchReclaimed;
        uint96 compensationPaid; // of the job's compensation, what the proposer has taken
    }

    /// @notice Auctions after which anyone may withdraw a launched proposal whose job is still unassigned.
    uint32 public constant STALE_ROUNDS = 8;
    /// @notice Time after the round's end after which anyone may withdraw a proposal never launched.
    uint256 public constant LAUNCH_PERIOD = 30 days;
    uint256 private constant SCALE = 1e18;

    TrainingJobs private immutable _jobs;
    address private immutable _registry;
    IERC20 private immutable _myc;
    uint256 private _roundCount;
    uint256 private _proposalCount;
    mapping(uint256 => Round) private _rounds;
    mapping(uint256 => Proposal) private _proposals;
    /// @dev √(contribution · 10^18) per proposal and contributor, so a top-up replaces its term exactly
    mapping(uint256 => mapping(address => uint256)) private _sqrtOf;
    mapping(uint256 => mapping(address => uint256)) private _contributed;

    event RoundOpened(uint256 indexed roundId, address indexed sponsor, address token, uint96 pool, uint32 contributeEnd);
    /// @dev Carries the parameters in full: anyone can {launch} a funded proposal from the chain's record alone.
    event Proposed(
        uint256 indexed roundId,
        uint256 indexed proposalId,
        address indexed proposer,
        bytes32 paramsHash,
        ITrainingJobs.Spec spec,
        ITrainingJobs.Market market,
        IModelRegistry.Terms terms,
        string specCid,
        string datasetCid
    );
    event Contributed(uint256 indexed proposalId, address indexed contributor, uint256 amount, uint256 total);
    event RoundFinalized(uint256 indexed roundId, uint256 totalScore);
    event PoolReclaimed(uint256 indexed roundId, address indexed sponsor, uint256 amount);
    event Matched(uint256 indexed proposalId, uint256 raised, uint256 matched);
    event Launched(uint256 indexed proposalId, uint256 indexed jobId, uint256 budget);
    event ModelClaimed(uint256 indexed proposalId, uint256 indexed modelId, address proposer);
    event RefundClaimed(uint256 indexed proposalId, address proposer, uint256 amount, uint256 compensation);
    event ProposalWithdrawn(uint256 indexed proposalId, address indexed by);
    event Reclaimed(uint256 indexed proposalId, address indexed account, uint256 amount);

    error ResearchRoundsUnknownRound(uint256 roundId);
    error ResearchRoundsUnknownProposal(uint256 proposalId);
    error ResearchRoundsZeroAmount();
    error ResearchRoundsBadEnd(uint32 contributeEnd);
    error ResearchRoundsClosed(uint256 roundId, uint32 contributeEnd);
    error ResearchRoundsOpen(uint256 roundId, uint32 contributeEnd);
    error ResearchRoundsFinalized(uint256 roundId);
    error ResearchRoundsNotFinalized(uint256 roundId);
    error ResearchRoundsPoolMatched(uint256 roundId);
    error ResearchRoundsParamsMismatch(uint256 proposalId);
    error ResearchRoundsBudgetNotZero();
    error ResearchRoundsAlreadyLaunched(uint256 proposalId, uint256 jobId);
    error ResearchRoundsNotLaunched(uint256 proposalId);
    error ResearchRoundsNothingRaised(uint256 proposalId);
    error ResearchRoundsNotProposer(uint256 proposalId, address caller);
    error ResearchRoundsNoModel(uint256 proposalId, uint256 jobId);
    error ResearchRoundsNothingToRefund(uint256 proposalId);
    error ResearchRoundsTokenMismatch(address expected, address given);
    error ResearchRoundsBudgetNotReceived(uint256 expected, uint256 received);
    error ResearchRoundsBudgetTooLarge(uint256 proposalId, uint256 budget);
    error ResearchRoundsWithdrawn(uint256 proposalId);
    error ResearchRoundsNotWithdrawn(uint256 proposalId);
    error ResearchRoundsNotAllowed(uint256 proposalId, address caller);
    error ResearchRoundsNothingToReclaim(uint256 proposalId, address account);

    constructor(TrainingJobs jobs_, address registry_, IERC20 myc_) {
        _jobs = jobs_;
        _registry = registry_;
        _myc = myc_;
    }

    /// @notice Opens a round paying in `token` with a matching pool of `pool` (pulled from the caller; approve first).
    function openRound(address token, uint96 pool, uint32 contributeEnd) external nonReentrant returns (uint256 id) {
        if (contributeEnd <= block.timestamp) revert ResearchRoundsBadEnd(contributeEnd);
        id = ++_roundCount;
        Round storage r = _rounds[id];
        r.sponsor = msg.sender;
        r.token = token;
        r.pool = pool;
        r.contributeEnd = contributeEnd;
        emit RoundOpened(id, msg.sender, token, pool, contributeEnd);
        _pull(token, pool);
    }

    /**
     * @notice Proposes a training job in round `roundId` (before its end); the job's parameters are committed by hash
     * (`market.budget` must be 0: the budget is what the round raises) and given again at {launch}.
     */
    function propose(
        uint256 roundId,
        ITrainingJobs.Spec calldata spec,
        ITrainingJobs.Market calldata market,
        IModelRegistry.Terms calldata terms,
        string calldata specCid,
        string calldata datasetCid
    ) external returns (uint256 id) {
        Round storage r = _open(roundId);
        if (market.budget != 0) revert ResearchRoundsBudgetNotZero();
        if (market.token != r.token) revert ResearchRoundsTokenMismatch(r.token, market.token);
        id = ++_proposalCount;
        Proposal storage p = _proposals[id];
        p.round = roundId;
        p.proposer = msg.sender;
        p.paramsHash = keccak256(abi.encode(spec, market, terms, specCid, datasetCid));
        r.proposals.push(id);
        emit Proposed(roundId, id, msg.sender, p.paramsHash, spec, market, terms, specCid, datasetCid);
    }

    /**
     * @notice Contributes `amount` of the round's token to proposal `proposalId` (before the round's end). A proposal
     * raises at most 2^96 − 1 minus the round's pool, so its budget always fits the market's.
     */
    function contribute(uint256 proposalId, uint128 amount) external nonReentrant {
        if (amount == 0) revert ResearchRoundsZeroAmount();
        Proposal storage p = _proposal(proposalId);
        Round storage r = _open(p.round);
        uint256 most = uint256(p.raised) + amount + r.pool;
        if (most > type(uint96).max) revert ResearchRoundsBudgetTooLarge(proposalId, most);
        uint256 total = _contributed[proposalId][msg.sender] + amount;
        uint256 root = Math.sqrt(total * SCALE);
        uint256 before = score(proposalId);
        p.sumSqrt = p.sumSqrt - _sqrtOf[proposalId][msg.sender] + root;
        _sqrtOf[proposalId][msg.sender] = root;
        _contributed[proposalId][msg.sender] = total;
        p.raised += amount;
        r.totalScore = r.totalScore - before + score(proposalId);
        emit Contributed(proposalId, msg.sender, amount, total);
        _pull(r.token, amount);
    }

    /**
     * @notice After the round's end (anyone): fixes the split of the pool by the QF rule (each proposal's match is
     * pool × score / total score). It moves no tokens, so no account can block it; a pool no proposal scored for
     * returns to the sponsor with {reclaimPool}.
     */
    function finalize(uint256 roundId) external nonReentrant {
        Round storage r = _round(roundId);
        if (block.timestamp < r.contributeEnd) revert ResearchRoundsOpen(roundId, r.contributeEnd);
        if (r.finalized) revert ResearchRoundsFinalized(roundId);
        r.finalized = true;
        emit RoundFinalized(roundId, r.totalScore);
    }

    /// @notice After finalization (anyone): a pool no proposal scored for (total score 0) returns to the sponsor, once.
    function reclaimPool(uint256 roundId) external nonReentrant returns (uint256 amount) {
        Round storage r = _round(roundId);
        if (!r.finalized) revert ResearchRoundsNotFinalized(roundId);
        if (r.totalScore != 0) revert ResearchRoundsPoolMatched(roundId);
        amount = r.pool;
        if (amount == 0) revert ResearchRoundsNothingToReclaim(0, r.sponsor);
        r.pool = 0;
        emit PoolReclaimed(roundId, r.sponsor, amount);
        _pay(r.token, r.sponsor, amount);
    }

    /**
     * @notice Posts a funded proposal to TrainingJobs (anyone, after finalization): the parameters committed at
     * {propose}, the budget its contributions plus its match, this contract the buyer.
     */
    function launch(
        uint256 proposalId,
        ITrainingJobs.Spec calldata spec,
        ITrainingJobs.Market calldata market,
        IModelRegistry.Terms calldata terms,
        string calldata specCid,
        string calldata datasetCid
    ) external nonReentrant returns (uint256 jobId) {
        Proposal storage p = _proposal(proposalId);
        Round storage r = _rounds[p.round];
        if (!r.finalized) revert ResearchRoundsNotFinalized(p.round);
        if (p.jobId != 0) revert ResearchRoundsAlreadyLaunched(proposalId, p.jobId);
        if (p.withdrawn) revert ResearchRoundsWithdrawn(proposalId);
        if (keccak256(abi.encode(spec, market, terms, specCid, datasetCid)) != p.paramsHash) {
            revert ResearchRoundsParamsMismatch(proposalId);
        }
        uint256 budget = uint256(p.raised) + _settleMatch(proposalId, p, r);
        if (budget == 0) revert ResearchRoundsNothingRaised(proposalId);
        ITrainingJobs.Market memory funded = market;
        funded.budget = uint96(budget);
        p.jobId = type(uint256).max; // set before the external call (no re-entry into a second launch)
        IERC20(r.token).forceApprove(address(_jobs), budget);
        jobId = _jobs.postJob(spec, funded, terms, specCid, datasetCid);
        p.jobId = jobId;
        emit Launched(proposalId, jobId, budget);
    }

    /// @notice Gives the model of a launched proposal's accepted job to its proposer.
    function claimModel(uint256 proposalId) external nonReentrant returns (uint256 modelId) {
        Proposal storage p = _launched(proposalId);
        modelId = _jobs.getJob(p.jobId).modelId;
        if (modelId == 0) revert ResearchRoundsNoModel(proposalId, p.jobId);
        emit ModelClaimed(proposalId, modelId, p.proposer);
        IERC721(_registry).transferFrom(address(this), p.proposer, modelId);
    }

    /**
     * @notice Pays a launched proposal's proposer what its job returned: once accepted, the budget minus the winning
     * bid (which TrainingJobs owes this contract from the acceptance on), once; and the MYC compensation of every
     * provider that missed the job's deadline, as it accrues.
     */
    function claimRefund(uint256 proposalId) external nonReentrant returns (uint256 amount, uint256 compensation) {
        Proposal storage p = _launched(proposalId);
        if (msg.sender != p.proposer) revert ResearchRoundsNotProposer(proposalId, msg.sender);
        TrainingJobs.Job memory job = _jobs.getJob(p.jobId);
        if (job.state == TrainingJobs.State.Accepted && !p.refundClaimed) {
            p.refundClaimed = true;
            amount = uint256(job.market.budget) - job.price;
        }
        compensation = job.compensation - p.compensationPaid;
        p.compensationPaid = job.compensation;
        if (amount == 0 && compensation == 0) revert ResearchRoundsNothingToRefund(proposalId);
        address token = _rounds[p.round].token;
        emit RefundClaimed(proposalId, p.proposer, amount, compensation);
        if (amount > 0) _pay(token, p.proposer, amount);
        // The compensation came to this contract at the slash (TrainingJobs pays it directly, not as a debt).
        if (compensation > 0) _myc.safeTransfer(p.proposer, compensation);
    }

    /**
     * @notice Withdraws a finalized proposal that will not run: before its launch, or while its job is still at
     * auction (the job is cancelled and its escrow returns here). Its proposer or the round's sponsor may, at any
     * time; anyone may once it is still unlaunched {LAUNCH_PERIOD} after the round's end (its parameters may be ones
     * the market refuses), or once its job has gone through {STALE_ROUNDS} auctions and no bid is pending in the
     * current one. Then its contributors and sponsor {reclaim} what they put in.
     */
    function withdrawProposal(uint256 proposalId) external nonReentrant {
        Proposal storage p = _proposal(proposalId);
        Round storage r = _rounds[p.round];
        if (!r.finalized) revert ResearchRoundsNotFinalized(p.round);
        if (p.withdrawn) revert ResearchRoundsWithdrawn(proposalId);
        if (p.jobId == type(uint256).max) revert ResearchRoundsNotLaunched(proposalId);
        bool launched = p.jobId != 0;
        bool stale;
        if (launched) {
            TrainingJobs.Job memory job = _jobs.getJob(p.jobId);
            stale = job.round > STALE_ROUNDS && job.provider == address(0);
        } else {
            stale = block.timestamp >= uint256(r.contributeEnd) + LAUNCH_PERIOD;
        }
        if (msg.sender != p.proposer && msg.sender != r.sponsor && !stale) {
            revert ResearchRoundsNotAllowed(proposalId, msg.sender);
        }
        p.withdrawn = true;
        _settleMatch(proposalId, p, r);
        emit ProposalWithdrawn(proposalId, msg.sender);
        if (launched) _jobs.cancel(p.jobId); // reverts unless the job is still at auction
    }

    /**
     * @notice After {withdrawProposal}: the caller takes back its contribution to the proposal, and the sponsor the
     * proposal's match, each once.
     */
    function reclaim(uint256 proposalId) external nonReentrant returns (uint256 amount) {
        Proposal storage p = _proposal(proposalId);
        if (!p.withdrawn) revert ResearchRoundsNotWithdrawn(proposalId);
        Round storage r = _rounds[p.round];
        amount = _contributed[proposalId][msg.sender];
        _contributed[proposalId][msg.sender] = 0;
        if (msg.sender == r.sponsor && !p.matchReclaimed) {
            p.matchReclaimed = true;
            amount += p.matched;
        }
        if (amount == 0) revert ResearchRoundsNothingToReclaim(proposalId, msg.sender);
        emit Reclaimed(proposalId, msg.sender, amount);
        _pay(r.token, msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice A proposal's match once its round is finalized: pool × score / total score (0 when nothing scored).
    function matchOf(uint256 proposalId) public view returns (uint256) {
        Round storage r = _rounds[_proposals[proposalId].round];
        if (!r.finalized || r.totalScore == 0) return 0;
        return Math.mulDiv(r.pool, score(proposalId), r.totalScore);
    }

    /// @notice A proposal's QF score: (Σ √cᵢ)² − Σ cᵢ, in token units.
    function score(uint256 proposalId) public view returns (uint256) {
        Proposal storage p = _proposals[proposalId];
        uint256 squared = Math.mulDiv(p.sumSqrt, p.sumSqrt, SCALE);
        return squared > p.raised ? squared - p.raised : 0;
    }

    function getRound(uint256 roundId) external view returns (Round memory) {
        return _round(roundId);
    }

    /// @notice A proposal; `matched` is its match from finalization on (recorded at launch or withdrawal).
    function getProposal(uint256 proposalId) external view returns (Proposal memory p) {
        p = _proposal(proposalId);
        p.matched = uint128(matchOf(proposalId));
    }

    function contributionOf(uint256 proposalId, address contributor) external view returns (uint256) {
        return _contributed[proposalId][contributor];
    }

    // ---------------------------------------------------------------- internals

    /// @dev Pays `amount` of `token`, first collecting whatever TrainingJobs owes this contract in it (refunds of
    /// accepted and cancelled jobs arrive there as debts; each proposal and contributor then takes out exactly its own).
    function _pay(address token, address to, uint256 amount) private {
        if (_jobs.owed(token, address(this)) > 0) _jobs.withdraw(token);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @dev Records a finalized proposal's match (pool × score / total; fixed, contributions are closed) and returns it.
    function _settleMatch(uint256 proposalId, Proposal storage p, Round storage r) private returns (uint256 m) {
        if (r.totalScore == 0) return 0;
        m = Math.mulDiv(r.pool, score(proposalId), r.totalScore);
        if (p.matched != m) {
            p.matched = uint128(m);
            emit Matched(proposalId, p.raised, m);
        }
    }

    function _pull(address token, uint256 amount) private {
        if (amount == 0) revert ResearchRoundsZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert ResearchRoundsBudgetNotReceived(amount, received);
    }

    function _round(uint256 roundId) private view returns (Round storage r) {
        r = _rounds[roundId];
        if (r.sponsor == address(0)) revert ResearchRoundsUnknownRound(roundId);
    }

    function _open(uint256 roundId) private view returns (Round storage r) {
        r = _round(roundId);
        if (block.timestamp >= r.contributeEnd) revert ResearchRoundsClosed(roundId, r.contributeEnd);
    }

    function _proposal(uint256 proposalId) private view returns (Proposal storage p) {
        p = _proposals[proposalId];
        if (p.proposer == address(0)) revert ResearchRoundsUnknownProposal(proposalId);
    }

    function _launched(uint256 proposalId) private view returns (Proposal storage p) {
        p = _proposal(proposalId);
        if (p.jobId == 0 || p.jobId == type(uint256).max) revert ResearchRoundsNotLaunched(proposalId);
    }
}
