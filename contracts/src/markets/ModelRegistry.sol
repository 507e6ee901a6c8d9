// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ILicenseTerms} from "../interfaces/ILicenseTerms.sol";
import {ILicenses} from "../interfaces/ILicenses.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ModelRegistryRoute} from "./ModelRegistryRoute.sol";

/**
 * @title ModelRegistry
 * @notice One ERC-721 token per model (ids from 1): the content ids of its weights and model card, its format, its
 * parent models, and its license terms (PIL-like: commercial use, derivatives, attribution, royalty, minimum price
 * per request, license duration, mint fee, in one ERC-20).
 *
 * Lineage: parents are existing models (ids below the new one) and never change, so a cycle cannot exist. A
 * derivative of a parent with terms needs the parent's terms to allow derivatives and the registrant to hold a valid
 * license of it bought under terms that allowed derivatives too. The model and its ancestors (deduplicated) are the
 * royalty route, at most 8 models; each ancestor's royalty is fixed here when the derivative registers (a parent's
 * at the bps of the registrant's license, the parent's own ancestors at theirs; an ancestor reached twice keeps the
 * higher). The model's own share is the bps of
 * the license its server holds. The route's total, own terms included, never exceeds 10,000 bps. A model whose
 * ancestors take any royalty always has terms (at registration and after every change): a model without terms is
 * served with plain vouchers, which pay no route, so dropping them would cut its ancestors off.
 *
 * Terms change only by the NFT's owner: after {fractionalize} that is the model's timelock, so only its Governor.
 */
