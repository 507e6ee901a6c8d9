// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";

/**
 * @title AccessGrants
 * @notice Grants of access to datasets of the DatasetRegistry: priced, time-bound and revocable (docs/data.md).
 *
 * Kinds: `Access` (the whole dataset: its owner's node releases the key wrapped to the grantee), `Training` (one
 * training job on it, run where the owner trusts — compute-to-data: no key for the grantee, only the model),
 * `Records` (chosen records, served one by one by the owner's vault), `Queries` (a number of queries answered by the
 * vault) and `Compute` (the owner's trust in a provider that trains or verifies on the data: it gets the key; never
 * sold). A buyer pays the dataset's price for the kind in its terms' currency ({buy}, naming the terms it read, as a
 * license purchase does); the owner may also give any grant away ({issue}). A grant ends at its expiry (never for a
 * dataset whose terms say a duration of 0) or when the dataset's owner revokes it — the owner's right, as for model
 * licenses: a revocation refunds nothing (docs/data.md says so to buyers).
 *
 * Payment: each contributor of the dataset is credited its fixed share (floor), the dataset's owner at the time of
 * the purchase the rest, so every unit paid is credited to someone; credits are withdrawn per token ({withdraw}).
 * Nothing loops over anything but the dataset's at most 8 contributors.
 */
