// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IModelRegistry
 * @notice The registry of models (one ERC-721 token per model, ids from 1): content ids, lineage, license terms and
 * royalty route. What `Licenses`, `PaymentChannels` and a `RoyaltyVault` need from it.
 */
interface IModelRegistry {
    /**
     * @notice License terms of a model, like Story's PIL. Packed in two storage slots (the field order is chosen for
     * packing, not the order of the prose). With `hasTerms` false the model is served like any model without a
     * market: no license, no royalty; the other fields are then ignored.
     */
    struct Terms {
        address currency; // the ERC-20 the price and the mint fee are in
        uint96 minPricePerRequest; // in `currency`'s smallest unit
        uint96 mintFee; // price of one license, in `currency`
        uint64 licenseDuration; // seconds a license lasts; 0 = perpetual
        uint16 royaltyBps; // share of every amount paid for the model, in basis points
        bool commercialUse; // licenses may be used to serve the model for money
        bool derivativesAllowed; // licensees may register derivatives of it
        bool attribution; // derivatives must credit it (informational; lineage is on chain anyway)
        bool hasTerms;
    }

    /// @notice A model as registered (parents are immutable, so lineage can never form a cycle).
    struct Model {
        string weightsCid;
        string cardCid;
        string format;
        uint256[] parents;
        uint64 registeredAt;
        uint8 ancestors; // models in the lineage besides this one (deduplicated), at most 7
        uint16 ancestorsBps; // sum of the ancestors' royalty in this model's route
    }

    /// @notice Terms of `modelId` (reverts for an unknown model).
    function termsOf(uint256 modelId) external view returns (Terms memory);

    /**
     * @notice The ancestors of `modelId` in its royalty route, packed (see `ModelRegistryRoute`): word 0 holds the
     * count in its low byte and entries 0–4, word 1 entries 5–6; an entry is a uint32 model id and a uint16 bps.
     */
    function routeOf(uint256 modelId) external view returns (uint256 word0, uint256 word1);

    /// @notice Who receives `modelId`'s royalties: its RoyaltyVault once fractionalized, else the NFT's owner.
    function royaltyRecipient(uint256 modelId) external view returns (address);

    /// @notice The owner of the model NFT (the model's timelock once fractionalized).
    function ownerOf(uint256 modelId) external view returns (address);

    /// @notice Number of models ever registered; ids run from 1.
    function modelCount() external view returns (uint256);

    /**
     * @notice Records `vault` as `modelId`'s royalty recipient and moves the model NFT to `timelock`.
     * Requirements: the caller owns the model; not fractionalized before; non-zero addresses.
     * Emits {Fractionalized}.
     */
    function fractionalize(uint256 modelId, address vault, address timelock) external;
}
