// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {StakeShares} from "./StakeShares.sol";
import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {IStaking} from "../interfaces/IStaking.sol";

/**
 * @title Staking
 * @notice MYC staked on a hotkey in a subnet: by the hotkey itself or delegated by anyone. A hotkey's total stake
 * decides its validator permit and its weight in Yuma consensus; every change is checkpointed by block (per hotkey,
 * per position, per subnet and for the network), so an epoch reads stake as of its snapshot block whatever happened
 * since. The subnets' stake shares integrated over blocks ({StakeShares}) weigh their emission.
 *
 * Dividends paid to a hotkey by the epoch settlement (the registry's Epochs contract) are split: the hotkey keeps its
 * take as it stood at the dividend's snapshot block (default 18%), the rest goes to the stake that backed the hotkey
 * at that block, pro rata, the hotkey's own stake included. Each payment is recorded once (its snapshot and its
 * amount per unit of stake); a position collects the payments recorded since it last claimed, reading its own stake
 * checkpoint at each one's snapshot.
 * Stake that arrives after a snapshot (even in the transaction that pays it) earns nothing of it.
 *
 * Unstaking takes effect at once for consensus, but the tokens unlock only after a cooldown.
 *
 * A hotkey lowers its take at once; a raise takes effect only after the cooldown, so its delegators see it coming
 * and can leave first; and each dividend applies the take of its snapshot block, so a raise never reaches back into
 * an epoch already measured.
 *
 * Accounting invariant (tested): the contract's MYC balance equals total active stake + unlocking stake + unclaimed
 * rewards + rounding dust, and dust only ever grows by less than one unit per staker per payment.
 *
 * One file of a little over 400 lines: stake, its checkpoints and dividends are one ledger under that invariant, and
 * reading it whole is how it is checked.
 */
