// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IRoyaltySource
 * @notice A contract that holds royalties for models of the ModelRegistry, per model and per ERC-20 token, and pays
 * them out to the model's royalty recipient (`IModelRegistry.royaltyRecipient`: the model NFT's owner, or its
 * RoyaltyVault once fractionalized). Implemented by `PaymentChannels` (royalty shares of claims) and `Licenses`
 * (license mint fees). Anyone may release: the money always goes to the recipient, so credits never wait on it (a
 * vault whose sources list misses this contract still gets them: audit A2), and a RoyaltyVault counts whatever has
 * arrived at its next collect, exactly as if its collect had released it.
 */
interface IRoyaltySource {
    /// @notice `amount` of `token` held for `modelId` was paid to `recipient`.
    event RoyaltiesReleased(uint256 indexed modelId, address indexed token, address indexed recipient, uint256 amount);

    /// @notice What this source holds for `modelId` in `token`, not yet released.
    function royaltiesOf(uint256 modelId, address token) external view returns (uint256);

    /**
     * @notice Pays everything held for `modelId` in `token` to the model's royalty recipient (anyone may call).
     * Returns the amount paid (zero is not an error).
     * Emits {RoyaltiesReleased}.
     */
    function releaseRoyalties(uint256 modelId, address token) external returns (uint256 amount);
}
