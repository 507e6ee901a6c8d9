// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IRoyaltySource} from "../interfaces/IRoyaltySource.sol";

/**
 * @title RoyaltyVault
 * @notice The share token of one model and the vault of its royalties: an ERC-20 with EIP-2612 permit and ERC-5805
 * votes (the model's Governor counts them), whose fixed supply is minted once to the first holder. Royalties in up to
 * {MAX_TRACKED_TOKENS} ERC-20 tokens are distributed pro rata to the shares held when they are collected, pull-based:
 * no loop over holders, ever.
 *
 * Accounting (per tracked token, the "magnified dividend per share" scheme with the magnification equal to the
 * supply, which is fixed, so the division is exact): `collected` sums everything that arrived at every {collect}, i.e.
 * the dividend per share times the supply. An account's entitlement is `(collected * balance + correction) / supply`,
 * where the correction is moved by `collected * value` on every share transfer ({_update}): a receiver's correction
 * cancels what the received shares earned before it held them, a sender's keeps what they earned while it did. So a
 * buyer gets nothing of a payment collected before the purchase and the seller keeps it, and each entitlement is
 * exactly `floor(sum over collects of arrived * balance at that collect / supply)`: one rounding per account, so the
 * sum of what holders can withdraw never exceeds what arrived and the dust left is below one unit per holder.
 *
 * Flash loans: shares held for a single transaction must not be counted at a collect (borrow, collect, return, keep
 * the royalties). Every share movement sets a transient flag and {collect} refuses to run after one in the same
 * transaction; holding shares across transactions is ownership, whatever its cost.
 *
 * Clock: timestamps (ERC-6372 `mode=timestamp`), not block numbers: block numbers differ in meaning between L2s (on
 * Arbitrum `block.number` is an L1 estimate) while seconds mean the same everywhere; the Governor reads this clock.
 *
 * Which tokens are distributed: the ones given at construction (the model's currency) and those the model's owner
 * (its timelock once fractionalized, i.e. the Governor) adds with {trackToken}. Tracking is permissioned because the
 * list is bounded (every share transfer touches every tracked token): were it open, anyone could fill it with junk
 * tokens and lock the model's real currency out. Tokens of an untracked kind that reach the vault wait there and are
 * distributed at the first collect after the token is tracked.
 */
