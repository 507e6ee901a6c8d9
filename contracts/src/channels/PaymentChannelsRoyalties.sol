// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILicenseTerms} from "../interfaces/ILicenseTerms.sol";
import {ILicenses} from "../interfaces/ILicenses.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRoyaltySource} from "../interfaces/IRoyaltySource.sol";
import {ModelRegistryRoute} from "../markets/ModelRegistryRoute.sol";

/**
 * @title PaymentChannelsRoyalties
 * @notice The model split of PaymentChannels' vouchers, split out of the channel state machine: the
 * `RoyaltyVoucher` type, the split's rules, the royalty credits per model and token, and their release.
 *
 * A voucher may name, for models with license terms, the cumulative amount it pays for each (ids strictly
 * ascending, each > 0, sum ≤ the voucher's cumulative amount). A model's cumulative amount `c` on a channel owes each
 * entry of the model's royalty route — the model at the bps of the payee's license, then its ancestors at the bps
 * fixed when it registered — `floor(c · bps / 10,000)`; a claim raising `c` from `a` to `b` retains the increase of
 * that sum for the route and pays the payee the rest. Tokens are conserved exactly: this contract holds the unclaimed
 * deposits, the royalties retained but not yet settled, and the settled credits not yet released, to the unit.
 * The sum of floors can rise by more than `b − a` (several entries tick at the same unit; below k/(1 − Σbps/10,000)
 * units for k entries): such a claim reverts `PaymentChannelsRoyaltiesOverClaim` and a later voucher pays (audit C1).
 *
 * Two ways to the same amounts:
 * - A *model channel* (every voucher pays one model the whole amount: the node's protocol) is bound to the payee's
 *   license at its first claim, in the channel's first slot (see PaymentChannels). Its claims check the license and
 *   retain the route's royalty, but write nothing for it: the route's credits are settled once — when the channel
 *   closes, when its license changes, or whenever anyone calls {settleRoyalties} — from the channel's claimed amount
 *   and the amount settled before (one slot, written only then). A lone claim thus costs one staticcall to Licenses
 *   reading one slot (two for a route of more than two ancestors) over a plain claim.
 * - Any other split is credited at the claim: one slot per (channel, model) for the cumulative amount, one per
 *   (model, token) per route entry for the credit.
 * Credits stay here until someone releases them to the model's royalty recipient.
 *
 * About 450 lines, half of them NatSpec: the split's rules, the credits and the lazy settlement share one storage
 * namespace and one arithmetic (`_owed`), which must not drift apart.
 */