contract AccessGrants is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    enum Kind {
        Access,
        Training,
        Records,
        Queries,
        Compute
    }

    /// @notice One grant. `units` is the number of records (Records) or queries (Queries), 0 for the others; `scope`
    /// is keccak256(abi.encodePacked(uint32[] records)) for Records, zero for the others.
    struct Grant {
        uint256 datasetId;
        address grantee;
        Kind kind;
        uint64 expiresAt; // type(uint64).max for no end
        bool revoked;
        uint32 units;
        bytes32 scope;
        address currency;
        uint128 price;
    }

    uint64 private constant FOREVER = type(uint64).max;
    /// @notice The most records one per-record grant names.
    uint256 public constant MAX_RECORDS = 1024;
    uint256 private constant BPS = 10_000;

    IDatasetRegistry public immutable registry;
    uint256 private _grantCount;
    mapping(uint256 grantId => Grant) private _grants;
    mapping(address token => mapping(address account => uint256)) private _owed;

    /// @notice `records` are the grant's records (Records kind), in increasing order; empty for the other kinds.
    event GrantIssued(
        uint256 indexed grantId, uint256 indexed datasetId, address indexed grantee, Grant grant, uint32[] records
    );
    event GrantRevoked(uint256 indexed grantId, uint256 indexed datasetId, address indexed grantee);
    /// @notice `payee` was credited `amount` of `token` for a grant of `datasetId`.
    event Credited(uint256 indexed datasetId, address indexed payee, address token, uint256 amount);
    event Withdrawn(address indexed account, address indexed token, uint256 amount);

    error AccessGrantsUnknownGrant(uint256 grantId);
    error AccessGrantsNotDatasetOwner(uint256 datasetId, address caller);
    error AccessGrantsNotForSale(Kind kind);
    error AccessGrantsNotOffered(uint256 datasetId, Kind kind);
    error AccessGrantsZeroGrantee();
    /// @dev Records are named only by a Records grant, queries only by a Queries grant.
    error AccessGrantsBadScope(Kind kind);
    error AccessGrantsTooManyRecords(uint256 count, uint256 max);
    /// @dev Records must be named in strictly increasing order, each below the dataset's record count.
    error AccessGrantsBadRecord(uint256 index, uint32 record, uint32 recordCount);
    error AccessGrantsTermsChanged(uint256 datasetId, bytes32 agreed, bytes32 current);
    error AccessGrantsAlreadyRevoked(uint256 grantId);
    error AccessGrantsTransferShort(address token, uint256 expected, uint256 received);
    error AccessGrantsNothingOwed(address token, address account);

    constructor(IDatasetRegistry registry_) {
        registry = registry_;
    }

    /**
     * @notice Buys a grant of `kind` on `datasetId` for `grantee` (the caller pays: approve the price first).
     * @param records For a Records grant, the records (strictly increasing, 1..1,024 of them); else empty.
     * @param queries For a Queries grant, how many queries (at least 1); else 0.
     * @param agreedTerms The dataset's {DatasetRegistry.termsHash} the buyer read: the purchase reverts if it changed.
     * Requirements: the kind is offered by the dataset's terms (Compute never is); a non-zero grantee; the scope
     * fits the kind; the currency delivers the whole price. Returns the grant's id.
     * Emits {GrantIssued} and a {Credited} per payee.
     */
    function buy(
        uint256 datasetId,
        Kind kind,
        address grantee,
        uint32[] calldata records,
        uint32 queries,
        bytes32 agreedTerms
    ) external nonReentrant returns (uint256 grantId) {
        IDatasetRegistry.Terms memory terms = registry.termsOf(datasetId); // reverts for an unknown dataset
        if (kind == Kind.Compute) revert AccessGrantsNotForSale(kind);
        if (terms.offers & (1 << uint8(kind)) == 0) revert AccessGrantsNotOffered(datasetId, kind);
        bytes32 current = keccak256(abi.encode(terms));
        if (current != agreedTerms) revert AccessGrantsTermsChanged(datasetId, agreedTerms, current);
        uint256 price = priceOf(terms, kind, records.length, queries);
        uint64 expiresAt = terms.grantDuration == 0 ? FOREVER : uint64(block.timestamp) + terms.grantDuration;
        grantId = _record(datasetId, kind, grantee, records, queries, expiresAt, terms.currency, price);
        if (price > 0) {
            _split(datasetId, terms.currency, price);
            _pull(terms.currency, price);
        }
    }

    /**
     * @notice Gives a grant of any kind away (the dataset's owner only): `duration` seconds from now, 0 for no end.
     * A Compute grant names a provider the owner trusts to train or verify on the data (it gets the key).
     * Requirements: the caller owns the dataset; a non-zero grantee; the scope fits the kind. Emits {GrantIssued}.
     */
    function issue(
        uint256 datasetId,
        Kind kind,
        address grantee,
        uint32[] calldata records,
        uint32 queries,
        uint64 duration
    ) external returns (uint256 grantId) {
        if (registry.ownerOf(datasetId) != msg.sender) revert AccessGrantsNotDatasetOwner(datasetId, msg.sender);
        IDatasetRegistry.Terms memory terms = registry.termsOf(datasetId);
        uint64 expiresAt = duration == 0 || duration >= FOREVER - block.timestamp
            ? FOREVER
            : uint64(block.timestamp) + duration;
        grantId = _record(datasetId, kind, grantee, records, queries, expiresAt, terms.currency, 0);
    }

    /**
     * @notice Revokes `grantId` at once (the dataset's current owner only); nothing is refunded.
     * Requirements: not revoked before. Emits {GrantRevoked}.
     */
    function revoke(uint256 grantId) external {
        Grant storage grant = _grant(grantId);
        if (registry.ownerOf(grant.datasetId) != msg.sender) {
            revert AccessGrantsNotDatasetOwner(grant.datasetId, msg.sender);
        }
        if (grant.revoked) revert AccessGrantsAlreadyRevoked(grantId);
        grant.revoked = true;
        emit GrantRevoked(grantId, grant.datasetId, grant.grantee);
    }

    /// @notice Pays the caller everything credited to it in `token`. Emits {Withdrawn}.
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = _owed[token][msg.sender];
        if (amount == 0) revert AccessGrantsNothingOwed(token, msg.sender);
        delete _owed[token][msg.sender];
        emit Withdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The grant `grantId` (reverts if unknown).
    function getGrant(uint256 grantId) external view returns (Grant memory) {
        return _grant(grantId);
    }

    /// @notice Whether `grantId` holds now: issued, not revoked, not expired.
    function isValid(uint256 grantId) external view returns (bool) {
        Grant storage grant = _grants[grantId];
        return grant.grantee != address(0) && !grant.revoked && grant.expiresAt > block.timestamp;
    }

    /// @notice What a grant of `kind` costs under `terms`, for `recordCount` records or `queries` queries.
    function priceOf(IDatasetRegistry.Terms memory terms, Kind kind, uint256 recordCount, uint256 queries)
        public
        pure
        returns (uint256)
    {
        if (kind == Kind.Access) return terms.accessPrice;
        if (kind == Kind.Training) return terms.trainingPrice;
        if (kind == Kind.Records) return uint256(terms.recordPrice) * recordCount;
        if (kind == Kind.Queries) return uint256(terms.queryPrice) * queries;
        return 0;
    }

    /// @notice The `scope` of a Records grant naming `records`.
    function recordsScope(uint32[] calldata records) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(records));
    }

    /// @notice What `account` may withdraw in `token`.
    function owed(address token, address account) external view returns (uint256) {
        return _owed[token][account];
    }

    /// @notice Number of grants ever issued; ids run from 1.
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    function _record(
        uint256 datasetId,
        Kind kind,
        address grantee,
        uint32[] calldata records,
        uint32 queries,
        uint64 expiresAt,
        address currency,
        uint256 price
    ) private returns (uint256 grantId) {
        if (grantee == address(0)) revert AccessGrantsZeroGrantee();
        uint32 units;
        bytes32 scope;
        if (kind == Kind.Records) {
            units = uint32(_checkRecords(datasetId, records));
            scope = recordsScope(records);
            if (queries != 0) revert AccessGrantsBadScope(kind);
        } else if (kind == Kind.Queries) {
            if (queries == 0 || records.length != 0) revert AccessGrantsBadScope(kind);
            units = queries;
        } else if (records.length != 0 || queries != 0) {
            revert AccessGrantsBadScope(kind);
        }
        grantId = ++_grantCount;
        Grant memory grant = Grant({
            datasetId: datasetId,
            grantee: grantee,
            kind: kind,
            expiresAt: expiresAt,
            revoked: false,
            units: units,
            scope: scope,
            currency: currency,
            price: uint128(price)
        });
        _grants[grantId] = grant;
        emit GrantIssued(grantId, datasetId, grantee, grant, records);
    }

    function _checkRecords(uint256 datasetId, uint32[] calldata records) private view returns (uint256 count) {
        count = records.length;
        if (count == 0) revert AccessGrantsBadScope(Kind.Records);
        if (count > MAX_RECORDS) revert AccessGrantsTooManyRecords(count, MAX_RECORDS);
        uint32 recordCount = registry.getDataset(datasetId).recordCount;
        for (uint256 i = 0; i < count; i++) {
            uint32 r = records[i];
            if (r >= recordCount || (i > 0 && r <= records[i - 1])) revert AccessGrantsBadRecord(i, r, recordCount);
        }
    }

    /// @dev Credits each contributor its share (floor) and the owner the rest: exactly `amount` in all.
    function _split(uint256 datasetId, address token, uint256 amount) private {
        IDatasetRegistry.Share[] memory shares = registry.sharesOf(datasetId);
        uint256 rest = amount;
        for (uint256 i = 0; i < shares.length; i++) {
            uint256 part = amount * shares[i].bps / BPS;
            if (part == 0) continue;
            rest -= part;
            _credit(datasetId, token, shares[i].payee, part);
        }
        if (rest > 0) _credit(datasetId, token, registry.ownerOf(datasetId), rest);
    }

    function _credit(uint256 datasetId, address token, address payee, uint256 amount) private {
        _owed[token][payee] += amount;
        emit Credited(datasetId, payee, token, amount);
    }

    function _grant(uint256 grantId) private view returns (Grant storage grant) {
        grant = _grants[grantId];
        if (grant.grantee == address(0)) revert AccessGrantsUnknownGrant(grantId);
    }

    /// @dev Pulls `amount` of `token` from the caller and checks all of it arrived (fee-on-transfer tokens refused).
    function _pull(address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert AccessGrantsTransferShort(token, amount, received);
    }
}
