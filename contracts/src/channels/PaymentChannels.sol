// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ILicenses} from "../interfaces/ILicenses.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {PaymentChannelsRoyalties} from "./PaymentChannelsRoyalties.sol";

/**
 * @title PaymentChannels
 * @notice Unidirectional payment channels, payer → payee, in any ERC-20: the payer locks a deposit once, then pays
 * per request off chain by signing EIP-712 vouchers that carry the *cumulative* amount owed (and the cumulative
 * requests and units it pays for). The payee redeems the latest voucher whenever it likes, for one channel or many
 * in one transaction; only the difference to what it already claimed moves. Thousands of requests settle in one
 * claim.
 *
 * A payer may authorize a session signer per channel (a hot key in a gateway) with a cap on the cumulative amount
 * its vouchers can reach, so the main key stays cold. To leave, the payer requests a close; during the challenge
 * window the payee can still claim, after it the payer withdraws what is left. A payee can close at once
 * (cooperative close), which returns the remainder to the payer immediately.
 *
 * Usage metering: each claim emits the cumulative requests and units the payer signed for, so the usage paid for
 * is public and derived from signatures, not from the payee's word.
 *
 * Royalties (issue #14): a voucher may carry a model split (`RoyaltyVoucher`, see {PaymentChannelsRoyalties});
 * the claim then retains each model's royalty for its route and pays the payee the rest. A *model channel* (every
 * voucher pays one model the whole amount) is bound to the payee's license at its first claim and settles its
 * route's credits later, in one go (at the close, or by {settleRoyalties}); other splits are credited at the claim.
 * A claim with an empty split checks today's `Voucher` signature and moves money exactly as before.
 *
 * One file of about 600 lines, half of them NatSpec: a channel's life (deposit, voucher rules, claims, a model
 * channel's binding, close) is one state machine over one struct, and the voucher checks belong beside the settlement
 * that relies on them; the model split's rules and credits live in the base contract.
 */