abstract contract PaymentChannelsRoyalties is EIP712, ReentrancyGuardTransient, IRoyaltySource {
    using SafeERC20 for IERC20;

    /// @notice The cumulative amount a voucher pays for one model with terms.
    struct ModelAmount {
        uint256 modelId;
        uint96 cumulativeAmount;
    }

    /// @dev A license's route for a settlement: its model, the royalty it snapshots, the model's ancestors.
    struct Route {
        uint256 modelId;
        uint256 bps;
        uint256 route0;
        uint256 route1;
    }

    /// @notice EIP-712 types of a voucher with a model split.
    bytes32 public constant MODEL_AMOUNT_TYPEHASH = keccak256("ModelAmount(uint256 modelId,uint96 cumulativeAmount)");
    bytes32 public constant ROYALTY_VOUCHER_TYPEHASH = keccak256(
        "RoyaltyVoucher(uint256 channelId,uint96 cumulativeAmount,uint64 cumulativeRequests,uint64 cumulativeUnits,ModelAmount[] models)ModelAmount(uint256 modelId,uint96 cumulativeAmount)"
    );
    uint256 private constant MAX_BPS = 10_000;
    /**
     * @notice How long claims accept a license after it *expired* (see {_licenseGrace} for one ended by a
     * revocation). An expiry is known from the purchase on: the payee claims what it served before it, or at once
     * after; a whole challenge period here would stretch every time-limited license by that period for a payee who
     * keeps serving unlicensed (audit B1). A payee late past it renews, and the vouchers pay again.
     */
    uint64 public constant LICENSE_EXPIRY_GRACE = 1 hours;

    /// @notice Where models, their terms and routes live, and who receives their royalties.
    IModelRegistry public immutable modelRegistry;
    /// @notice Where payees' licenses live.
    ILicenses public immutable licenses;

    /// @custom:storage-location erc7201:mycel.storage.PaymentChannelsRoyalties
    struct RoyaltyStorage {
        mapping(uint256 channelId => mapping(uint256 modelId => uint96)) modelClaimed;
        mapping(uint256 modelId => mapping(address token => uint256)) royalties;
        mapping(uint256 channelId => uint96) settled;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("mycel.storage.PaymentChannelsRoyalties")) - 1)) & ~bytes32(0xff):
    /// namespaced (ERC-7201) so PaymentChannels' own storage layout is the same as before the split existed.
    bytes32 private constant ROYALTY_STORAGE = 0x79aae91541dfbdab364de229651cbc7b2b3c14ccc48ff7bc6071e12073092200;

    /// @notice `amount` more was paid for `modelId` on `channelId`, of which `royalties` went to its route (a
    /// general split; a model channel's claims are settled by {ChannelRoyaltiesSettled}).
    event ChannelModelClaimed(uint256 indexed channelId, uint256 indexed modelId, uint96 amount, uint96 royalties);
    /// @notice Model channel `channelId` pays `modelId` under the payee's license `licenseId` from now on.
    event ChannelLicenseBound(uint256 indexed channelId, uint256 indexed modelId, uint256 indexed licenseId);
    /// @notice `amount` paid for `modelId` on model channel `channelId` was settled: `royalties` credited to its route.
    event ChannelRoyaltiesSettled(uint256 indexed channelId, uint256 indexed modelId, uint96 amount, uint96 royalties);

    error PaymentChannelsSplitNotSorted(uint256 channelId, uint256 index);
    error PaymentChannelsSplitZeroAmount(uint256 channelId, uint256 modelId);
    error PaymentChannelsSplitOverAmount(uint256 channelId, uint256 splitTotal, uint96 cumulativeAmount);
    /// @dev The models' increases exceed what the claim pays (a split that dropped a model and re-added it higher).
    error PaymentChannelsSplitOverClaim(uint256 channelId, uint256 increases, uint96 amount);
    /// @dev The claim pays `amount` more but its models' routes owe `royalties` > `amount` for it: the floors of
    /// several route entries ticked at once (a rise of a few units). A later voucher, larger by a few units, pays.
    error PaymentChannelsRoyaltiesOverClaim(uint256 channelId, uint256 royalties, uint96 amount);
    error PaymentChannelsModelAmountTooLow(uint256 channelId, uint256 modelId, uint96 cumulativeAmount, uint96 claimed);
    error PaymentChannelsUnknownModel(uint256 channelId, uint256 modelId);
    error PaymentChannelsModelWithoutTerms(uint256 channelId, uint256 modelId);
    error PaymentChannelsNoValidLicense(uint256 channelId, uint256 modelId, address payee);
    /// @dev The payee's license ended at least one grace ago: {LICENSE_EXPIRY_GRACE} after it expired, the
    /// challenge period ({_licenseGrace}) after it was revoked (its end is then the revocation's time).
    error PaymentChannelsLicenseExpired(uint256 channelId, uint256 modelId, uint256 licenseId, uint64 expiresAt);
    error PaymentChannelsLicenseNotCommercial(uint256 channelId, uint256 modelId, uint256 licenseId);

    constructor(IModelRegistry registry_, ILicenses licenses_) {
        modelRegistry = registry_;
        licenses = licenses_;
    }

    /// @inheritdoc IRoyaltySource
    function releaseRoyalties(uint256 modelId, address token) external nonReentrant returns (uint256 amount) {
        address recipient = modelRegistry.royaltyRecipient(modelId);
        amount = _store().royalties[modelId][token];
        delete _store().royalties[modelId][token];
        emit RoyaltiesReleased(modelId, token, recipient, amount);
        if (amount > 0) IERC20(token).safeTransfer(recipient, amount);
    }

    /// @inheritdoc IRoyaltySource
    function royaltiesOf(uint256 modelId, address token) external view returns (uint256) {
        return _store().royalties[modelId][token];
    }

    /// @notice The cumulative amount claimed for `modelId` on `channelId` while the channel is open (a closed
    /// model channel, see {PaymentChannels}, answers 0: its amount lived in the deleted channel's own slot).
    function modelClaimed(uint256 channelId, uint256 modelId) external view returns (uint96) {
        (uint256 licenseId,, uint96 claimed) = _boundLicense(channelId);
        if (licenseId != 0 && _licenseRoute(licenseId).modelId == modelId) return claimed;
        return _store().modelClaimed[channelId][modelId];
    }

    /**
     * @notice What model channel `channelId` retained for royalties and has not settled yet: the license it is
     * bound to (0 for none: a plain channel, a general split, or closed), the channel's token, the amount paid for
     * the model since the last settlement, and what {settleRoyalties} would credit each model of the route
     * (`modelIds[0]` the model, then its ancestors).
     */
    function unsettledRoyalties(uint256 channelId)
        external
        view
        returns (
            uint256 licenseId,
            address token,
            uint96 amount,
            uint256[] memory modelIds,
            uint256[] memory royalties
        )
    {
        uint96 claimed;
        (licenseId, token, claimed) = _boundLicense(channelId);
        if (licenseId == 0) return (0, address(0), 0, modelIds, royalties);
        Route memory route = _licenseRoute(licenseId);
        uint96 from = _store().settled[channelId];
        amount = claimed - from;
        uint256 n = ModelRegistryRoute.count(route.route0);
        modelIds = new uint256[](n + 1);
        royalties = new uint256[](n + 1);
        modelIds[0] = route.modelId;
        royalties[0] = _owed(claimed, route.bps) - _owed(from, route.bps);
        for (uint256 i; i < n; ++i) {
            (uint256 ancestorId, uint256 bps) = ModelRegistryRoute.entry(route.route0, route.route1, i);
            modelIds[i + 1] = ancestorId;
            royalties[i + 1] = _owed(claimed, bps) - _owed(from, bps);
        }
    }

    /// @notice The EIP-712 digest a voucher with a model split signs (domain: this contract on this chain).
    function royaltyVoucherDigest(
        uint256 channelId,
        uint96 cumulativeAmount,
        uint64 cumulativeRequests,
        uint64 cumulativeUnits,
        ModelAmount[] calldata models
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ROYALTY_VOUCHER_TYPEHASH,
                    channelId,
                    cumulativeAmount,
                    cumulativeRequests,
                    cumulativeUnits,
                    _hashModels(models)
                )
            )
        );
    }

    /**
     * @dev Checks the split of a voucher paying `amount` more (cumulative `cumulativeAmount`) on `channelId`,
     * records each model's cumulative amount and credits the royalties; returns their total (≤ amount).
     */
    function _creditSplit(
        uint256 channelId,
        address payee,
        address token,
        uint96 cumulativeAmount,
        uint96 amount,
        ModelAmount[] calldata models
    ) internal returns (uint256 royalties) {
        _checkSplit(channelId, cumulativeAmount, models);
        uint256 increases;
        for (uint256 i; i < models.length; ++i) {
            (uint256 delta, uint256 credited) = _claimModel(channelId, payee, token, models[i]);
            increases += delta;
            royalties += credited;
        }
        if (increases > amount) revert PaymentChannelsSplitOverClaim(channelId, increases, amount);
    }

    /// @dev The split's own rules: ids strictly ascending, each amount > 0, the sum within the voucher's amount.
    function _checkSplit(uint256 channelId, uint96 cumulativeAmount, ModelAmount[] calldata models) private pure {
        uint256 splitTotal;
        uint256 previousId;
        for (uint256 i; i < models.length; ++i) {
            uint256 modelId = models[i].modelId;
            uint96 cumulative = models[i].cumulativeAmount;
            if (i > 0 && modelId <= previousId) revert PaymentChannelsSplitNotSorted(channelId, i);
            if (cumulative == 0) revert PaymentChannelsSplitZeroAmount(channelId, modelId);
            previousId = modelId;
            splitTotal += cumulative;
        }
        if (splitTotal > cumulativeAmount) revert PaymentChannelsSplitOverAmount(channelId, splitTotal, cumulativeAmount);
    }

    /// @dev Records one model's cumulative amount; credits its increase `delta` along its route.
    function _claimModel(uint256 channelId, address payee, address token, ModelAmount calldata entry)
        private
        returns (uint256 delta, uint256 credited)
    {
        uint256 modelId = entry.modelId;
        uint96 cumulative = entry.cumulativeAmount;
        uint96 claimed = _store().modelClaimed[channelId][modelId];
        if (cumulative < claimed) revert PaymentChannelsModelAmountTooLow(channelId, modelId, cumulative, claimed);
        if (cumulative == claimed) return (0, 0); // nothing more for this model: no license needed for it now
        // Cannot underflow: cumulative > claimed here.
        unchecked {
            delta = cumulative - claimed;
        }
        _store().modelClaimed[channelId][modelId] = cumulative;
        (, uint256 bps, uint256 route0, uint256 route1) = _licensedRoute(channelId, payee, modelId);
        credited = _creditRoute(token, modelId, claimed, cumulative, bps, route0, route1);
        // Below 2^96: at most owed(cumulative) summed over the route, ≤ cumulative (the route's bps add up to at most
        // 10,000, ModelRegistry checks it); it may exceed delta by a few units of rounding (see PaymentChannels' C1).
        emit ChannelModelClaimed(channelId, modelId, uint96(delta), uint96(credited));
    }

    /// @dev The license open model channel `channelId` is bound to (0 for none), its token and claimed amount.
    /// Implemented by {PaymentChannels}, which keeps the binding in the channel's first slot.
    function _boundLicense(uint256 channelId) internal view virtual returns (uint256 licenseId, address token, uint96);

    /**
     * @dev How long after its model's owner revokes a license claims still accept it: {PaymentChannels}' challenge
     * period (an expired license gets {LICENSE_EXPIRY_GRACE}, at most this). Vouchers are signed for requests served
     * while the license was valid; without this grace a model owner who is also (or colludes with) the payer could
     * let a miner serve, revoke, wait out a close window and withdraw everything (audit P4). Serving stops at once
     * off chain (`validLicense` is false from the end on; miners answer 503 and gateways route elsewhere); only
     * claiming what was served goes on.
     */
    function _licenseGrace() internal view virtual returns (uint256);

    /// @dev Records `claimed` as `modelId`'s cumulative amount on `channelId`: a model channel leaving the fast
    /// path writes down what its binding implied, so the general rules go on from the same state.
    function _recordModelClaimed(uint256 channelId, uint256 modelId, uint96 claimed) internal {
        _store().modelClaimed[channelId][modelId] = claimed;
    }

    /**
     * @dev The payee's license of `modelId` as a claim accepts it — active, commercial, and not ended longer than
     * its grace ago — with the royalty it snapshots and the model's packed ancestor route; reverts with the reason.
     */
    function _licensedRoute(uint256 channelId, address payee, uint256 modelId)
        internal
        view
        returns (uint256 licenseId, uint256 royaltyBps, uint256 route0, uint256 route1)
    {
        uint256 expiresAt;
        bool commercialUse;
        (licenseId, expiresAt, royaltyBps, commercialUse, route0, route1) = _claimRoute(payee, modelId);
        if (licenseId == 0) _revertWithoutLicense(channelId, modelId, payee);
        // A license that ended a little ago still pays for what was served while it was valid (cold path).
        if (expiresAt <= block.timestamp) _checkEndedLicense(channelId, modelId, licenseId, expiresAt);
        if (!commercialUse) revert PaymentChannelsLicenseNotCommercial(channelId, modelId, licenseId);
    }

    /// @dev What raising a model's cumulative amount from `from` to `to` owes its route (the model at `royaltyBps`,
    /// then the ancestors of `route0`/`route1`): what a model channel's claim retains, without crediting it.
    function _routeIncrease(uint256 from, uint256 to, uint256 royaltyBps, uint256 route0, uint256 route1)
        internal
        pure
        returns (uint256 royalties)
    {
        royalties = _owed(to, royaltyBps) - _owed(from, royaltyBps);
        uint256 n = ModelRegistryRoute.count(route0);
        for (uint256 i; i < n; ++i) {
            (, uint256 bps) = ModelRegistryRoute.entry(route0, route1, i);
            royalties += _owed(to, bps) - _owed(from, bps);
        }
    }

    /// @dev As {_routeIncrease}, crediting each entry's share to its model.
    function _creditRoute(
        address token,
        uint256 modelId,
        uint256 from,
        uint256 to,
        uint256 royaltyBps,
        uint256 route0,
        uint256 route1
    ) private returns (uint256 royalties) {
        royalties = _credit(modelId, token, _owed(to, royaltyBps) - _owed(from, royaltyBps));
        uint256 n = ModelRegistryRoute.count(route0);
        for (uint256 i; i < n; ++i) {
            (uint256 ancestorId, uint256 bps) = ModelRegistryRoute.entry(route0, route1, i);
            royalties += _credit(ancestorId, token, _owed(to, bps) - _owed(from, bps));
        }
    }

    /**
     * @dev Settles model channel `channelId`, bound to `licenseId`, up to its claimed amount `upTo`: credits the
     * route of the license (the same route its claims retained for: a license's royalty and a model's ancestors
     * never change) with what the amount since the last settlement owes. Returns the license's model. `closing`:
     * the binding ends (the channel closes or leaves the fast path), so its settled amount is cleared, not written. Reads one view of the
     * trusted immutable Licenses; never reverts for a license a channel was bound to (licenses are never burned),
     * so a close always goes through.
     */
    function _settleBound(uint256 channelId, address token, uint256 licenseId, uint96 upTo, bool closing)
        internal
        returns (uint256 modelId)
    {
        Route memory route = _licenseRoute(licenseId);
        modelId = route.modelId;
        uint96 from = _store().settled[channelId];
        if (closing) {
            if (from != 0) delete _store().settled[channelId]; // the binding ends: nothing to keep
        } else if (upTo > from) {
            _store().settled[channelId] = upTo;
        }
        if (upTo <= from) return modelId;
        uint256 royalties = _creditRoute(token, modelId, from, upTo, route.bps, route.route0, route.route1);
        // Below 2^96: at most the route's owed(upTo) ≤ upTo (the route's bps add up to at most 10,000).
        emit ChannelRoyaltiesSettled(channelId, modelId, upTo - from, uint96(royalties));
    }

    function _licenseRoute(uint256 licenseId) private view returns (Route memory route) {
        (route.modelId, route.bps, route.route0, route.route1) = licenses.licenseRoute(licenseId);
    }

    /**
     * @dev `Licenses.claimRoute(holder, modelId)` as a plain staticcall into scratch memory with a fixed-size
     * return, decoded by masks (the claim path's one external read: no extcodesize check, no ABI decoder). Licenses
     * is this contract's immutable, trusted peer; a failed call or a short answer reverts with its reason.
     */
    function _claimRoute(address holder, uint256 modelId)
        private
        view
        returns (
            uint256 licenseId,
            uint256 expiresAt,
            uint256 royaltyBps,
            bool commercialUse,
            uint256 route0,
            uint256 route1
        )
    {
        address target = address(licenses);
        bytes4 selector = ILicenses.claimRoute.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), holder)
            mstore(add(ptr, 0x24), modelId)
            let ok := staticcall(gas(), target, ptr, 0x44, ptr, 0xc0)
            if iszero(and(ok, eq(returndatasize(), 0xc0))) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            licenseId := mload(ptr)
            expiresAt := and(mload(add(ptr, 0x20)), 0xffffffffffffffff)
            royaltyBps := and(mload(add(ptr, 0x40)), 0xffff)
            commercialUse := iszero(iszero(mload(add(ptr, 0x60))))
            route0 := mload(add(ptr, 0x80))
            route1 := mload(add(ptr, 0xa0))
        }
    }

    /// @dev What a cumulative `amount` owes a route entry of `bps`: floor(amount · bps / 10,000).
    function _owed(uint256 amount, uint256 bps) private pure returns (uint256) {
        return (amount * bps) / MAX_BPS;
    }

    function _credit(uint256 modelId, address token, uint256 share) private returns (uint256) {
        if (share > 0) _store().royalties[modelId][token] += share;
        return share;
    }

    /**
     * @dev The payee's active license ended at `expiresAt`: accepted for {_licenseGrace} after a revocation (the
     * active end is then before the license's own: revoking cut it short), for {LICENSE_EXPIRY_GRACE} after an
     * expiry; reverts past that. No overflow: expiresAt < 2^64, the grace at most the challenge period's 30 days.
     */
    function _checkEndedLicense(uint256 channelId, uint256 modelId, uint256 licenseId, uint256 expiresAt) private view {
        uint256 grace = _licenseGrace();
        if (grace > LICENSE_EXPIRY_GRACE) {
            uint256 ownEnd = ILicenseTerms(address(licenses)).getLicense(licenseId).expiresAt;
            if (expiresAt >= ownEnd) grace = LICENSE_EXPIRY_GRACE; // it expired: nobody cut it short
        }
        if (expiresAt + grace <= block.timestamp) {
            revert PaymentChannelsLicenseExpired(channelId, modelId, licenseId, uint64(expiresAt));
        }
    }

    /// @dev The payee has no active license for `modelId`: name why (cold path, so the registry is asked only here).
    function _revertWithoutLicense(uint256 channelId, uint256 modelId, address payee) private view {
        if (modelId == 0 || modelId > modelRegistry.modelCount()) revert PaymentChannelsUnknownModel(channelId, modelId);
        if (!modelRegistry.termsOf(modelId).hasTerms) revert PaymentChannelsModelWithoutTerms(channelId, modelId);
        revert PaymentChannelsNoValidLicense(channelId, modelId, payee);
    }

    function _store() private pure returns (RoyaltyStorage storage $) {
        assembly ("memory-safe") {
            $.slot := ROYALTY_STORAGE
        }
    }

    /// @dev EIP-712 `hashStruct` of a `ModelAmount[]`: the keccak of the concatenated hashes of its members,
    /// built in free memory without allocating (the members are read through the ABI decoder, which checks them).
    function _hashModels(ModelAmount[] calldata models) internal pure returns (bytes32 result) {
        uint256 n = models.length;
        bytes32 typehash = MODEL_AMOUNT_TYPEHASH;
        uint256 hashes;
        assembly ("memory-safe") {
            hashes := mload(0x40)
        }
        uint256 scratch = hashes + 32 * n;
        for (uint256 i; i < n; ++i) {
            uint256 modelId = models[i].modelId;
            uint96 cumulative = models[i].cumulativeAmount;
            assembly ("memory-safe") {
                mstore(scratch, typehash)
                mstore(add(scratch, 0x20), modelId)
                mstore(add(scratch, 0x40), cumulative)
                mstore(add(hashes, mul(i, 0x20)), keccak256(scratch, 0x60))
            }
        }
        assembly ("memory-safe") {
            result := keccak256(hashes, mul(n, 0x20))
        }
    }
}
