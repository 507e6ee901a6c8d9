// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/// @notice What Staking needs from the registry.
interface ISubnetDirectory {
    function isRegistered(uint256 netuid, address hotkey) external view returns (bool);
}

/**
 * @title Staking
 * @notice MYC staked on a hotkey in a subnet: by the hotkey itself or delegated by anyone. A hotkey's total stake
 * decides its validator permit and its weight in Yuma consensus; every change is checkpointed by block, so an epoch
 * reads the stake as of its snapshot block whatever happened since.
 *
 * Dividends paid to a hotkey (by the epoch settlement, or by anyone) are split: the hotkey keeps its take (default
 * 18%), the rest goes to everyone staked on it pro rata, the hotkey's own stake included. Distribution is pull-based
 * (a reward-per-stake accumulator), so no loop ever runs over delegators.
 *
 * Unstaking takes effect at once for consensus, but the tokens unlock only after a cooldown.
 *
 * A hotkey lowers its take at once; a raise takes effect only after the cooldown, so its delegators see it coming
 * and can leave first (their stake stops earning the moment they unstake). A hotkey cannot lower its take to draw
 * stake and raise it just before its dividends arrive.
 *
 * Accounting invariant (tested): the contract's MYC balance equals total active stake + unlocking stake + unclaimed
 * rewards + rounding dust, and dust only ever grows by less than one unit per distribution.
 */
