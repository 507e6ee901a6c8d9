// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";

/**
 * @title DatasetRegistry
 * @notice One ERC-721 token per dataset (ids from 1), like Ocean's data NFTs: the content id of its encrypted records,
 * its schema, a Merkle root over the plaintext records and their count, a licence, the URL of the node that holds its
 * key (the "provider"), the terms its access is sold under (AccessGrants), and the contributors paid a fixed share of
 * every payment — the people whose records it holds. The NFT's owner takes the rest, sets the terms and the provider,
 * issues free grants and revokes grants; selling the NFT hands all of that over.
 *
 * The content, the records and the shares never change after registration: a grant or a certification (EAS) names a
 * dataset id and means exactly those records. A new version is a new dataset.
 */
contract DatasetRegistry is ERC721, IDatasetRegistry {
    uint256 public constant MAX_CONTRIBUTORS = 8;
    uint256 public constant MAX_BPS = 10_000;
    uint256 public constant MAX_CID_LENGTH = 128;
    uint256 public constant MAX_TEXT_LENGTH = 256;
    /// @notice Bits of `Terms.offers` a buyer may use (AccessGrants.Kind 0–3; compute grants are never sold).
    uint8 public constant OFFERS_MASK = 0x0f;

    uint256 private _datasetCount;
    mapping(uint256 datasetId => Dataset) private _datasets;
    mapping(uint256 datasetId => Terms) private _terms;
    mapping(uint256 datasetId => Share[]) private _shares;

    /// @notice `contributors` take their `bps` of every payment for the dataset; the owner the rest.
    event DatasetRegistered(uint256 indexed datasetId, address indexed owner, Listing listing, Share[] contributors);
    event TermsSet(uint256 indexed datasetId, Terms terms);
    event ProviderSet(uint256 indexed datasetId, string provider);

    error DatasetRegistryUnknownDataset(uint256 datasetId);
    error DatasetRegistryNotOwner(uint256 datasetId, address caller);
    error DatasetRegistryInvalidString(string field, uint256 length, uint256 max);
    error DatasetRegistryNoRecords();
    error DatasetRegistryZeroRoot();
    error DatasetRegistryTooManyContributors(uint256 count, uint256 max);
    error DatasetRegistryBadShare(uint256 index, address payee, uint16 bps);
    error DatasetRegistrySharesTooHigh(uint256 totalBps, uint256 max);
    error DatasetRegistryNoCurrency();
    error DatasetRegistryBadOffers(uint8 offers);

    constructor() ERC721("mycel dataset", "MYCEL-DATA") {}

    /**
     * @notice Registers a dataset owned by the caller; returns its id.
     * Requirements: CIDs 1..128 bytes; the licence and the provider URL 1..256 bytes; at least one record and a
     * non-zero records root; at most 8 contributors, each a non-zero address with a non-zero share, their total at
     * most 10,000 bps; terms with a currency and offers within bits 0–3.
     * Emits {DatasetRegistered}, {TermsSet} and {ProviderSet}.
     */
    function register(Listing calldata listing, Terms calldata terms, Share[] calldata contributors)
        external
        returns (uint256 datasetId)
    {
        _checkString("cid", bytes(listing.cid).length, MAX_CID_LENGTH);
        _checkString("schemaCid", bytes(listing.schemaCid).length, MAX_CID_LENGTH);
        _checkString("license", bytes(listing.license).length, MAX_TEXT_LENGTH);
        _checkString("provider", bytes(listing.provider).length, MAX_TEXT_LENGTH);
        if (listing.recordCount == 0) revert DatasetRegistryNoRecords();
        if (listing.recordsRoot == bytes32(0)) revert DatasetRegistryZeroRoot();
        _checkTerms(terms);
        if (contributors.length > MAX_CONTRIBUTORS) {
            revert DatasetRegistryTooManyContributors(contributors.length, MAX_CONTRIBUTORS);
        }
        datasetId = ++_datasetCount;
        uint256 total;
        for (uint256 i = 0; i < contributors.length; i++) {
            Share calldata share = contributors[i];
            if (share.payee == address(0) || share.bps == 0) revert DatasetRegistryBadShare(i, share.payee, share.bps);
            total += share.bps;
            _shares[datasetId].push(share);
        }
        if (total > MAX_BPS) revert DatasetRegistrySharesTooHigh(total, MAX_BPS);
        Dataset storage d = _datasets[datasetId];
        d.cid = listing.cid;
        d.schemaCid = listing.schemaCid;
        d.recordsRoot = listing.recordsRoot;
        d.recordCount = listing.recordCount;
        d.license = listing.license;
        d.provider = listing.provider;
        d.registeredAt = uint64(block.timestamp);
        d.contributorsBps = uint16(total);
        _terms[datasetId] = terms;
        _mint(msg.sender, datasetId);
        emit DatasetRegistered(datasetId, msg.sender, listing, contributors);
        emit TermsSet(datasetId, terms);
        emit ProviderSet(datasetId, listing.provider);
    }

    /**
     * @notice Replaces the terms of `datasetId` (grants already bought keep what they were bought for).
     * Requirements: the caller owns the dataset; a currency; offers within bits 0–3. Emits {TermsSet}.
     */
    function setTerms(uint256 datasetId, Terms calldata terms) external {
        _onlyOwner(datasetId);
        _checkTerms(terms);
        _terms[datasetId] = terms;
        emit TermsSet(datasetId, terms);
    }

    /**
     * @notice Moves the dataset's provider (the node that releases its key) to `provider`.
     * Requirements: the caller owns the dataset; 1..256 bytes. Emits {ProviderSet}.
     */
    function setProvider(uint256 datasetId, string calldata provider) external {
        _onlyOwner(datasetId);
        _checkString("provider", bytes(provider).length, MAX_TEXT_LENGTH);
        _datasets[datasetId].provider = provider;
        emit ProviderSet(datasetId, provider);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IDatasetRegistry
    function getDataset(uint256 datasetId) external view returns (Dataset memory) {
        _exists(datasetId);
        return _datasets[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function termsOf(uint256 datasetId) external view returns (Terms memory) {
        _exists(datasetId);
        return _terms[datasetId];
    }

    /// @notice What a purchase agrees to: keccak256(abi.encode(termsOf(datasetId))).
    function termsHash(uint256 datasetId) external view returns (bytes32) {
        _exists(datasetId);
        return keccak256(abi.encode(_terms[datasetId]));
    }

    /// @inheritdoc IDatasetRegistry
    function sharesOf(uint256 datasetId) external view returns (Share[] memory) {
        _exists(datasetId);
        return _shares[datasetId];
    }

    /// @inheritdoc IDatasetRegistry
    function ownerOf(uint256 datasetId) public view override(ERC721, IDatasetRegistry) returns (address) {
        return super.ownerOf(datasetId);
    }

    /// @inheritdoc IDatasetRegistry
    function datasetCount() external view returns (uint256) {
        return _datasetCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    function _exists(uint256 datasetId) private view {
        if (datasetId == 0 || datasetId > _datasetCount) revert DatasetRegistryUnknownDataset(datasetId);
    }

    function _onlyOwner(uint256 datasetId) private view {
        _exists(datasetId);
        if (ownerOf(datasetId) != msg.sender) revert DatasetRegistryNotOwner(datasetId, msg.sender);
    }

    function _checkTerms(Terms calldata terms) private pure {
        if (terms.currency == address(0)) revert DatasetRegistryNoCurrency();
        if (terms.offers & ~OFFERS_MASK != 0) revert DatasetRegistryBadOffers(terms.offers);
    }

    function _checkString(string memory field, uint256 length, uint256 max) private pure {
        if (length == 0 || length > max) revert DatasetRegistryInvalidString(field, length, max);
    }
}
