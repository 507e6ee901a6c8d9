// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IDatasetRegistry
 * @notice The registry of datasets (one ERC-721 token per dataset, ids from 1): where the encrypted records are, what
 * they look like, what they cost and who is paid. What `AccessGrants` needs from it (docs/data.md).
 */
interface IDatasetRegistry {
    /// @notice A dataset as registered. Its content and records never change: a new version is a new dataset.
    struct Dataset {
        string cid; // the encrypted dataset in the content store (AES-256-GCM, docs/data.md "Encryption")
        string schemaCid; // its schema document (public, plaintext)
        bytes32 recordsRoot; // Merkle root over keccak256 of each plaintext record (merkle.ts item tree)
        uint32 recordCount;
        string license; // an SPDX id or a licence document's CID
        string provider; // the URL of the owner's node, which releases keys and serves vault records
        uint64 registeredAt;
        uint16 contributorsBps; // Σ of the contributors' shares; the owner takes the rest of every payment
    }

    /// @notice What a registration names (the immutable part of a dataset, and its first provider URL).
    struct Listing {
        string cid;
        string schemaCid;
        bytes32 recordsRoot;
        uint32 recordCount;
        string license;
        string provider;
    }

    /**
     * @notice What access costs, in one ERC-20. `offers` is a bit set of the grant kinds that may be bought
     * (AccessGrants.Kind: bit 0 whole-dataset access, 1 a training use, 2 chosen records, 3 queries); a price of 0
     * for an offered kind gives it away. Grants last `grantDuration` seconds (0: no end).
     */
    struct Terms {
        address currency;
        uint8 offers;
        uint32 grantDuration;
        uint96 accessPrice; // the whole dataset: its key
        uint96 trainingPrice; // one training job on it, run where the owner trusts (compute-to-data)
        uint96 recordPrice; // each record of a per-record grant
        uint96 queryPrice; // each query of a per-query grant
    }

    /// @notice A share of every payment for the dataset, fixed at registration (people whose records it holds).
    struct Share {
        address payee;
        uint16 bps;
    }

    /// @notice The dataset `datasetId` (reverts for an unknown one).
    function getDataset(uint256 datasetId) external view returns (Dataset memory);

    /// @notice Terms of `datasetId` (reverts for an unknown one).
    function termsOf(uint256 datasetId) external view returns (Terms memory);

    /// @notice The contributors' shares of `datasetId` (reverts for an unknown one).
    function sharesOf(uint256 datasetId) external view returns (Share[] memory);

    /// @notice The owner of the dataset NFT: it sets terms, issues free grants, revokes, and takes the rest of a payment.
    function ownerOf(uint256 datasetId) external view returns (address);

    /// @notice Number of datasets ever registered; ids run from 1.
    function datasetCount() external view returns (uint256);
}