contract PaymentChannels is PaymentChannelsRoyalties {
    using SafeERC20 for IERC20;

    /// @notice One channel. Packed into four storage slots.
    struct Channel {
        address payer;
        uint64 closesAt; // 0 while open; else the time after which the payer may withdraw
        bool hasPendingSigner; // a narrowing session-signer change is scheduled (see {setSessionSigner})
        address payee;
        uint96 deposit; // total deposited
        address token;
        uint96 claimed; // total paid to the payee
        address sessionSigner; // 0 if none
        uint96 sessionCap; // highest cumulative amount a session-signed voucher may carry
    }

    /// @notice A session-signer change that narrows what the payee can redeem, taking effect at `effectiveAt`.
    struct PendingSigner {
        address signer;
        uint96 cap;
        uint64 effectiveAt;
    }

    /// @notice A voucher redeemed by {claim} or {claimBatch}; `models` empty for a plain `Voucher`.
    struct Claim {
        uint256 channelId;
        uint96 cumulativeAmount;
        uint64 cumulativeRequests;
        uint64 cumulativeUnits;
        ModelAmount[] models;
        bytes signature;
    }

    /// @notice EIP-712 type of a voucher.
    bytes32 public constant VOUCHER_TYPEHASH = keccak256(
        "Voucher(uint256 channelId,uint96 cumulativeAmount,uint64 cumulativeRequests,uint64 cumulativeUnits)"
    );
    /// @notice Shortest and longest challenge window a payer may ask for.
    uint64 public constant MIN_CHALLENGE_PERIOD = 1 hours;
    uint64 public constant MAX_CHALLENGE_PERIOD = 30 days;
    /// @notice Challenge window applied by {requestClose}.
    uint64 public immutable challengePeriod;

    /// @dev A model channel's bound license lives in bits 232–255 of the channel's first slot (payer, closesAt and
    /// hasPendingSigner fill bits 0–231), so license ids up to 2^24 − 1 bind; larger ones take the general path.
    uint256 private constant BOUND_LICENSE_SHIFT = 232;
    uint256 private constant MAX_BOUND_LICENSE = (1 << 24) - 1;

    uint256 private _channelCount;
    mapping(uint256 channelId => Channel) private _channels;
    mapping(uint256 channelId => PendingSigner) private _pendingSigners;

    event ChannelOpened(
        uint256 indexed channelId, address indexed payer, address indexed payee, address token, uint96 deposit
    );
    event ChannelDeposited(uint256 indexed channelId, uint96 amount, uint96 deposit);
    event SessionSignerSet(uint256 indexed channelId, address indexed signer, uint96 cap);
    /// @notice A narrowing change was scheduled: until `effectiveAt` both the current and the new key are honoured.
    event SessionSignerScheduled(uint256 indexed channelId, address indexed signer, uint96 cap, uint64 effectiveAt);
    /// @notice `amount` was paid now, of which `royalties` stayed for the models' routes (the payee got the rest);
    /// `claimed` is the channel's total; usage counters are cumulative, as signed.
    event ChannelClaimed(
        uint256 indexed channelId,
        address indexed payee,
        uint96 amount,
        uint96 royalties,
        uint96 claimed,
        uint64 cumulativeRequests,
        uint64 cumulativeUnits
    );
    event ChannelCloseRequested(uint256 indexed channelId, uint64 closesAt);
    event ChannelClosed(uint256 indexed channelId, uint96 refunded);

    error PaymentChannelsUnknownChannel(uint256 channelId);
    error PaymentChannelsZeroAddress();
    error PaymentChannelsZeroAmount();
    error PaymentChannelsAmountTooLarge(uint256 amount);
    error PaymentChannelsNotPayer(uint256 channelId, address caller);
    error PaymentChannelsNotPayee(uint256 channelId, address caller);
    error PaymentChannelsClosing(uint256 channelId, uint64 closesAt);
    error PaymentChannelsNotClosing(uint256 channelId);
    error PaymentChannelsChallengeWindowOpen(uint256 channelId, uint64 closesAt);
    error PaymentChannelsChallengeWindowOver(uint256 channelId, uint64 closesAt);
    error PaymentChannelsInvalidSigner(uint256 channelId, address signer);
    error PaymentChannelsVoucherTooLow(uint256 channelId, uint96 cumulativeAmount, uint96 claimed);
    error PaymentChannelsVoucherOverDeposit(uint256 channelId, uint96 cumulativeAmount, uint96 deposit);
    /// @dev `token` delivered `received` of the `expected` deposit (a fee-on-transfer or rebasing token): such tokens
    /// cannot back vouchers; use a plain ERC-20.
    error PaymentChannelsTransferShort(address token, uint256 expected, uint256 received);
    error PaymentChannelsSessionCapExceeded(uint256 channelId, uint96 cumulativeAmount, uint96 cap);
    error PaymentChannelsInvalidChallengePeriod(uint64 period);
    error PaymentChannelsEmptyBatch();

    /// @param registry_ The ModelRegistry (models, terms, routes, royalty recipients).
    /// @param licenses_ The Licenses contract (the payee's license of each model in a split).
    constructor(uint64 challengePeriod_, IModelRegistry registry_, ILicenses licenses_)
        EIP712("MycelPaymentChannels", "1")
        PaymentChannelsRoyalties(registry_, licenses_)
    {
        if (address(registry_) == address(0) || address(licenses_) == address(0)) revert PaymentChannelsZeroAddress();
        if (challengePeriod_ < MIN_CHALLENGE_PERIOD || challengePeriod_ > MAX_CHALLENGE_PERIOD) {
            revert PaymentChannelsInvalidChallengePeriod(challengePeriod_);
        }
        challengePeriod = challengePeriod_;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Payer
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Opens a channel from the caller to `payee` in `token`, pulling `amount` as the deposit (approve first).
     * @param sessionSigner Optional hot key allowed to sign vouchers (address(0) for none).
     * @param sessionCap Highest cumulative amount the session signer's vouchers may carry.
     * Requirements: non-zero payee and token; 0 < amount < 2^96; the token delivers the whole amount (no fee on
     * transfer).
     * Emits {ChannelOpened} and, with a session signer, {SessionSignerSet}.
     */
    function open(address payee, address token, uint256 amount, address sessionSigner, uint96 sessionCap)
        external
        nonReentrant
        returns (uint256 channelId)
    {
        if (payee == address(0) || token == address(0)) revert PaymentChannelsZeroAddress();
        uint96 initial = _toAmount(amount);
        channelId = ++_channelCount;
        Channel storage channel = _channels[channelId];
        channel.payer = msg.sender;
        channel.payee = payee;
        channel.token = token;
        channel.deposit = initial;
        emit ChannelOpened(channelId, msg.sender, payee, token, initial);
        if (sessionSigner != address(0)) {
            channel.sessionSigner = sessionSigner;
            channel.sessionCap = sessionCap;
            emit SessionSignerSet(channelId, sessionSigner, sessionCap);
        }
        _pull(token, initial);
    }

    /**
     * @notice Adds `amount` to the deposit of an open channel (the payer only; approve first).
     * Requirements: caller is the payer; the channel is not closing; the total stays below 2^96.
     * Emits {ChannelDeposited}.
     */
    function deposit(uint256 channelId, uint256 amount) external nonReentrant {
        Channel storage channel = _payerChannel(channelId);
        uint96 added = _toAmount(amount);
        uint96 total = _toAmount(uint256(channel.deposit) + added);
        channel.deposit = total;
        emit ChannelDeposited(channelId, added, total);
        _pull(channel.token, added);
    }

    /**
     * @notice Authorizes `signer` (or none, with address(0)) to sign vouchers up to a cumulative `cap`.
     *
     * A change that only widens what the payee can redeem (a first key, or a higher cap for the same key) applies at
     * once. A change that narrows it (another key, a lower cap, or no key) is scheduled one challenge period ahead:
     * until then vouchers of the current key, up to its cap, stay redeemable (and the new key's already are), so a
     * payer can never void vouchers for requests the payee has served. The payee must claim within that period.
     * Requirements: caller is the payer; the channel is not closing.
     * Emits {SessionSignerSet}, or {SessionSignerScheduled} for a narrowing change.
     */
    function setSessionSigner(uint256 channelId, address signer, uint96 cap) external {
        Channel storage channel = _payerChannel(channelId);
        address current = channel.sessionSigner;
        bool widens = current == address(0) || (signer == current && cap >= channel.sessionCap);
        if (widens) {
            channel.sessionSigner = signer;
            channel.sessionCap = cap;
            channel.hasPendingSigner = false;
            delete _pendingSigners[channelId];
            emit SessionSignerSet(channelId, signer, cap);
        } else {
            uint64 effectiveAt = uint64(block.timestamp) + challengePeriod;
            _pendingSigners[channelId] = PendingSigner(signer, cap, effectiveAt);
            channel.hasPendingSigner = true;
            emit SessionSignerScheduled(channelId, signer, cap, effectiveAt);
        }
    }

    /**
     * @notice Starts the challenge window: after it the payer may {withdraw} the unclaimed rest. The payee can claim
     * until then.
     * Requirements: caller is the payer; the channel is not closing already.
     * Emits {ChannelCloseRequested}.
     */
    function requestClose(uint256 channelId) external {
        Channel storage channel = _payerChannel(channelId);
        uint64 closesAt = uint64(block.timestamp) + challengePeriod;
        channel.closesAt = closesAt;
        emit ChannelCloseRequested(channelId, closesAt);
    }

    /**
     * @notice After the challenge window, returns the unclaimed deposit to the payer and deletes the channel.
     * Requirements: caller is the payer; a close was requested and its window is over.
     * Emits {ChannelClosed}.
     */
    function withdraw(uint256 channelId) external nonReentrant {
        Channel storage channel = _channel(channelId);
        if (msg.sender != channel.payer) revert PaymentChannelsNotPayer(channelId, msg.sender);
        uint64 closesAt = channel.closesAt;
        if (closesAt == 0) revert PaymentChannelsNotClosing(channelId);
        if (block.timestamp <= closesAt) revert PaymentChannelsChallengeWindowOpen(channelId, closesAt);
        _settle(channelId, channel);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Payee
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Redeems a voucher: pays the payee the difference between its cumulative amount and what was claimed,
     * less the royalties of its model split (credited to the models' routes). Anyone may submit it; the money always
     * goes to the payee.
     * Requirements: a valid signature by the payer, or by the session signer within its cap, over the `Voucher`
     * (empty split) or the `RoyaltyVoucher`; the amount exceeds what was claimed and is covered by the deposit; the
     * challenge window (if any) is not over; a split as {PaymentChannelsRoyalties} requires (sorted, each > 0, sum
     * ≤ the amount, no model lower than claimed, the payee holding a valid commercial license of each model whose
     * amount grows).
     * Emits {ChannelClaimed}; for a general split {ChannelModelClaimed} per model whose amount grows; for a model
     * channel's first claim under a license {ChannelLicenseBound} (and {ChannelRoyaltiesSettled} for the license it
     * replaces).
     */
    function claim(Claim calldata voucher) external nonReentrant {
        (Channel storage channel, uint256 amount) = _claim(voucher);
        if (amount > 0) IERC20(channel.token).safeTransfer(channel.payee, amount);
    }

    /**
     * @notice Redeems many vouchers in one transaction. Every channel must pay the caller; consecutive channels in
     * the same token are paid with one transfer, so sort the batch by token. Entries that are already settled (a
     * channel closed, or a voucher no higher than what was claimed, e.g. because someone submitted it alone first)
     * are skipped instead of failing the whole batch.
     * Requirements: as {claim} for each other entry; the caller is the payee of each channel; the batch is not empty.
     * Emits {ChannelClaimed} per entry paid.
     */
    function claimBatch(Claim[] calldata vouchers) external nonReentrant {
        uint256 n = vouchers.length;
        if (n == 0) revert PaymentChannelsEmptyBatch();
        address pendingToken;
        uint256 pending;
        for (uint256 i; i < n; ++i) {
            Claim calldata voucher = vouchers[i];
            Channel storage entry = _channels[voucher.channelId];
            if (entry.payer == address(0) || voucher.cumulativeAmount <= entry.claimed) continue; // already settled
            (Channel storage channel, uint256 amount) = _claim(voucher);
            if (channel.payee != msg.sender) revert PaymentChannelsNotPayee(voucher.channelId, msg.sender);
            address token = channel.token;
            if (token != pendingToken) {
                if (pending > 0) IERC20(pendingToken).safeTransfer(msg.sender, pending);
                pendingToken = token;
                pending = 0;
            }
            pending += amount;
        }
        if (pending > 0) IERC20(pendingToken).safeTransfer(msg.sender, pending);
    }

    /**
     * @notice Settles the royalties model channels retained since their last settlement: credits each model of the
     * route of the license a channel is bound to (see {PaymentChannelsRoyalties}), ready for {releaseRoyalties}.
     * Anyone may call it (a model's owner, before collecting); it moves no tokens. Channels that are closed, not
     * model channels, or settled already are skipped.
     * Emits {ChannelRoyaltiesSettled} per channel that had something to settle.
     */
    function settleRoyalties(uint256[] calldata channelIds) external nonReentrant {
        for (uint256 i; i < channelIds.length; ++i) {
            (uint256 licenseId, address token, uint96 claimed) = _boundLicense(channelIds[i]);
            if (licenseId != 0) _settleBound(channelIds[i], token, licenseId, claimed, false);
        }
    }

    /**
     * @notice Cooperative close by the payee: returns the unclaimed deposit to the payer now and deletes the channel.
     * Claim the latest voucher first.
     * Requirements: caller is the payee.
     * Emits {ChannelClosed}.
     */
    function closeByPayee(uint256 channelId) external nonReentrant {
        Channel storage channel = _channel(channelId);
        if (msg.sender != channel.payee) revert PaymentChannelsNotPayee(channelId, msg.sender);
        _settle(channelId, channel);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The channel `channelId` (reverts if unknown or closed).
    function getChannel(uint256 channelId) external view returns (Channel memory) {
        return _channel(channelId);
    }

    /// @notice The scheduled session-signer change of `channelId` (all zero when none).
    function getPendingSessionSigner(uint256 channelId) external view returns (PendingSigner memory) {
        return _pendingSigners[channelId];
    }

    /// @notice Number of channels ever opened; ids run from 1.
    function channelCount() external view returns (uint256) {
        return _channelCount;
    }

    /// @notice The EIP-712 digest a voucher signs (domain: this contract on this chain).
    function voucherDigest(uint256 channelId, uint96 cumulativeAmount, uint64 cumulativeRequests, uint64 cumulativeUnits)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits))
        );
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Checks a voucher, records the claim and credits its royalties; the caller transfers `amount` (the
    /// payee's part).
    function _claim(Claim calldata voucher) private returns (Channel storage channel, uint256 amount) {
        uint256 channelId = voucher.channelId;
        channel = _channels[channelId];
        uint256 word0 = _openWord(channel, channelId);
        uint96 cumulative = voucher.cumulativeAmount;
        uint96 claimed = channel.claimed;
        if (cumulative <= claimed) revert PaymentChannelsVoucherTooLow(channelId, cumulative, claimed);
        if (cumulative > channel.deposit) revert PaymentChannelsVoucherOverDeposit(channelId, cumulative, channel.deposit);

        _checkSignature(voucher, channel, address(uint160(word0)), cumulative);
        uint96 paid;
        // Cannot underflow: cumulative > claimed was checked above.
        unchecked {
            paid = cumulative - claimed;
        }
        channel.claimed = cumulative;
        uint256 royalties = _royalties(channel, voucher, word0 >> BOUND_LICENSE_SHIFT, claimed, paid);
        // Each route entry's floor(cumulative · bps / 10,000) can tick at the same unit, so a small increase can owe
        // the route more than it pays (audit C1): refused by name, the payee claims a later, larger voucher.
        if (royalties > paid) revert PaymentChannelsRoyaltiesOverClaim(channelId, royalties, paid);
        // Cannot underflow (checked just above), nor exceed 2^96 (at most `paid`).
        unchecked {
            amount = paid - royalties;
        }
        emit ChannelClaimed(
            channelId,
            channel.payee,
            paid,
            uint96(royalties),
            cumulative,
            voucher.cumulativeRequests,
            voucher.cumulativeUnits
        );
    }

    /**
     * @dev The royalties of a claim paying `paid` more on a channel that had `claimed`, bound to license `bound` (0
     * for none); returns their total. A *model channel* takes the fast path: its every voucher pays one model the
     * whole amount (`models` is `[{modelId: m, cumulativeAmount: cumulativeAmount}]`), so the model's cumulative
     * amount is the channel's `claimed`. The channel is bound to the payee's license of `m` at its first claim; a
     * claim under the same license only checks it and retains the route's royalty (credited when settled). A
     * claim under another license of `m` (the payee renewed) settles the old one and binds the new one. Any other
     * claim settles, records what the binding implied and unbinds, then the general rules ({_creditSplit}) apply:
     * both paths retain exactly the same amounts.
     */
    function _royalties(Channel storage channel, Claim calldata voucher, uint256 bound, uint96 claimed, uint96 paid)
        private
        returns (uint256)
    {
        uint256 n = voucher.models.length;
        if (n == 0 && bound == 0) return 0; // a plain voucher on a plain channel: today's claim
        uint256 channelId = voucher.channelId;
        uint96 cumulative = voucher.cumulativeAmount;
        if (n == 1 && voucher.models[0].cumulativeAmount == cumulative && (bound != 0 || claimed == 0)) {
            // The split's rules hold by construction: one entry, equal to the amount, which exceeds `claimed`.
            (bool fast, uint256 royalties) =
                _modelChannelRoyalties(channel, channelId, voucher.models[0].modelId, bound, claimed, cumulative);
            if (fast) return royalties;
        }
        if (bound != 0) {
            _recordModelClaimed(channelId, _settleBound(channelId, channel.token, bound, claimed, true), claimed);
            _bindLicense(channel, 0);
        }
        if (n == 0) return 0;
        return _creditSplit(channelId, channel.payee, channel.token, cumulative, paid, voucher.models);
    }

    /// @dev The fast path of {_royalties}: false when the claim must take the general path instead.
    function _modelChannelRoyalties(
        Channel storage channel,
        uint256 channelId,
        uint256 modelId,
        uint256 bound,
        uint96 claimed,
        uint96 cumulative
    ) private returns (bool, uint256) {
        (uint256 licenseId, uint256 bps, uint256 route0, uint256 route1) =
            _licensedRoute(channelId, channel.payee, modelId);
        if (licenseId != bound && !_rebind(channel, channelId, modelId, bound, claimed, licenseId)) return (false, 0);
        return (true, _routeIncrease(claimed, cumulative, bps, route0, route1));
    }

    /// @dev Binds a model channel to the payee's license `licenseId` of `modelId`, settling the license it was bound
    /// to (if any) up to `claimed`; false when it cannot stay a model channel (an id too large for the slot, or
    /// the old binding was for another model).
    function _rebind(
        Channel storage channel,
        uint256 channelId,
        uint256 modelId,
        uint256 bound,
        uint96 claimed,
        uint256 licenseId
    ) private returns (bool) {
        if (licenseId > MAX_BOUND_LICENSE) return false;
        // Settled up to `claimed` under the old license (the new one starts there).
        if (bound != 0 && _settleBound(channelId, channel.token, bound, claimed, false) != modelId) return false;
        _bindLicense(channel, licenseId);
        emit ChannelLicenseBound(channelId, modelId, licenseId);
        return true;
    }

    /// @dev The license a channel is bound to (0 for none): the top 24 bits of its first slot, free in the struct.
    function _boundLicenseOf(Channel storage channel) private view returns (uint256 licenseId) {
        assembly ("memory-safe") {
            licenseId := shr(BOUND_LICENSE_SHIFT, sload(channel.slot))
        }
    }

    function _bindLicense(Channel storage channel, uint256 licenseId) private {
        assembly ("memory-safe") {
            let word := sload(channel.slot)
            sstore(channel.slot, or(and(word, sub(shl(BOUND_LICENSE_SHIFT, 1), 1)), shl(BOUND_LICENSE_SHIFT, licenseId)))
        }
    }

    /// @dev Claims accept a license up to one challenge period after its revocation (see {PaymentChannelsRoyalties};
    /// an expired one for {LICENSE_EXPIRY_GRACE}).
    function _licenseGrace() internal view override returns (uint256) {
        return challengePeriod;
    }

    /// @inheritdoc PaymentChannelsRoyalties
    function _boundLicense(uint256 channelId) internal view override returns (uint256, address, uint96) {
        Channel storage channel = _channels[channelId];
        return (_boundLicenseOf(channel), channel.token, channel.claimed); // all zero for a closed channel
    }

    /// @dev The first slot of an existing channel whose challenge window (if any) is not over: payer (bits 0–159),
    /// closesAt (160–223), hasPendingSigner (224–231) and the bound model (232–255), read once for the claim.
    function _openWord(Channel storage channel, uint256 channelId) private view returns (uint256 word0) {
        assembly ("memory-safe") {
            word0 := sload(channel.slot)
        }
        if (uint160(word0) == 0) revert PaymentChannelsUnknownChannel(channelId);
        uint64 closesAt = uint64(word0 >> 160);
        if (closesAt != 0 && block.timestamp > closesAt) revert PaymentChannelsChallengeWindowOver(channelId, closesAt);
    }

    /// @dev Accepts the voucher's signature by the payer, or by a session signer within its cap.
    function _checkSignature(Claim calldata voucher, Channel storage channel, address payer, uint96 cumulative)
        private
    {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(_digest(voucher), voucher.signature);
        if (err != ECDSA.RecoverError.NoError) revert PaymentChannelsInvalidSigner(voucher.channelId, address(0));
        if (signer != payer) _checkSessionSigner(voucher.channelId, channel, signer, cumulative);
    }

    /// @dev What the voucher's signer signed: a `Voucher` for an empty split, else a `RoyaltyVoucher`.
    function _digest(Claim calldata voucher) private view returns (bytes32) {
        if (voucher.models.length == 0) {
            return voucherDigest(
                voucher.channelId, voucher.cumulativeAmount, voucher.cumulativeRequests, voucher.cumulativeUnits
            );
        }
        return royaltyVoucherDigest(
            voucher.channelId,
            voucher.cumulativeAmount,
            voucher.cumulativeRequests,
            voucher.cumulativeUnits,
            voucher.models
        );
    }

    /// @dev Accepts `signer` as the current session key within its cap or, while a change is pending, as the
    /// scheduled key within its cap; applies a scheduled change once it is due.
    function _checkSessionSigner(uint256 channelId, Channel storage channel, address signer, uint96 cumulative) private {
        if (channel.hasPendingSigner) {
            PendingSigner memory pending = _pendingSigners[channelId];
            if (block.timestamp >= pending.effectiveAt) {
                channel.sessionSigner = pending.signer;
                channel.sessionCap = pending.cap;
                channel.hasPendingSigner = false;
                delete _pendingSigners[channelId];
                emit SessionSignerSet(channelId, pending.signer, pending.cap);
            } else if (signer == pending.signer && signer != address(0) && signer != channel.sessionSigner) {
                if (cumulative > pending.cap) revert PaymentChannelsSessionCapExceeded(channelId, cumulative, pending.cap);
                return;
            }
        }
        if (signer != channel.sessionSigner || signer == address(0)) revert PaymentChannelsInvalidSigner(channelId, signer);
        if (cumulative > channel.sessionCap) {
            revert PaymentChannelsSessionCapExceeded(channelId, cumulative, channel.sessionCap);
        }
    }

    /// @dev Settles a model channel's royalties, refunds the unclaimed deposit to the payer and deletes the channel
    /// (effects before the transfer).
    function _settle(uint256 channelId, Channel storage channel) private {
        address payer = channel.payer;
        address token = channel.token;
        uint256 bound = _boundLicenseOf(channel);
        if (bound != 0) _settleBound(channelId, token, bound, channel.claimed, true);
        // Cannot underflow: claims never exceed the deposit.
        uint96 refund;
        unchecked {
            refund = channel.deposit - channel.claimed;
        }
        bool hadSessionSigner = channel.sessionSigner != address(0);
        bool hadPendingSigner = channel.hasPendingSigner;
        // Only slots that hold data are cleared: clearing an empty slot costs gas and refunds nothing. The first
        // slot is zeroed whole: it also holds the bound license (see {_boundLicenseOf}).
        assembly ("memory-safe") {
            sstore(channel.slot, 0)
        }
        delete channel.payee;
        delete channel.deposit;
        delete channel.token;
        delete channel.claimed;
        if (hadSessionSigner) {
            delete channel.sessionSigner;
            delete channel.sessionCap;
        }
        if (hadPendingSigner) delete _pendingSigners[channelId];
        emit ChannelClosed(channelId, refund);
        if (refund > 0) IERC20(token).safeTransfer(payer, refund);
    }

    function _channel(uint256 channelId) private view returns (Channel storage channel) {
        channel = _channels[channelId];
        if (channel.payer == address(0)) revert PaymentChannelsUnknownChannel(channelId);
    }

    /// @dev The channel, checked to be the caller's and not closing.
    function _payerChannel(uint256 channelId) private view returns (Channel storage channel) {
        channel = _channel(channelId);
        if (msg.sender != channel.payer) revert PaymentChannelsNotPayer(channelId, msg.sender);
        if (channel.closesAt != 0) revert PaymentChannelsClosing(channelId, channel.closesAt);
    }

    /// @dev Pulls `amount` of `token` from the caller and checks all of it arrived: a token that charges a fee on
    /// transfer would leave deposits short of what vouchers are checked against, so it is refused.
    function _pull(address token, uint96 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert PaymentChannelsTransferShort(token, amount, received);
    }

    function _toAmount(uint256 amount) private pure returns (uint96) {
        if (amount == 0) revert PaymentChannelsZeroAmount();
        if (amount > type(uint96).max) revert PaymentChannelsAmountTooLarge(amount);
        return uint96(amount);
    }
}
