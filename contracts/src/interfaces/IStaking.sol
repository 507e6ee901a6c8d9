// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IStaking
 * @notice What the epoch contracts call on {Staking}: stake at a snapshot (the referee), the subnets' stake shares
 * summed over blocks (emission) and the payment of validator dividends. {Staking} implements it; its NatSpec
 * documents each function.
 */
interface IStaking {
    function stakeAt(uint256 netuid, address hotkey, uint256 blockNumber) external view returns (uint256);

    function shareBlocksAt(uint256 netuid, uint256 blockNumber) external view returns (uint256);

    function distribute(uint256 netuid, address hotkey, uint256 amount, uint256 snapshotBlock) external;
}