contract ModelRegistry is ERC721, IModelRegistry {
    uint256 public constant MAX_PARENTS = 4;
    uint256 public constant MAX_ROUTE = 8;
    uint256 public constant MAX_BPS = 10_000;
    uint256 public constant MAX_CID_LENGTH = 128;
    uint256 public constant MAX_FORMAT_LENGTH = 32;

    /// @dev The account that wires Licenses once; it has no other power.
    address private immutable _admin;
    ILicenses private _licenses;
    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => Terms) private _terms;
    mapping(uint256 modelId => uint256[2]) private _routes;
    mapping(uint256 modelId => address) private _vaults;

    event LicensesSet(address licenses);
    /// @notice `ancestors` is the deduplicated lineage, `ancestorsBps` each one's royalty in this model's route.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        string weightsCid,
        string cardCid,
        string format,
        uint256[] parents,
        uint256[] ancestors,
        uint256[] ancestorsBps
    );
    event TermsSet(uint256 indexed modelId, Terms terms);
    event Fractionalized(uint256 indexed modelId, address indexed vault, address indexed timelock);

    error ModelRegistryNotAdmin(address caller);
    error ModelRegistryLicensesAlreadySet(address licenses);
    error ModelRegistryLicensesNotSet();
    error ModelRegistryUnknownModel(uint256 modelId);
    error ModelRegistryNotOwner(uint256 modelId, address caller);
    error ModelRegistryInvalidString(string field, uint256 length, uint256 max);
    error ModelRegistryTooManyParents(uint256 count, uint256 max);
    error ModelRegistryDuplicateParent(uint256 parentId);
    error ModelRegistryDerivativesNotAllowed(uint256 parentId);
    error ModelRegistryParentLicenseRequired(uint256 parentId, address registrant);
    /// @dev The registrant's license of `parentId` was bought under terms that did not allow derivatives.
    error ModelRegistryLicenseForbidsDerivatives(uint256 parentId, uint256 licenseId);
    error ModelRegistryLineageTooDeep(uint256 depth, uint256 max);
    error ModelRegistryRoyaltyTooHigh(uint256 totalBps, uint256 max);
    error ModelRegistryNoCurrency(uint256 modelId);
    error ModelRegistryTooManyModels();
    error ModelRegistryAlreadyFractionalized(uint256 modelId, address vault);
    error ModelRegistryZeroAddress();
    /// @dev A model whose ancestors take royalties must have terms: without them it would be served with plain
    /// vouchers (no license, no split) and its ancestors would never be paid.
    error ModelRegistryDerivativeNeedsTerms(uint256 modelId, uint256 ancestorsBps);

    /// @param admin The account that wires the Licenses contract once ({setLicenses}); it has no other power.
    constructor(address admin) ERC721("mycel model", "MYCEL-MODEL") {
        _admin = admin;
    }

    /**
     * @notice Wires the Licenses contract, asked for parents' licenses when a derivative registers.
     * Requirements: the caller is the admin; not set before.
     * Emits {LicensesSet}.
     */
    function setLicenses(address licenses_) external {
        if (msg.sender != _admin) revert ModelRegistryNotAdmin(msg.sender);
        if (address(_licenses) != address(0)) revert ModelRegistryLicensesAlreadySet(address(_licenses));
        if (licenses_ == address(0)) revert ModelRegistryZeroAddress();
        _licenses = ILicenses(licenses_);
        emit LicensesSet(licenses_);
    }

    /**
     * @notice Registers a model owned by the caller; returns its id.
     * @param parents Up to 4 distinct existing models this one derives from (empty for an original model).
     * @param terms Its license terms (`hasTerms` false for none).
     * Requirements: CIDs non-empty and ≤ 128 bytes, format non-empty and ≤ 32 bytes; for each parent with terms, the
     * terms allow derivatives and the caller holds a valid license of it, bought under terms allowing them; at most 8
     * models in the lineage; the route's royalty, own terms included, ≤ 10,000 bps; terms with a currency; terms
     * when the ancestors take any royalty ({ModelRegistryDerivativeNeedsTerms}).
     * Emits {ModelRegistered} and, with terms, {TermsSet}.
     */
    function register(
        string calldata weightsCid,
        string calldata cardCid,
        string calldata format,
        uint256[] calldata parents,
        Terms calldata terms
    ) external returns (uint256 modelId) {
        _checkString("weightsCid", bytes(weightsCid).length, MAX_CID_LENGTH);
        _checkString("cardCid", bytes(cardCid).length, MAX_CID_LENGTH);
        _checkString("format", bytes(format).length, MAX_FORMAT_LENGTH);
        if (parents.length > MAX_PARENTS) revert ModelRegistryTooManyParents(parents.length, MAX_PARENTS);
        modelId = ++_modelCount;
        if (modelId > type(uint32).max) revert ModelRegistryTooManyModels();
        uint256 ancestorsBps = _recordLineage(modelId, parents);
        _checkTerms(modelId, terms, ancestorsBps);
        Model storage model = _models[modelId];
        model.weightsCid = weightsCid;
        model.cardCid = cardCid;
        model.format = format;
        model.registeredAt = uint64(block.timestamp);
        _mint(msg.sender, modelId);
        _emitRegistered(modelId);
        if (terms.hasTerms) {
            _terms[modelId] = terms;
            emit TermsSet(modelId, terms);
        }
    }

    /**
     * @notice Replaces the terms of `modelId` (licenses already sold keep the terms they snapshot).
     * Requirements: the caller owns the model NFT (its timelock once fractionalized); own royalty plus the
     * ancestors' ≤ 10,000 bps; terms with a currency; terms kept when the ancestors take any royalty.
     * Emits {TermsSet}.
     */
    function setTerms(uint256 modelId, Terms calldata terms) external {
        address owner = _ownerOrRevert(modelId);
        if (msg.sender != owner) revert ModelRegistryNotOwner(modelId, msg.sender);
        _checkTerms(modelId, terms, _models[modelId].ancestorsBps);
        if (terms.hasTerms) _terms[modelId] = terms;
        else delete _terms[modelId];
        emit TermsSet(modelId, terms);
    }

    /// @inheritdoc IModelRegistry
    function fractionalize(uint256 modelId, address vault, address timelock) external {
        address owner = _ownerOrRevert(modelId);
        if (msg.sender != owner) revert ModelRegistryNotOwner(modelId, msg.sender);
        if (vault == address(0) || timelock == address(0)) revert ModelRegistryZeroAddress();
        address current = _vaults[modelId];
        if (current != address(0)) revert ModelRegistryAlreadyFractionalized(modelId, current);
        _vaults[modelId] = vault;
        emit Fractionalized(modelId, vault, timelock);
        _transfer(owner, timelock, modelId);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The model `modelId` (reverts if unknown).
    function getModel(uint256 modelId) external view returns (Model memory) {
        _ownerOrRevert(modelId);
        return _models[modelId];
    }

    /// @inheritdoc IModelRegistry
    function termsOf(uint256 modelId) external view returns (Terms memory) {
        _ownerOrRevert(modelId);
        return _terms[modelId];
    }

    /// @inheritdoc IModelRegistry
    function routeOf(uint256 modelId) external view returns (uint256 word0, uint256 word1) {
        _ownerOrRevert(modelId);
        uint256[2] storage route = _routes[modelId];
        return (route[0], route[1]);
    }

    /// @notice The ancestors of `modelId` and each one's royalty in its route, unpacked.
    function royaltyRoute(uint256 modelId) public view returns (uint256[] memory ids, uint256[] memory bps) {
        _ownerOrRevert(modelId);
        uint256[2] storage route = _routes[modelId];
        (uint256 word0, uint256 word1) = (route[0], route[1]);
        uint256 n = ModelRegistryRoute.count(word0);
        ids = new uint256[](n);
        bps = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (ids[i], bps[i]) = ModelRegistryRoute.entry(word0, word1, i);
        }
    }

    /// @inheritdoc IModelRegistry
    function royaltyRecipient(uint256 modelId) external view returns (address) {
        address vault = _vaults[modelId];
        return vault != address(0) ? vault : _ownerOrRevert(modelId);
    }

    /// @notice The RoyaltyVault of `modelId` (zero until fractionalized).
    function vaultOf(uint256 modelId) external view returns (address) {
        return _vaults[modelId];
    }

    /// @inheritdoc IModelRegistry
    function ownerOf(uint256 modelId) public view override(ERC721, IModelRegistry) returns (address) {
        return super.ownerOf(modelId);
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @notice The Licenses contract (zero until wired).
    function licenses() external view returns (address) {
        return address(_licenses);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Stores the parents, the lineage's size and royalty, and the packed route; returns the ancestors' bps.
    function _recordLineage(uint256 modelId, uint256[] calldata parents) private returns (uint256 ancestorsBps) {
        (uint256[] memory ids, uint256[] memory bps, uint256 n, uint256 total) = _lineage(parents);
        Model storage model = _models[modelId];
        model.parents = parents;
        model.ancestors = uint8(n);
        model.ancestorsBps = uint16(total);
        if (n > 0) {
            (uint256 word0, uint256 word1) = ModelRegistryRoute.pack(ids, bps, n);
            _routes[modelId] = [word0, word1];
        }
        return total;
    }

    function _emitRegistered(uint256 modelId) private {
        Model storage model = _models[modelId];
        (uint256[] memory ids, uint256[] memory bps) = royaltyRoute(modelId);
        emit ModelRegistered(
            modelId, msg.sender, model.weightsCid, model.cardCid, model.format, model.parents, ids, bps
        );
    }

    /**
     * @dev The deduplicated ancestors of a model with `parents` and each one's royalty: a parent with terms at the
     * bps of the caller's license (which must exist, and the terms allow derivatives), a parent without terms at 0,
     * then each parent's own route. Buffers are sized for the worst case (4 parents × 8) so the exact depth can be
     * reported when it is over the bound.
     */
    function _lineage(uint256[] calldata parents)
        private
        view
        returns (uint256[] memory ids, uint256[] memory bps, uint256 n, uint256 totalBps)
    {
        ids = new uint256[](MAX_PARENTS * MAX_ROUTE);
        bps = new uint256[](MAX_PARENTS * MAX_ROUTE);
        for (uint256 p; p < parents.length; ++p) {
            uint256 parentId = parents[p];
            for (uint256 q; q < p; ++q) {
                if (parents[q] == parentId) revert ModelRegistryDuplicateParent(parentId);
            }
            _requireKnown(parentId);
            n = _add(ids, bps, n, parentId, _parentBps(parentId));
            uint256[2] storage route = _routes[parentId];
            (uint256 word0, uint256 word1) = (route[0], route[1]);
            uint256 count = ModelRegistryRoute.count(word0);
            for (uint256 i; i < count; ++i) {
                (uint256 id, uint256 b) = ModelRegistryRoute.entry(word0, word1, i);
                n = _add(ids, bps, n, id, b);
            }
        }
        if (n + 1 > MAX_ROUTE) revert ModelRegistryLineageTooDeep(n + 1, MAX_ROUTE);
        for (uint256 i; i < n; ++i) {
            totalBps += bps[i];
        }
    }

    /// @dev Royalty a parent takes in a derivative's route; checks the registrant may derive from it.
    function _parentBps(uint256 parentId) private view returns (uint256) {
        Terms storage terms = _terms[parentId];
        if (!terms.hasTerms) return 0;
        if (!terms.derivativesAllowed) revert ModelRegistryDerivativesNotAllowed(parentId);
        if (address(_licenses) == address(0)) revert ModelRegistryLicensesNotSet();
        (uint256 licenseId, uint16 royaltyBps) = _licenses.validLicense(msg.sender, parentId);
        if (licenseId == 0) revert ModelRegistryParentLicenseRequired(parentId, msg.sender);
        // The royalty comes from the license's snapshot, so its snapshot must allow derivatives too: else a cheap
        // serve-only license (bought under no-derivatives terms, often at a lower royalty) would found a derivative
        // at that royalty after the owner opened derivatives at a higher one.
        if (!ILicenseTerms(address(_licenses)).getLicense(licenseId).terms.derivativesAllowed) {
            revert ModelRegistryLicenseForbidsDerivatives(parentId, licenseId);
        }
        return royaltyBps;
    }

    /// @dev Adds `id` at `b` bps unless present (then keeps the higher bps); returns the new count.
    function _add(uint256[] memory ids, uint256[] memory bps, uint256 n, uint256 id, uint256 b)
        private
        pure
        returns (uint256)
    {
        for (uint256 i; i < n; ++i) {
            if (ids[i] == id) {
                if (b > bps[i]) bps[i] = b;
                return n;
            }
        }
        ids[n] = id;
        bps[n] = b;
        return n + 1;
    }

    function _checkTerms(uint256 modelId, Terms calldata terms, uint256 ancestorsBps) private pure {
        if (!terms.hasTerms) {
            if (ancestorsBps > MAX_BPS) revert ModelRegistryRoyaltyTooHigh(ancestorsBps, MAX_BPS);
            if (ancestorsBps > 0) revert ModelRegistryDerivativeNeedsTerms(modelId, ancestorsBps);
            return;
        }
        if (terms.currency == address(0)) revert ModelRegistryNoCurrency(modelId);
        uint256 total = ancestorsBps + terms.royaltyBps;
        if (total > MAX_BPS) revert ModelRegistryRoyaltyTooHigh(total, MAX_BPS);
    }

    function _checkString(string memory field, uint256 length, uint256 max) private pure {
        if (length == 0 || length > max) revert ModelRegistryInvalidString(field, length, max);
    }

    function _requireKnown(uint256 modelId) private view {
        _ownerOrRevert(modelId);
    }

    /// @dev The owner of `modelId`, or a named error for an id never registered (models are never burnt).
    function _ownerOrRevert(uint256 modelId) private view returns (address owner) {
        owner = _ownerOf(modelId);
        if (owner == address(0)) revert ModelRegistryUnknownModel(modelId);
    }
}
