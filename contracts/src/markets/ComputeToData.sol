// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";
import {TrainingJobs, IBidGate} from "../training/TrainingJobs.sol";
import {AccessGrants} from "./AccessGrants.sol";

/**
 * @title ComputeToData
 * @notice Training jobs on datasets whose records their buyer never sees (docs/data.md "Compute-to-data").
 *
 * A buyer posts a job of the training market on a dataset of the DatasetRegistry through this contract, in one
 * transaction: it pays the dataset's training price (a Training grant of AccessGrants, bought at the terms the buyer
 * read and split there among the dataset's contributors and owner at once, as Ocean's compute orders are paid) and
 * escrows the job's budget in TrainingJobs, where this contract is the job's buyer. The job's spec must name the
 * dataset's records root and count, and its dataset CID is the dataset's sealed CID, so the job's lineage names the
 * dataset. The dataset's owner approves the job's spec ({approve}) before anyone may bid: a spec decides what the
 * model can reveal of the records. Only parties the owner trusts may then bid or challenge: each holds a Compute grant
 * it enrolled here ({enrol}), and TrainingJobs asks this contract ({mayBid}) at every commitment, reveal and challenge;
 * such a provider gets the dataset's key from the owner's node and trains there. A Training grant gets no key: the
 * buyer receives only the model — delivered by {claim} (or at once by its {accept}) once the job is accepted, with what
 * is left of the budget (and any compensation from providers that missed their deadline).
 *
 * A training grant buys one trained model: when its job is cancelled before any provider held it (never approved, or
 * by the end of the first round open to bids after its approval), the buyer may post again under the same grant while
 * it is valid; otherwise the grant is used. The attacks considered are in contracts/test/attacks.c2d.md, attacks.c2d2.md
 * and attacks.c2d3.md.
 */
