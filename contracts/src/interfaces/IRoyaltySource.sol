// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IRoyaltySource
 * @notice A contract that holds royalties owed to models (per model and token) and pays them to the model's royalty
 * recipient on request: PaymentChannels (royalties split off claims) and Licenses (license mint fees).
 */
interface IRoyaltySource {
    /// @notice Royalties of `modelId` in `token` held here and not yet released.
    function royaltiesOf(uint256 modelId, address token) external view returns (uint256);

    /**
     * @notice Pays every royalty of `modelId` in `token` held here to the model's royalty recipient.
     * Requirements: the caller is the model's royalty recipient (its owner, or its RoyaltyVault once fractionalized).
     * @return released The amount paid.
     */
    function releaseRoyalties(uint256 modelId, address token) external returns (uint256 released);
}