contract Staking is ReentrancyGuardTransient, IStaking {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Default and largest delegate take, in basis points.
    uint16 public constant DEFAULT_TAKE_BPS = 1800;
    uint16 public constant MAX_TAKE_BPS = 1800;
    /// @notice The most stake one hotkey may hold in a subnet: epoch proposals state each validator's stake in 96
    /// bits, so a larger stake could never be proposed correctly (about 7.9e10 MYC, far above the supply).
    uint256 public constant MAX_HOTKEY_STAKE = type(uint96).max;
    /// @notice The most recorded payments one {claimRewards} call collects (call again for the rest).
    uint256 public constant MAX_PAYMENTS_PER_CLAIM = 512;
    /// @dev Fixed-point scale of a payment's amount per unit of stake.
    uint256 private constant PER_STAKE_PRECISION = 1e27;

    struct Pool {
        /// @dev The take in force from each block on, plus one (0: the default), without a pending raise.
        Checkpoints.Trace208 takes;
        /// @dev A raise waiting for its block (0: none).
        uint16 nextTakeBps;
        uint64 nextTakeFrom;
    }

    /// @dev A payment to a hotkey's stakers: the snapshot block whose stake it pays, and the amount per unit of that
    /// stake (scaled by PER_STAKE_PRECISION).
    struct Payment {
        uint48 snapshotBlock;
        uint208 perStake;
    }

    struct Position {
        Checkpoints.Trace208 stake;
        /// @dev The first payment of the pool this position has not collected yet.
        uint256 cursor;
        uint256 owed;
    }

    struct Unlock {
        uint256 amount;
        uint64 releaseBlock;
    }

    IERC20 private immutable _token;
    ISubnetRegistry private immutable _registry;
    uint64 private immutable _cooldownBlocks;

    mapping(uint256 netuid => mapping(address hotkey => Pool)) private _pools;
    mapping(uint256 netuid => mapping(address hotkey => Payment[])) private _payments;
    mapping(uint256 netuid => mapping(address hotkey => mapping(address staker => Position))) private _positions;
    mapping(uint256 netuid => mapping(address hotkey => Checkpoints.Trace208)) private _stakeHistory;
    mapping(uint256 netuid => StakeShares.Subnet) private _subnetShares;
    StakeShares.Network private _networkShares;
    mapping(address staker => Unlock[]) private _unlocks;
    mapping(address staker => uint256) private _unlocksWithdrawn;

    /// @notice Emitted when `staker` added `amount` to its stake on `hotkey` in `netuid`.
    event Staked(uint256 indexed netuid, address indexed hotkey, address indexed staker, uint256 amount);
    /// @notice Emitted when `staker` removed `amount`; it unlocks at `releaseBlock`.
    event Unstaked(
        uint256 indexed netuid, address indexed hotkey, address indexed staker, uint256 amount, uint64 releaseBlock
    );
    /// @notice Emitted when `staker` withdrew `amount` of unlocked stake.
    event Withdrawn(address indexed staker, uint256 amount);
    /// @notice Emitted when `amount` was paid to the stakers of `hotkey` as of `snapshotBlock`; `take` of it went to
    /// the hotkey.
    event RewardsDistributed(
        uint256 indexed netuid, address indexed hotkey, uint256 amount, uint256 take, uint256 snapshotBlock
    );
    /// @notice Emitted when `staker` claimed `amount` of rewards from its position on `hotkey`.
    event RewardsClaimed(uint256 indexed netuid, address indexed hotkey, address indexed staker, uint256 amount);
    /// @notice Emitted when `hotkey` set its take in `netuid` to `takeBps`, in effect from block `effectiveBlock`
    /// (now for a cut, after the cooldown for a raise).
    event TakeSet(uint256 indexed netuid, address indexed hotkey, uint16 takeBps, uint64 effectiveBlock);

    /// @dev A zero address was given for the token or the registry.
    error StakingZeroAddress();
    /// @dev An amount of zero was given.
    error StakingZeroAmount();
    /// @dev `hotkey` is not registered in `netuid`, so it cannot receive new stake.
    error StakingHotkeyNotRegistered(uint256 netuid, address hotkey);
    /// @dev `staker` has only `available` staked on the hotkey.
    error StakingInsufficientStake(uint256 netuid, address hotkey, address staker, uint256 requested, uint256 available);
    /// @dev Nothing of the caller's unstaked tokens has unlocked yet; the next unlock is at `releaseBlock`.
    error StakingNothingUnlocked(uint64 releaseBlock);
    /// @dev The take was above {MAX_TAKE_BPS}.
    error StakingTakeTooHigh(uint256 takeBps, uint256 maxTakeBps);
    /// @dev The hotkey's stake would be `total`, above {MAX_HOTKEY_STAKE}.
    error StakingStakeTooLarge(uint256 netuid, address hotkey, uint256 total, uint256 max);
    /// @dev A payment's snapshot block must have ended (it is `snapshotBlock`; the current block is `currentBlock`).
    error StakingSnapshotNotPast(uint256 snapshotBlock, uint256 currentBlock);
    /// @dev Only the Epochs contract pays dividends (`caller` is not it): open payments would let anyone record
    /// dust payments that every staker's claim must then walk through.
    error StakingNotEpochs(address caller);

    /**
     * @param mycelToken The MYC token.
     * @param directory The SubnetRegistry (new stake goes only to registered hotkeys).
     * @param cooldown How many blocks unstaked tokens stay locked.
     */
    constructor(IERC20 mycelToken, ISubnetRegistry directory, uint64 cooldown) {
        if (address(mycelToken) == address(0) || address(directory) == address(0)) revert StakingZeroAddress();
        _token = mycelToken;
        _registry = directory;
        _cooldownBlocks = cooldown;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Stake
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Stakes `amount` MYC of the caller on `hotkey` in `netuid` (the caller must have approved this contract).
     * Requirements: `amount > 0`; `hotkey` is registered in `netuid`; the hotkey's stake stays within
     * {MAX_HOTKEY_STAKE}.
     * Emits {Staked}.
     */
    function stake(uint256 netuid, address hotkey, uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        if (!_registry.isRegistered(netuid, hotkey)) revert StakingHotkeyNotRegistered(netuid, hotkey);
        uint256 total = _stakeHistory[netuid][hotkey].latest() + amount;
        if (total > MAX_HOTKEY_STAKE) revert StakingStakeTooLarge(netuid, hotkey, total, MAX_HOTKEY_STAKE);
        Position storage position = _positions[netuid][hotkey][msg.sender];
        // A first stake owes nothing of the payments recorded so far: skip them.
        if (position.stake.length() == 0) position.cursor = _payments[netuid][hotkey].length;
        _move(netuid, hotkey, position, amount, true);
        emit Staked(netuid, hotkey, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Removes `amount` of the caller's stake on `hotkey` at once (consensus stops counting it); the tokens
     * unlock after the cooldown and are taken out with {withdraw}. Works whether or not the hotkey is registered.
     * Payments for snapshots before this block still count the stake removed.
     * Requirements: `0 < amount <=` the caller's stake on the hotkey.
     * Emits {Unstaked}.
     */
    function unstake(uint256 netuid, address hotkey, uint256 amount) external {
        if (amount == 0) revert StakingZeroAmount();
        Position storage position = _positions[netuid][hotkey][msg.sender];
        uint256 staked = position.stake.latest();
        if (amount > staked) revert StakingInsufficientStake(netuid, hotkey, msg.sender, amount, staked);
        _move(netuid, hotkey, position, amount, false);
        uint64 releaseBlock = uint64(block.number) + _cooldownBlocks;
        _unlocks[msg.sender].push(Unlock(amount, releaseBlock));
        emit Unstaked(netuid, hotkey, msg.sender, amount, releaseBlock);
    }

    /**
     * @notice Sends the caller every unstaked amount whose cooldown has passed.
     * Requirements: at least one has.
     * Emits {Withdrawn}.
     */
    function withdraw() external nonReentrant returns (uint256 amount) {
        Unlock[] storage unlocks = _unlocks[msg.sender];
        uint256 i = _unlocksWithdrawn[msg.sender];
        // Unlocks are pushed in block order, so the released ones form a prefix of what is left.
        while (i < unlocks.length && unlocks[i].releaseBlock <= block.number) {
            amount += unlocks[i].amount;
            delete unlocks[i];
            ++i;
        }
        if (amount == 0) revert StakingNothingUnlocked(i < unlocks.length ? unlocks[i].releaseBlock : 0);
        _unlocksWithdrawn[msg.sender] = i;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rewards
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Pays `amount` MYC from the caller to `hotkey` in `netuid` for the stake it held at the end of block
     * `snapshotBlock`: the hotkey's take of that block to the hotkey, the rest to the stakers of that block pro rata
     * (all to the hotkey when nobody was staked). The epoch settlement pays so, with the epoch's snapshot.
     * Requirements: the caller is the registry's Epochs contract; `amount > 0`; `snapshotBlock` is before the current
     * block; the caller approved `amount`.
     * Emits {RewardsDistributed}.
     */
    function distribute(uint256 netuid, address hotkey, uint256 amount, uint256 snapshotBlock) external nonReentrant {
        if (msg.sender != _registry.epochs()) revert StakingNotEpochs(msg.sender);
        if (amount == 0) revert StakingZeroAmount();
        if (snapshotBlock >= block.number) revert StakingSnapshotNotPast(snapshotBlock, block.number);
        uint48 snapshot = SafeCast.toUint48(snapshotBlock);
        uint256 backing = _stakeHistory[netuid][hotkey].upperLookupRecent(snapshot);
        uint256 take = backing == 0 ? amount : (amount * _takeAt(_pools[netuid][hotkey], snapshot)) / 10_000;
        _positions[netuid][hotkey][hotkey].owed += take;
        if (amount > take) {
            uint256 perStake = Math.mulDiv(amount - take, PER_STAKE_PRECISION, backing);
            _payments[netuid][hotkey].push(Payment(snapshot, SafeCast.toUint208(perStake)));
        }
        emit RewardsDistributed(netuid, hotkey, amount, take, snapshotBlock);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Sends the caller its rewards from its position on `hotkey` in `netuid` (for the hotkey itself: its take
     * too), collecting up to {MAX_PAYMENTS_PER_CLAIM} recorded payments ({uncollectedPayments} tells how many are
     * left). Returns the amount (possibly zero).
     * Emits {RewardsClaimed} when something was paid.
     */
    function claimRewards(uint256 netuid, address hotkey) external nonReentrant returns (uint256 amount) {
        Position storage position = _positions[netuid][hotkey][msg.sender];
        Payment[] storage payments = _payments[netuid][hotkey];
        uint256 end = Math.min(payments.length, position.cursor + MAX_PAYMENTS_PER_CLAIM);
        amount = position.owed + _earned(position, payments, end);
        position.cursor = end;
        if (amount == 0) return 0;
        position.owed = 0;
        emit RewardsClaimed(netuid, hotkey, msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Sets the caller's delegate take in `netuid` (basis points of its dividends it keeps). A cut (or no
     * change) applies at once and cancels a pending raise; a raise applies after the cooldown, replacing any pending
     * one.
     * Requirements: `takeBps <= MAX_TAKE_BPS`.
     * Emits {TakeSet}.
     */
    function setTake(uint256 netuid, uint16 takeBps) external {
        if (takeBps > MAX_TAKE_BPS) revert StakingTakeTooHigh(takeBps, MAX_TAKE_BPS);
        Pool storage pool = _pools[netuid][msg.sender];
        uint48 nowBlock = SafeCast.toUint48(block.number);
        // A raise that has taken effect joins the history at its block (before now, after every earlier entry).
        if (pool.nextTakeFrom != 0 && nowBlock >= pool.nextTakeFrom) {
            pool.takes.push(uint48(pool.nextTakeFrom), uint208(pool.nextTakeBps) + 1);
        }
        uint16 current = _takeAt(pool, nowBlock);
        uint64 effective = nowBlock;
        pool.nextTakeBps = 0;
        pool.nextTakeFrom = 0;
        if (takeBps <= current) {
            pool.takes.push(nowBlock, uint208(takeBps) + 1);
        } else {
            effective += _cooldownBlocks;
            pool.nextTakeBps = takeBps;
            pool.nextTakeFrom = effective;
        }
        emit TakeSet(netuid, msg.sender, takeBps, effective);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Total stake on `hotkey` in `netuid` now.
    function stakeOf(uint256 netuid, address hotkey) external view returns (uint256) {
        return _stakeHistory[netuid][hotkey].latest();
    }

    /// @notice Total stake on `hotkey` in `netuid` at the end of block `blockNumber`.
    function stakeAt(uint256 netuid, address hotkey, uint256 blockNumber) external view returns (uint256) {
        return _stakeHistory[netuid][hotkey].upperLookupRecent(SafeCast.toUint48(blockNumber));
    }

    /// @notice All stake in `netuid` at the end of block `blockNumber`.
    function subnetStakeAt(uint256 netuid, uint256 blockNumber) external view returns (uint256) {
        return StakeShares.stakeAt(_subnetShares[netuid], blockNumber);
    }

    /// @notice All stake in every subnet at the end of block `blockNumber`.
    function totalStakeAt(uint256 blockNumber) external view returns (uint256) {
        return StakeShares.totalAt(_networkShares, blockNumber);
    }

    /**
     * @notice `netuid`'s share of all stake summed over the blocks before `blockNumber`, in units of
     * {StakeShares-PRECISION} per block (see {StakeShares}). Emission between two blocks is `emissionPerBlock` times
     * the difference, over the precision.
     */
    function shareBlocksAt(uint256 netuid, uint256 blockNumber) external view returns (uint256) {
        return StakeShares.shareBlocksAt(_networkShares, _subnetShares[netuid], blockNumber);
    }

    /// @notice `staker`'s stake on `hotkey` in `netuid`.
    function positionOf(uint256 netuid, address hotkey, address staker) external view returns (uint256) {
        return _positions[netuid][hotkey][staker].stake.latest();
    }

    /// @notice `staker`'s stake on `hotkey` in `netuid` at the end of block `blockNumber`.
    function positionAt(uint256 netuid, address hotkey, address staker, uint256 blockNumber)
        external
        view
        returns (uint256)
    {
        return _positions[netuid][hotkey][staker].stake.upperLookupRecent(SafeCast.toUint48(blockNumber));
    }

    /// @notice Rewards `staker` could claim from its position on `hotkey` in `netuid`, over all uncollected payments
    /// (a claim collects at most {MAX_PAYMENTS_PER_CLAIM} of them at a time).
    function pendingRewards(uint256 netuid, address hotkey, address staker) external view returns (uint256) {
        Position storage position = _positions[netuid][hotkey][staker];
        Payment[] storage payments = _payments[netuid][hotkey];
        return position.owed + _earned(position, payments, payments.length);
    }

    /// @notice How many payments to `hotkey`'s stakers `staker` has not collected yet.
    function uncollectedPayments(uint256 netuid, address hotkey, address staker) external view returns (uint256) {
        uint256 length = _payments[netuid][hotkey].length;
        uint256 cursor = _positions[netuid][hotkey][staker].cursor;
        return length > cursor ? length - cursor : 0;
    }

    /// @notice The delegate take of `hotkey` in `netuid` now, in basis points.
    function takeOf(uint256 netuid, address hotkey) external view returns (uint16) {
        return _takeAt(_pools[netuid][hotkey], block.number);
    }

    /// @notice The delegate take of `hotkey` in `netuid` at the end of block `blockNumber` (what a dividend for that
    /// snapshot pays), in basis points.
    function takeAt(uint256 netuid, address hotkey, uint256 blockNumber) external view returns (uint16) {
        return _takeAt(_pools[netuid][hotkey], blockNumber);
    }

    /// @notice A raise of `hotkey`'s take in `netuid` not in effect yet: its basis points and first block (0, 0: none).
    function pendingTakeOf(uint256 netuid, address hotkey) external view returns (uint16 takeBps, uint64 fromBlock) {
        Pool storage pool = _pools[netuid][hotkey];
        if (pool.nextTakeFrom == 0 || block.number >= pool.nextTakeFrom) return (0, 0);
        return (pool.nextTakeBps, pool.nextTakeFrom);
    }

    /// @notice Tokens `staker` has unstaked and not withdrawn: the amount already unlocked and the amount still locked.
    function unlocksOf(address staker) external view returns (uint256 unlocked, uint256 locked) {
        Unlock[] storage unlocks = _unlocks[staker];
        for (uint256 i = _unlocksWithdrawn[staker]; i < unlocks.length; ++i) {
            if (unlocks[i].releaseBlock <= block.number) unlocked += unlocks[i].amount;
            else locked += unlocks[i].amount;
        }
    }

    /// @notice Blocks unstaked tokens stay locked.
    function cooldownBlocks() external view returns (uint64) {
        return _cooldownBlocks;
    }

    /// @notice The MYC token.
    function token() external view returns (address) {
        return address(_token);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev The take at the end of block `blockNumber`: a raise in effect by then, else the history's entry.
    function _takeAt(Pool storage pool, uint256 blockNumber) private view returns (uint16) {
        if (pool.nextTakeFrom != 0 && blockNumber >= pool.nextTakeFrom) return pool.nextTakeBps;
        uint256 entry = pool.takes.upperLookupRecent(SafeCast.toUint48(blockNumber));
        // Cannot underflow: entries are stored plus one; zero means no entry yet (the default).
        unchecked {
            return entry == 0 ? DEFAULT_TAKE_BPS : uint16(entry - 1);
        }
    }

    /// @dev What `position` earned from the payments `cursor .. end-1`: its stake at each one's snapshot times the
    /// payment per unit of stake (rounded down, so the stakers of a payment never share more than it).
    function _earned(Position storage position, Payment[] storage payments, uint256 end)
        private
        view
        returns (uint256 earned)
    {
        for (uint256 i = position.cursor; i < end; ++i) {
            Payment storage payment = payments[i];
            uint256 staked = position.stake.upperLookupRecent(payment.snapshotBlock);
            if (staked > 0) earned += Math.mulDiv(staked, payment.perStake, PER_STAKE_PRECISION);
        }
    }

    /// @dev Moves `amount` into or out of `position` and checkpoints the position, the hotkey, the subnet and the
    /// network.
    function _move(uint256 netuid, address hotkey, Position storage position, uint256 amount, bool added) private {
        uint48 key = SafeCast.toUint48(block.number);
        uint256 staked = position.stake.latest();
        Checkpoints.Trace208 storage pool = _stakeHistory[netuid][hotkey];
        uint256 total = pool.latest();
        // Cannot overflow: the hotkey total stays within MAX_HOTKEY_STAKE (checked on stake), and a position is part
        // of its hotkey's total, which is part of the subnet's and the network's (so removals never underflow).
        unchecked {
            position.stake.push(key, uint208(added ? staked + amount : staked - amount));
            pool.push(key, uint208(added ? total + amount : total - amount));
        }
        StakeShares.move(_networkShares, _subnetShares[netuid], amount, added);
    }
}