contract ComputeToData is IBidGate, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    struct Order {
        address buyer;
        uint256 datasetId;
        uint256 grantId; // the Training grant the job runs under
        bool approved; // the dataset's owner accepted the job's spec: until then nobody may bid
        bool settled; // the refund (and compensation) credited
        bool modelDelivered;
        // The first round providers could bid in once approved: the job's round at the first approval, or the next one
        // when that round's bidding period was over (audit E1, F1). No provider held the job before it ended.
        uint32 approvedRound;
    }

    TrainingJobs public immutable trainingJobs;
    AccessGrants public immutable accessGrants;
    IDatasetRegistry public immutable datasetRegistry;
    IERC721 public immutable modelRegistry;
    IERC20 public immutable myc;

    mapping(uint256 jobId => Order) private _orders;
    /// @dev the job each Training grant was last used for (0: none)
    mapping(uint256 grantId => uint256 jobId) private _jobOfGrant;
    /// @dev the Compute grant a provider enrolled for a dataset
    mapping(uint256 datasetId => mapping(address provider => uint256 grantId)) private _enrolled;
    mapping(address token => mapping(address account => uint256)) private _owed;

    event DataJobPosted(uint256 indexed jobId, uint256 indexed datasetId, address indexed buyer, uint256 grantId);
    event ProviderEnrolled(uint256 indexed datasetId, address indexed provider, uint256 grantId);
    event DataJobApproved(uint256 indexed jobId, uint256 indexed datasetId, address indexed owner);
    event DataJobSettled(uint256 indexed jobId, address indexed buyer, uint256 refund, uint256 compensation);
    event ModelDelivered(uint256 indexed jobId, address indexed buyer, uint256 modelId);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);

    error ComputeToDataWrongDataset(uint256 datasetId, string field);
    error ComputeToDataBadGrant(uint256 grantId, string reason);
    error ComputeToDataGrantUsed(uint256 grantId, uint256 jobId);
    error ComputeToDataUnknownJob(uint256 jobId);
    error ComputeToDataNotBuyer(uint256 jobId, address caller);
    error ComputeToDataNotFinished(uint256 jobId);
    error ComputeToDataNotDatasetOwner(uint256 jobId, address caller);
    error ComputeToDataNotGrantee(uint256 grantId, address caller);
    error ComputeToDataNothingToClaim(uint256 jobId);
    error ComputeToDataNothingOwed(address token, address account);

    constructor(TrainingJobs jobs, AccessGrants grants, IERC721 models, IERC20 myc_) {
        trainingJobs = jobs;
        accessGrants = grants;
        datasetRegistry = grants.registry();
        modelRegistry = models;
        myc = myc_;
    }

    /**
     * @notice Posts a training job on `datasetId` for the caller. With `grantId` 0 it buys the Training grant first
     * (approve this contract for the dataset's training price in its currency, plus the budget); otherwise it runs
     * under the caller's valid Training grant `grantId` on that dataset, unused or whose job was cancelled.
     * `agreedTerms` is the dataset's terms hash the buyer read (ignored when a grant is given).
     * Requirements: the spec names the dataset's records root and count; everything TrainingJobs.postJob requires.
     * Returns the job's id in TrainingJobs. Emits {DataJobPosted}.
     */
    function post(
        uint256 datasetId,
        uint256 grantId,
        bytes32 agreedTerms,
        ITrainingJobs.Spec calldata spec,
        ITrainingJobs.Market calldata market,
        IModelRegistry.Terms calldata modelTerms,
        string calldata specCid
    ) external nonReentrant returns (uint256 jobId) {
        string memory cid = _datasetCid(datasetId, spec);
        if (grantId == 0) grantId = _buyTraining(datasetId, agreedTerms);
        else _checkGrant(grantId, datasetId);
        IERC20 token = IERC20(market.token);
        token.safeTransferFrom(msg.sender, address(this), market.budget);
        token.forceApprove(address(trainingJobs), market.budget);
        jobId = trainingJobs.postJob(spec, market, modelTerms, specCid, cid);
        _jobOfGrant[grantId] = jobId;
        _orders[jobId] = Order({
            buyer: msg.sender,
            datasetId: datasetId,
            grantId: grantId,
            approved: false,
            settled: false,
            modelDelivered: false,
            approvedRound: 0
        });
        emit DataJobPosted(jobId, datasetId, msg.sender, grantId);
    }

    /**
     * @notice The grantee of the Compute grant `grantId` enrols it: it may then bid on and challenge the dataset's jobs
     * while the grant holds. A later enrolment for the same dataset replaces it. Only the grantee enrols (audit C6, C7:
     * no one may put a provider on a dataset it did not choose, or swap its grant for a shorter one).
     */
    function enrol(uint256 grantId) external {
        AccessGrants.Grant memory grant = accessGrants.getGrant(grantId);
        if (grant.grantee != msg.sender) revert ComputeToDataNotGrantee(grantId, msg.sender);
        if (grant.kind != AccessGrants.Kind.Compute) revert ComputeToDataBadGrant(grantId, "not a compute grant");
        if (!accessGrants.isValid(grantId)) revert ComputeToDataBadGrant(grantId, "expired or revoked");
        _enrolled[grant.datasetId][grant.grantee] = grantId;
        emit ProviderEnrolled(grant.datasetId, grant.grantee, grantId);
    }

    /**
     * @notice The dataset's owner accepts the job's spec, opening it to the providers it trusts. A spec is what decides
     * what the model can reveal of the records (one step on a batch of one memorises a record: audit C8), so no job
     * trains on the data before its owner has read it. Emits {DataJobApproved}.
     */
    function approve(uint256 jobId) external {
        Order storage order = _orders[jobId];
        if (order.buyer == address(0)) revert ComputeToDataUnknownJob(jobId);
        if (datasetRegistry.ownerOf(order.datasetId) != msg.sender) revert ComputeToDataNotDatasetOwner(jobId, msg.sender);
        if (!order.approved) {
            TrainingJobs.Job memory job = trainingJobs.getJob(jobId);
            order.approvedRound = block.timestamp < job.biddingEnd ? job.round : job.round + 1;
        }
        order.approved = true;
        emit DataJobApproved(jobId, order.datasetId, msg.sender);
    }

    /// @notice The buyer withdraws its job while it is still at auction (the budget comes back through {claim}).
    function cancel(uint256 jobId) external nonReentrant {
        _buyerOf(jobId);
        trainingJobs.cancel(jobId);
    }

    /**
     * @notice Accepts the job's result and hands the buyer the model and the refund in the same transaction ({claim}):
     * the buyer at any time (waiving the rest of the challenge window), anyone once the window is over. (Accepted
     * directly on TrainingJobs, the model waits here until {claim}.)
     */
    function accept(uint256 jobId) external nonReentrant {
        Order storage order = _orders[jobId];
        if (order.buyer == address(0)) revert ComputeToDataUnknownJob(jobId);
        if (msg.sender != order.buyer && block.timestamp < trainingJobs.getJob(jobId).windowEnd) {
            revert ComputeToDataNotBuyer(jobId, msg.sender);
        }
        trainingJobs.accept(jobId);
        _claim(jobId);
    }

    /**
     * @notice Settles a finished job for its buyer (anyone may call): once accepted or cancelled, credits the buyer
     * the rest of the budget and any compensation, and hands it the trained model once one is registered (a
     * registration that failed at acceptance is retried with TrainingJobs.registerTrainedModel, then claimed again).
     */
    function claim(uint256 jobId) external nonReentrant {
        if (!_claim(jobId)) revert ComputeToDataNothingToClaim(jobId);
    }

    /// @notice Pays the caller what {claim} credited it in `token`. Emits {Withdrawn}.
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _owed[token][msg.sender];
        if (amount == 0) revert ComputeToDataNothingOwed(token, msg.sender);
        delete _owed[token][msg.sender];
        // Refunds wait in TrainingJobs until a withdrawal needs them: a token that refuses this contract then fails
        // only withdrawals in it, never the delivery of a model (audit C2).
        if (IERC20(token).balanceOf(address(this)) < amount) trainingJobs.withdraw(token);
        emit Withdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IBidGate
    /// @dev Never reverts (TrainingJobs treats a failed answer as "open to all"): a provider may bid on, and a verifier
    /// challenge, an approved job of this contract while its enrolled Compute grant holds — a dispute publishes the
    /// records it narrows to, so only parties the data's owner trusts may start one (audit C1).
    function mayBid(uint256 jobId, address provider) external view returns (bytes4) {
        Order storage order = _orders[jobId];
        if (order.buyer == address(0) || !order.approved) return bytes4(0);
        uint256 grantId = _enrolled[order.datasetId][provider];
        return grantId != 0 && accessGrants.isValid(grantId) ? IBidGate.mayBid.selector : bytes4(0);
    }

    /// @notice The order behind job `jobId` (a zero buyer for a job not posted here).
    function orderOf(uint256 jobId) external view returns (Order memory) {
        return _orders[jobId];
    }

    /// @notice The Compute grant `provider` enrolled for `datasetId` (0 if none; it may have ended since).
    function enrolledGrant(uint256 datasetId, address provider) external view returns (uint256) {
        return _enrolled[datasetId][provider];
    }

    /// @notice The job Training grant `grantId` was last used for (0 if none).
    function jobOfGrant(uint256 grantId) external view returns (uint256) {
        return _jobOfGrant[grantId];
    }

    /// @notice What `account` may withdraw in `token`.
    function owed(address token, address account) external view returns (uint256) {
        return _owed[token][account];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev The dataset's sealed CID, once the spec is checked to name its records.
    function _datasetCid(uint256 datasetId, ITrainingJobs.Spec calldata spec) private view returns (string memory) {
        IDatasetRegistry.Dataset memory dataset = datasetRegistry.getDataset(datasetId);
        if (spec.datasetRoot != dataset.recordsRoot) revert ComputeToDataWrongDataset(datasetId, "records root");
        if (spec.datasetCount != dataset.recordCount) revert ComputeToDataWrongDataset(datasetId, "record count");
        return dataset.cid;
    }

    /// @dev Buys a Training grant for the caller at `agreedTerms`, the caller paying through this contract.
    function _buyTraining(uint256 datasetId, bytes32 agreedTerms) private returns (uint256) {
        IDatasetRegistry.Terms memory terms = datasetRegistry.termsOf(datasetId);
        uint256 price = accessGrants.priceOf(terms, AccessGrants.Kind.Training, 0, 0);
        if (price > 0) {
            IERC20(terms.currency).safeTransferFrom(msg.sender, address(this), price);
            IERC20(terms.currency).forceApprove(address(accessGrants), price);
        }
        return accessGrants.buy(datasetId, AccessGrants.Kind.Training, msg.sender, new uint32[](0), 0, agreedTerms);
    }

    /// @dev Settles `jobId` for its buyer and hands it the model, what is not done yet; whether anything was done.
    function _claim(uint256 jobId) private returns (bool done) {
        Order storage order = _orders[jobId];
        if (order.buyer == address(0)) revert ComputeToDataUnknownJob(jobId);
        TrainingJobs.Job memory job = trainingJobs.getJob(jobId);
        if (job.state != TrainingJobs.State.Accepted && job.state != TrainingJobs.State.Cancelled) {
            revert ComputeToDataNotFinished(jobId);
        }
        if (!order.settled) {
            order.settled = true;
            done = true;
            uint256 refund = job.state == TrainingJobs.State.Cancelled ? job.market.budget : job.market.budget - job.price;
            if (refund > 0) _owed[job.market.token][order.buyer] += refund;
            if (job.compensation > 0) _owed[address(myc)][order.buyer] += job.compensation;
            emit DataJobSettled(jobId, order.buyer, refund, job.compensation);
        }
        if (job.modelId != 0 && !order.modelDelivered) {
            order.modelDelivered = true;
            done = true;
            emit ModelDelivered(jobId, order.buyer, job.modelId);
            modelRegistry.transferFrom(address(this), order.buyer, job.modelId);
        }
    }

    function _checkGrant(uint256 grantId, uint256 datasetId) private view {
        AccessGrants.Grant memory grant = accessGrants.getGrant(grantId);
        if (grant.kind != AccessGrants.Kind.Training) revert ComputeToDataBadGrant(grantId, "not a training grant");
        if (grant.datasetId != datasetId) revert ComputeToDataBadGrant(grantId, "on another dataset");
        if (grant.grantee != msg.sender) revert ComputeToDataBadGrant(grantId, "held by another account");
        if (!accessGrants.isValid(grantId)) revert ComputeToDataBadGrant(grantId, "expired or revoked");
        uint256 previous = _jobOfGrant[grantId];
        if (previous != 0) {
            // A job cancelled before any provider held it leaves the grant unused (one reopened after a provider held
            // it does not: audit C4). Nobody bids before the approval, and a provider holding the job ends the round:
            // so a job never approved, or cancelled by the end of the first round open to bids after its approval,
            // never reached a provider — even if rounds nobody could bid in were reopened (anyone may, and the node's
            // trainer does; audit E1), including the rest of a round approved after its bidding period (audit F1).
            TrainingJobs.Job memory job = trainingJobs.getJob(previous);
            Order storage last = _orders[previous];
            if (job.state != TrainingJobs.State.Cancelled || (last.approved && job.round > last.approvedRound)) {
                revert ComputeToDataGrantUsed(grantId, previous);
            }
        }
    }

    function _buyerOf(uint256 jobId) private view {
        address buyer = _orders[jobId].buyer;
        if (buyer == address(0)) revert ComputeToDataUnknownJob(jobId);
        if (buyer != msg.sender) revert ComputeToDataNotBuyer(jobId, msg.sender);
    }
}
