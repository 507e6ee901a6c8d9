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
 * ascending, each > 0, sum ≤ the voucher's cumulative amount). On a claim, each model's increase since the last
 * claim on the channel is split along the model's royalty route: the model at the bps of the payee's license, then
 * its ancestors at the bps fixed when it registered, each credited `delta · bps / 10,000` (floor); the payee gets the
 * rest. Credits stay here until someone releases them to the model's royalty recipient. Tokens are conserved
 * exactly: this contract holds the unclaimed deposits plus the unreleased credits, to the unit.
 *
 * Storage per claim and model: one slot per (channel, model) for the cumulative amount — none for a *model channel*
 * (every voucher pays one model the whole amount; PaymentChannels binds the model in the channel's first slot) — and
 * one per (model, token) per route entry for the credit; the license and the route are one staticcall to Licenses
 * reading one slot (two for a route of more than two ancestors).
 */
abstract contract PaymentChannelsRoyalties is EIP712, ReentrancyGuardTransient, IRoyaltySource {
    using SafeERC20 for IERC20;

    /// @notice The cumulative amount a voucher pays for one model with terms.
    struct ModelAmount {
        uint256 modelId;
        uint96 cumulativeAmount;
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
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("mycel.storage.PaymentChannelsRoyalties")) - 1)) & ~bytes32(0xff):
    /// namespaced (ERC-7201) so PaymentChannels' own storage layout is the same as before the split existed.
    bytes32 private constant ROYALTY_STORAGE = 0x79aae91541dfbdab364de229651cbc7b2b3c14ccc48ff7bc6071e12073092200;

    /// @notice `amount` more was paid for `modelId` on `channelId`, of which `royalties` went to its route.
    event ChannelModelClaimed(uint256 indexed channelId, uint256 indexed modelId, uint96 amount, uint96 royalties);

    error PaymentChannelsSplitNotSorted(uint256 channelId, uint256 index);
    error PaymentChannelsSplitZeroAmount(uint256 channelId, uint256 modelId);
    error PaymentChannelsSplitOverAmount(uint256 channelId, uint256 splitTotal, uint96 cumulativeAmount);
    /// @dev The models' increases exceed what the claim pays (a split that dropped a model and re-added it higher).
    error PaymentChannelsSplitOverClaim(uint256 channelId, uint256 increases, uint96 amount);
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
        (bool bound, uint96 claimed) = _boundModelClaimed(channelId, modelId);
        return bound ? claimed : _store().modelClaimed[channelId][modelId];
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
        credited = _creditModel(channelId, payee, token, modelId, uint96(delta));
    }

    /// @dev Whether `channelId` is an open model channel bound to `modelId`, and then its (the model's) claimed
    /// amount. Implemented by {PaymentChannels}, which keeps the binding in the channel's first slot.
    function _boundModelClaimed(uint256 channelId, uint256 modelId) internal view virtual returns (bool, uint96);

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

    /// @dev Credits `delta` paid for `modelId` along its route, as the payee's license says; returns the total.
    function _creditModel(uint256 channelId, address payee, address token, uint256 modelId, uint96 delta)
        internal
        returns (uint256 royalties)
    {
        (uint256 licenseId, uint256 expiresAt, uint256 royaltyBps, bool commercialUse, uint256 route0, uint256 route1) =
            _claimRoute(payee, modelId);
        if (licenseId == 0) _revertWithoutLicense(channelId, modelId, payee);
        // A license that ended a little ago still pays for what was served while it was valid (cold path).
        if (expiresAt <= block.timestamp) _checkEndedLicense(channelId, modelId, licenseId, expiresAt);
        if (!commercialUse) revert PaymentChannelsLicenseNotCommercial(channelId, modelId, licenseId);
        royalties = _credit(modelId, token, delta, royaltyBps);
        uint256 n = ModelRegistryRoute.count(route0);
        for (uint256 i; i < n; ++i) {
            (uint256 ancestorId, uint256 bps) = ModelRegistryRoute.entry(route0, route1, i);
            royalties += _credit(ancestorId, token, delta, bps);
        }
        // Cannot exceed delta (< 2^96): the route's bps add up to at most 10,000 (ModelRegistry checks it).
        emit ChannelModelClaimed(channelId, modelId, delta, uint96(royalties));
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

    function _credit(uint256 modelId, address token, uint96 delta, uint256 bps) private returns (uint256 share) {
        share = (uint256(delta) * bps) / MAX_BPS;
        if (share > 0) _store().royalties[modelId][token] += share;
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