contract RoyaltyVault is ERC20, ERC20Permit, ERC20Votes, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice At most this many tokens are distributed (each share transfer updates every one of them).
    uint256 public constant MAX_TRACKED_TOKENS = 8;
    /// @notice At most this many royalty sources are released from at each collect.
    uint256 public constant MAX_SOURCES = 4;
    /// @dev Transient flag: shares moved in this transaction (keccak256("mycel.RoyaltyVault.sharesMoved") - 1).
    bytes32 private constant _SHARES_MOVED_SLOT = 0x8751cd1e22db9f6c1a07fac29ef013c815944b10b33c2114a21779a2c16ccf78;

    /// @dev Per tracked token: everything collected (the dividend per share times the supply) and what is held.
    struct Distribution {
        uint256 collected;
        /// Balance accounted for and not yet withdrawn (owed to holders, plus rounding dust).
        uint256 held;
        bool tracked;
    }

    IERC721 private immutable _registry;
    uint256 private immutable _modelId;
    IRoyaltySource[] private _sources;
    address[] private _tokens;
    mapping(address token => Distribution) private _distributions;
    mapping(address token => mapping(address account => int256)) private _corrections;
    mapping(address token => mapping(address account => uint256)) private _withdrawn;

    /// @notice `token` is now distributed to the holders.
    event TokenTracked(address indexed token);
    /// @notice `amount` of `token` arrived since the last collect and was distributed to the current holders.
    event RoyaltiesCollected(address indexed token, uint256 amount, uint256 collected);
    /// @notice `account` withdrew `amount` of `token`.
    event RoyaltiesWithdrawn(address indexed token, address indexed account, uint256 amount);

    error RoyaltyVaultZeroAddress();
    error RoyaltyVaultZeroSupply();
    error RoyaltyVaultTooManySources(uint256 count, uint256 max);
    error RoyaltyVaultTooManyTokens(address token, uint256 max);
    error RoyaltyVaultInvalidToken(address token);
    error RoyaltyVaultTokenAlreadyTracked(address token);
    error RoyaltyVaultTokenNotTracked(address token);
    error RoyaltyVaultNotModelOwner(address caller, address owner);
    error RoyaltyVaultNothingToWithdraw(address token, address account);
    error RoyaltyVaultArrivalTooLarge(address token, uint256 amount, uint256 max);
    error RoyaltyVaultSharesToVault();
    error RoyaltyVaultSharesMovedInTransaction();

    /**
     * @param name_ Share token name (also the EIP-712 domain name of permits).
     * @param symbol_ Share token symbol.
     * @param registry_ The ModelRegistry (an ERC-721: `ownerOf(modelId)` may track new tokens).
     * @param modelId_ The model whose royalties this vault receives.
     * @param sources_ Royalty sources released from at each collect (at most {MAX_SOURCES}; may be empty).
     * @param tokens_ Tokens distributed from the start (at most {MAX_TRACKED_TOKENS}, distinct, non-zero).
     * @param holder Receives the whole supply.
     * @param supply The fixed number of shares (with 18 decimals).
     */
    constructor(
        string memory name_,
        string memory symbol_,
        address registry_,
        uint256 modelId_,
        IRoyaltySource[] memory sources_,
        address[] memory tokens_,
        address holder,
        uint256 supply
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        if (registry_ == address(0)) revert RoyaltyVaultZeroAddress();
        if (supply == 0) revert RoyaltyVaultZeroSupply();
        if (sources_.length > MAX_SOURCES) revert RoyaltyVaultTooManySources(sources_.length, MAX_SOURCES);
        _registry = IERC721(registry_);
        _modelId = modelId_;
        for (uint256 i; i < sources_.length; ++i) {
            if (address(sources_[i]) == address(0)) revert RoyaltyVaultZeroAddress();
            _sources.push(sources_[i]);
        }
        for (uint256 i; i < tokens_.length; ++i) _track(tokens_[i]);
        _mint(holder, supply);
    }

    // ---------------------------------------------------------------- royalties

    /**
     * @notice Releases `token` royalties of the model from every source, then distributes everything of `token` that
     * reached the vault since the last collect (released or sent by plain transfer) to the current holders.
     * A source that has nothing, or reverts, is skipped: nothing it holds is lost, a later collect takes it.
     * Requirements: `token` is tracked; all ever collected of it stays below 2^255 / totalSupply; no share moved
     * earlier in this transaction (else shares borrowed for one transaction — a flash loan — could be counted at the
     * collect and returned with the royalties they earned kept).
     * Emits {RoyaltiesCollected} when anything arrived.
     * @return arrived The amount distributed.
     */
    function collect(address token) external nonReentrant returns (uint256 arrived) {
        Distribution storage d = _distributions[token];
        if (!d.tracked) revert RoyaltyVaultTokenNotTracked(token);
        bool moved;
        assembly ("memory-safe") {
            moved := tload(_SHARES_MOVED_SLOT)
        }
        if (moved) revert RoyaltyVaultSharesMovedInTransaction();
        uint256 count = _sources.length;
        bytes memory release = abi.encodeCall(IRoyaltySource.releaseRoyalties, (_modelId, token));
        for (uint256 i; i < count; ++i) {
            // One failing source (nothing owed, paused, no code at all) must not block the others, and a source's
            // answer is not needed (the balance says what arrived): a raw call that copies no return data.
            address source = address(_sources[i]);
            assembly ("memory-safe") {
                pop(call(gas(), source, 0, add(release, 0x20), mload(release), 0, 0))
            }
        }
        uint256 balance = IERC20(token).balanceOf(address(this));
        uint256 held = d.held;
        if (balance <= held) return 0;
        arrived = balance - held;
        // Bounds every `collected * shares` (and so every correction) inside int256.
        uint256 max = uint256(type(int256).max) / totalSupply() - d.collected;
        if (arrived > max) revert RoyaltyVaultArrivalTooLarge(token, arrived, max);
        uint256 collected = d.collected + arrived;
        d.collected = collected;
        d.held = balance;
        emit RoyaltiesCollected(token, arrived, collected);
    }

    /**
     * @notice Pays the caller everything of `token` it is entitled to and has not withdrawn.
     * Requirements: there is something to withdraw.
     * Emits {RoyaltiesWithdrawn}.
     * @return amount The amount paid.
     */
    function withdraw(address token) external nonReentrant returns (uint256 amount) {
        amount = withdrawable(token, msg.sender);
        if (amount == 0) revert RoyaltyVaultNothingToWithdraw(token, msg.sender);
        _withdrawn[token][msg.sender] += amount;
        _distributions[token].held -= amount;
        emit RoyaltiesWithdrawn(token, msg.sender, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Starts distributing `token`.
     * Requirements: the caller owns the model in the registry (the timelock once fractionalized); fewer than
     * {MAX_TRACKED_TOKENS} tokens are tracked; `token` is a new, non-zero address other than this vault.
     * Emits {TokenTracked}.
     */
    function trackToken(address token) external {
        address owner = _registry.ownerOf(_modelId);
        if (msg.sender != owner) revert RoyaltyVaultNotModelOwner(msg.sender, owner);
        _track(token);
    }

    // ---------------------------------------------------------------- views

    /// @notice What `account` can withdraw of `token` now.
    function withdrawable(address token, address account) public view returns (uint256) {
        return accumulated(token, account) - _withdrawn[token][account];
    }

    /// @notice Everything `account` was ever entitled to of `token` (withdrawn or not).
    function accumulated(address token, address account) public view returns (uint256) {
        uint256 collected = _distributions[token].collected;
        // Both terms are bounded by collected * totalSupply <= type(int256).max (checked in collect) and their sum is
        // the account's magnified entitlement, never negative.
        int256 magnified = (collected * balanceOf(account)).toInt256() + _corrections[token][account];
        return uint256(magnified) / totalSupply();
    }

    /// @notice What `account` has withdrawn of `token`.
    function withdrawn(address token, address account) external view returns (uint256) {
        return _withdrawn[token][account];
    }

    /// @notice The distribution of `token`: all ever collected, the amount held for holders, whether it is tracked.
    function distribution(address token) external view returns (uint256 collected, uint256 held, bool tracked) {
        Distribution storage d = _distributions[token];
        return (d.collected, d.held, d.tracked);
    }

    /// @notice The tokens distributed, in the order they were tracked.
    function trackedTokens() external view returns (address[] memory) {
        return _tokens;
    }

    /// @notice The royalty sources released from at each collect.
    function sources() external view returns (IRoyaltySource[] memory) {
        return _sources;
    }

    /// @notice The model registry.
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice The model whose royalties this vault receives.
    function modelId() external view returns (uint256) {
        return _modelId;
    }

    /// @notice ERC-6372: votes are checkpointed by timestamp.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice ERC-6372: the clock is `block.timestamp`.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    // ---------------------------------------------------------------- internals

    function _track(address token) private {
        if (token == address(0) || token == address(this)) revert RoyaltyVaultInvalidToken(token);
        Distribution storage d = _distributions[token];
        if (d.tracked) revert RoyaltyVaultTokenAlreadyTracked(token);
        if (_tokens.length >= MAX_TRACKED_TOKENS) revert RoyaltyVaultTooManyTokens(token, MAX_TRACKED_TOKENS);
        d.tracked = true;
        _tokens.push(token);
        emit TokenTracked(token);
    }

    /// @dev Moves shares (and votes), then each tracked token's corrections so entitlements stay with who earned them.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        // Shares held by the vault would earn royalties nobody can withdraw.
        if (to == address(this)) revert RoyaltyVaultSharesToVault();
        assembly ("memory-safe") {
            tstore(_SHARES_MOVED_SLOT, 1)
        }
        super._update(from, to, value);
        uint256 count = _tokens.length;
        for (uint256 i; i < count; ++i) {
            address token = _tokens[i];
            uint256 collected = _distributions[token].collected;
            if (collected == 0) continue;
            // collected * value <= collected * totalSupply <= type(int256).max (checked in collect).
            int256 magnified = int256(collected * value);
            if (from != address(0)) _corrections[token][from] += magnified;
            if (to != address(0)) _corrections[token][to] -= magnified;
        }
    }
}