contract Staking is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Default and largest delegate take, in basis points.
    uint16 public constant DEFAULT_TAKE_BPS = 1800;
    uint16 public constant MAX_TAKE_BPS = 1800;
    /// @dev Fixed-point scale of the reward-per-stake accumulator. Products with it use 512-bit mulDiv: a large
    /// payment to a tiny stake makes the accumulator huge, and stake x accumulator would overflow 256 bits.
    uint256 private constant ACC_PRECISION = 1e36;

    struct Pool {
        uint256 totalStake;
        uint256 accRewardPerStake;
        uint16 takeBps;
        bool takeSet;
        /// @dev A raise waiting for its block (0: none).
        uint16 nextTakeBps;
        uint64 nextTakeFrom;
    }

    struct Position {
        uint256 stake;
        uint256 rewardDebt;
        uint256 owed;
    }

    struct Unlock {
        uint256 amount;
        uint64 releaseBlock;
    }

    IERC20 private immutable _token;
    ISubnetDirectory private immutable _registry;
    uint64 private immutable _cooldownBlocks;

    mapping(uint256 netuid => mapping(address hotkey => Pool)) private _pools;
    mapping(uint256 netuid => mapping(address hotkey => mapping(address staker => Position))) private _positions;
    mapping(uint256 netuid => mapping(address hotkey => Checkpoints.Trace208)) private _stakeHistory;
    mapping(uint256 netuid => Checkpoints.Trace208) private _subnetHistory;
    Checkpoints.Trace208 private _totalHistory;
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
    /// @notice Emitted when `amount` was paid to the stakers of `hotkey`; `take` of it went to the hotkey.
    event RewardsDistributed(uint256 indexed netuid, address indexed hotkey, uint256 amount, uint256 take);
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
    /// @dev The stake total would not fit the checkpoint (2^208).
    error StakingOverflow();

    /**
     * @param mycelToken The MYC token.
     * @param directory The SubnetRegistry (new stake goes only to registered hotkeys).
     * @param cooldown How many blocks unstaked tokens stay locked.
     */
    constructor(IERC20 mycelToken, ISubnetDirectory directory, uint64 cooldown) {
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
     * Requirements: `amount > 0`; `hotkey` is registered in `netuid`.
     * Emits {Staked}.
     */
    function stake(uint256 netuid, address hotkey, uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        if (!_registry.isRegistered(netuid, hotkey)) revert StakingHotkeyNotRegistered(netuid, hotkey);
        Pool storage pool = _pools[netuid][hotkey];
        Position storage position = _positions[netuid][hotkey][msg.sender];
        _settle(pool, position);
        position.stake += amount;
        position.rewardDebt = Math.mulDiv(position.stake, pool.accRewardPerStake, ACC_PRECISION);
        pool.totalStake += amount;
        _checkpoint(netuid, hotkey, pool.totalStake, amount, true);
        emit Staked(netuid, hotkey, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Removes `amount` of the caller's stake on `hotkey` at once (consensus stops counting it); the tokens
     * unlock after the cooldown and are taken out with {withdraw}. Works whether or not the hotkey is registered.
     * Requirements: `0 < amount <=` the caller's stake on the hotkey.
     * Emits {Unstaked}.
     */
    function unstake(uint256 netuid, address hotkey, uint256 amount) external {
        if (amount == 0) revert StakingZeroAmount();
        Pool storage pool = _pools[netuid][hotkey];
        Position storage position = _positions[netuid][hotkey][msg.sender];
        if (amount > position.stake) {
            revert StakingInsufficientStake(netuid, hotkey, msg.sender, amount, position.stake);
        }
        _settle(pool, position);
        // Cannot underflow: amount <= position.stake <= pool.totalStake.
        unchecked {
            position.stake -= amount;
            pool.totalStake -= amount;
        }
        position.rewardDebt = Math.mulDiv(position.stake, pool.accRewardPerStake, ACC_PRECISION);
        _checkpoint(netuid, hotkey, pool.totalStake, amount, false);
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
     * @notice Pays `amount` MYC from the caller to `hotkey` in `netuid`: the hotkey's take to the hotkey, the rest to
     * its stakers pro rata (all to the hotkey when nobody is staked). Anyone may pay; the epoch settlement does.
     * Requirements: the caller approved `amount`.
     * Emits {RewardsDistributed}.
     */
    function distribute(uint256 netuid, address hotkey, uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        Pool storage pool = _pools[netuid][hotkey];
        uint256 take = (amount * _takeOf(pool)) / 10_000;
        uint256 rest = amount - take;
        if (pool.totalStake == 0) {
            take = amount;
            rest = 0;
        }
        Position storage own = _positions[netuid][hotkey][hotkey];
        _settle(pool, own);
        own.owed += take;
        // The hotkey's own stake earns its share of `rest` through the accumulator like any delegator's.
        if (rest > 0) pool.accRewardPerStake += Math.mulDiv(rest, ACC_PRECISION, pool.totalStake);
        emit RewardsDistributed(netuid, hotkey, amount, take);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Sends the caller its rewards from its position on `hotkey` in `netuid` (for the hotkey itself: its take
     * too). Returns the amount (possibly zero).
     * Emits {RewardsClaimed} when something was paid.
     */
    function claimRewards(uint256 netuid, address hotkey) external nonReentrant returns (uint256 amount) {
        Pool storage pool = _pools[netuid][hotkey];
        Position storage position = _positions[netuid][hotkey][msg.sender];
        _settle(pool, position);
        amount = position.owed;
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
        uint16 current = _takeOf(pool);
        pool.takeSet = true;
        uint64 effective = uint64(block.number);
        if (takeBps <= current) {
            pool.takeBps = takeBps;
            pool.nextTakeBps = 0;
            pool.nextTakeFrom = 0;
        } else {
            effective += _cooldownBlocks;
            pool.takeBps = current;
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
        return _pools[netuid][hotkey].totalStake;
    }

    /// @notice Total stake on `hotkey` in `netuid` at the end of block `blockNumber`.
    function stakeAt(uint256 netuid, address hotkey, uint256 blockNumber) external view returns (uint256) {
        return _stakeHistory[netuid][hotkey].upperLookupRecent(SafeCast.toUint48(blockNumber));
    }

    /// @notice All stake in `netuid` at the end of block `blockNumber` (it weighs the subnet's share of emission).
    function subnetStakeAt(uint256 netuid, uint256 blockNumber) external view returns (uint256) {
        return _subnetHistory[netuid].upperLookupRecent(SafeCast.toUint48(blockNumber));
    }

    /// @notice All stake in every subnet at the end of block `blockNumber`.
    function totalStakeAt(uint256 blockNumber) external view returns (uint256) {
        return _totalHistory.upperLookupRecent(SafeCast.toUint48(blockNumber));
    }

    /// @notice `staker`'s stake on `hotkey` in `netuid`.
    function positionOf(uint256 netuid, address hotkey, address staker) external view returns (uint256) {
        return _positions[netuid][hotkey][staker].stake;
    }

    /// @notice Rewards `staker` could claim now from its position on `hotkey` in `netuid`.
    function pendingRewards(uint256 netuid, address hotkey, address staker) external view returns (uint256) {
        Pool storage pool = _pools[netuid][hotkey];
        Position storage position = _positions[netuid][hotkey][staker];
        return position.owed + Math.mulDiv(position.stake, pool.accRewardPerStake, ACC_PRECISION) - position.rewardDebt;
    }

    /// @notice The delegate take of `hotkey` in `netuid` now, in basis points.
    function takeOf(uint256 netuid, address hotkey) external view returns (uint16) {
        return _takeOf(_pools[netuid][hotkey]);
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

    function _takeOf(Pool storage pool) private view returns (uint16) {
        if (pool.nextTakeFrom != 0 && block.number >= pool.nextTakeFrom) return pool.nextTakeBps;
        return pool.takeSet ? pool.takeBps : DEFAULT_TAKE_BPS;
    }

    /// @dev Moves what the accumulator owes `position` since its last update into `owed`.
    function _settle(Pool storage pool, Position storage position) private {
        uint256 accrued = Math.mulDiv(position.stake, pool.accRewardPerStake, ACC_PRECISION);
        position.owed += accrued - position.rewardDebt;
        position.rewardDebt = accrued;
    }

    /// @dev Records the hotkey's new total, and moves the subnet's and the network's totals by `delta`.
    function _checkpoint(uint256 netuid, address hotkey, uint256 total, uint256 delta, bool added) private {
        uint48 key = SafeCast.toUint48(block.number);
        Checkpoints.Trace208 storage subnet = _subnetHistory[netuid];
        uint256 subnetTotal = added ? subnet.latest() + delta : subnet.latest() - delta;
        uint256 networkTotal = added ? _totalHistory.latest() + delta : _totalHistory.latest() - delta;
        if (networkTotal > type(uint208).max) revert StakingOverflow();
        // Each fits: total <= subnetTotal <= networkTotal <= 2^208 - 1.
        _stakeHistory[netuid][hotkey].push(key, uint208(total));
        subnet.push(key, uint208(subnetTotal));
        _totalHistory.push(key, uint208(networkTotal));
    }
}
