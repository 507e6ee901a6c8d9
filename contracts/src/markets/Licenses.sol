// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILicenses} from "../interfaces/ILicenses.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRoyaltySource} from "../interfaces/IRoyaltySource.sol";

/**
 * @title Licenses
 * @notice License tokens (ERC-721) for models of the ModelRegistry. `buy(modelId, …)` pays the model's mint fee in its
 * terms' currency and mints a license that snapshots the terms (the royalty above all) and expires after the terms'
 * license duration (never for 0). The model's owner (its timelock once fractionalized) can revoke a license. Mint
 * fees are held per model and token and released to the model's royalty recipient (anyone may trigger it).
 *
 * A purchase names the terms it agreed to (`buy(modelId, termsHash)`, see {termsHash}) and reverts if the model's
 * terms changed since the buyer read them: otherwise a model owner seeing a purchase waiting to be mined could raise
 * the fee (taken in full under a standing allowance) or the royalty (up to 100 %, perpetual) in front of it (audit A1).
 *
 * Licenses cannot be transferred (ERC-5192 "locked" from mint): a license is a grant to the server that bought it.
 * A transferable one could be pushed onto a payee to replace its own license right before a claim (a higher royalty,
 * or a non-commercial one that makes the claim revert), or passed from server to server between their claims so that
 * one purchase serves them all (the audit's findings P1-P3, contracts/test/attacks.markets.evm.test.ts).
 *
 * Active license (the one lookup a claim makes, one storage slot): each holder has at most one *active* license per
 * model. Buying a license makes it active when the holder has none, or the active one has expired or expires sooner
 * (perpetual counts as latest). Its revocation ends it at once: the slot keeps the license with `expiresAt` set to
 * the revocation's time, so `validLicense` and routing stop at once, while a claim still accepts it for one channel
 * challenge period (what was served before the revocation stays payable, audit P4, see PaymentChannelsRoyalties);
 * the holder can {activate} another it holds, or buy one, which then takes the slot. A revoked license can never be
 * activated again.
 *
 * The model's ancestor route (immutable in the registry) is copied here on the first sale, so a claim reads it
 * without a second contract call; a route of one or two ancestors is also copied into each active-license slot, so
 * the claim's lookup is one storage read.
 */
contract Licenses is ERC721, ReentrancyGuardTransient, ILicenses, IRoyaltySource {
    using SafeERC20 for IERC20;

    /// @notice One license: the model, when it ends, whether it was revoked, and the terms it was bought under.
    struct License {
        uint256 modelId;
        uint64 expiresAt; // type(uint64).max for a perpetual license
        bool revoked;
        IModelRegistry.Terms terms;
    }

    /// @notice The active license of a holder for a model, packed in one slot for the claim path.
    struct Active {
        uint64 licenseId;
        uint64 expiresAt;
        uint16 royaltyBps;
        uint8 ancestors;
        bool commercialUse;
    }

    uint64 private constant PERPETUAL = type(uint64).max;
    uint256 private constant ROUTE_CACHED = 1 << 255;
    /// @dev Routes of at most this many ancestors are copied into the active-license slot.
    uint256 private constant ROUTE_IN_ACTIVE = 2;

    IModelRegistry public immutable registry;
    uint256 private _licenseCount;
    mapping(uint256 licenseId => License) private _licenses;
    mapping(address holder => mapping(uint256 modelId => Active)) private _active;
    mapping(uint256 modelId => uint256[2]) private _routes;
    mapping(uint256 modelId => mapping(address token => uint256)) private _fees;

    event LicenseBought(
        uint256 indexed licenseId, uint256 indexed modelId, address indexed buyer, uint64 expiresAt, uint96 fee
    );
    event LicenseRevoked(uint256 indexed licenseId, uint256 indexed modelId, address indexed holder);
    /// @notice `licenseId` became (or stopped being, with `active` false) `holder`'s active license for `modelId`.
    event LicenseActivated(uint256 indexed licenseId, uint256 indexed modelId, address indexed holder, bool active);

    /// @notice ERC-5192: `tokenId` is bound to its holder (every license, from its mint).
    event Locked(uint256 tokenId);

    error LicensesModelWithoutTerms(uint256 modelId);
    /// @dev A license stays with the server that bought it: buy one for each server.
    error LicensesNonTransferable(uint256 licenseId);
    error LicensesUnknownLicense(uint256 licenseId);
    error LicensesNotModelOwner(uint256 licenseId, address caller);
    error LicensesNotHolder(uint256 licenseId, address caller);
    error LicensesRevoked(uint256 licenseId);
    error LicensesExpired(uint256 licenseId, uint64 expiresAt);
    /// @dev The model's terms are not the ones the buyer agreed to (they changed after it read them).
    error LicensesTermsChanged(uint256 modelId, bytes32 agreed, bytes32 current);
    /// @dev `token` delivered `received` of the `expected` fee (a fee-on-transfer token): such currencies are refused.
    error LicensesTransferShort(address token, uint256 expected, uint256 received);

    constructor(IModelRegistry registry_) ERC721("mycel model license", "MYCEL-LICENSE") {
        registry = registry_;
    }

    /**
     * @notice Buys a license of `modelId` for the caller: pulls the terms' mint fee (approve first) and mints a
     * license snapshotting the current terms. Returns its id.
     * Requirements: the model exists and has terms; they hash to `agreedTerms` (the {termsHash} the buyer read);
     * the currency delivers the whole fee.
     * Emits {LicenseBought} and {LicenseActivated} when it becomes the caller's active license.
     */
    function buy(uint256 modelId, bytes32 agreedTerms) external nonReentrant returns (uint256 licenseId) {
        IModelRegistry.Terms memory terms = registry.termsOf(modelId); // reverts for an unknown model
        if (!terms.hasTerms) revert LicensesModelWithoutTerms(modelId);
        bytes32 current = keccak256(abi.encode(terms));
        if (current != agreedTerms) revert LicensesTermsChanged(modelId, agreedTerms, current);
        if (_routes[modelId][0] & ROUTE_CACHED == 0) {
            (uint256 word0, uint256 word1) = registry.routeOf(modelId);
            _routes[modelId] = [word0 | ROUTE_CACHED, word1];
        }
        licenseId = ++_licenseCount;
        uint64 expiresAt = terms.licenseDuration == 0 ? PERPETUAL : uint64(block.timestamp) + terms.licenseDuration;
        License storage license = _licenses[licenseId];
        license.modelId = modelId;
        license.expiresAt = expiresAt;
        license.terms = terms;
        uint96 fee = terms.mintFee;
        if (fee > 0) _fees[modelId][terms.currency] += fee;
        emit LicenseBought(licenseId, modelId, msg.sender, expiresAt, fee);
        _mint(msg.sender, licenseId); // no receiver callback: nothing runs before the fee is pulled
        if (fee > 0) _pull(terms.currency, fee);
    }

    /**
     * @notice Revokes `licenseId`: it stops being valid at once; claims paying its model for its holder accept it for
     * one challenge period more (requests served before the revocation stay payable), then revert.
     * Requirements: the caller owns the model NFT (its timelock once fractionalized); not revoked before.
     * Emits {LicenseRevoked} and, when it was active, {LicenseActivated} with `active` false.
     */
    function revoke(uint256 licenseId) external {
        License storage license = _license(licenseId);
        uint256 modelId = license.modelId;
        if (msg.sender != registry.ownerOf(modelId)) revert LicensesNotModelOwner(licenseId, msg.sender);
        if (license.revoked) revert LicensesRevoked(licenseId);
        license.revoked = true;
        address holder = _ownerOf(licenseId);
        emit LicenseRevoked(licenseId, modelId, holder);
        Active storage active = _active[holder][modelId];
        if (active.licenseId == licenseId && active.expiresAt > block.timestamp) {
            // Ends now; the slot's other fields (and the route bits above them) stay for claims within the grace.
            active.expiresAt = uint64(block.timestamp);
            emit LicenseActivated(licenseId, modelId, holder, false);
        }
    }

    /**
     * @notice Makes `licenseId`, held by the caller, its active license for the model (e.g. after the active one
     * was sent away).
     * Requirements: the caller holds it; not revoked; not expired.
     * Emits {LicenseActivated}.
     */
    function activate(uint256 licenseId) external {
        License storage license = _license(licenseId);
        if (_ownerOf(licenseId) != msg.sender) revert LicensesNotHolder(licenseId, msg.sender);
        if (license.revoked) revert LicensesRevoked(licenseId);
        if (license.expiresAt <= block.timestamp) revert LicensesExpired(licenseId, license.expiresAt);
        _setActive(msg.sender, licenseId, license);
    }

    /// @inheritdoc IRoyaltySource
    function releaseRoyalties(uint256 modelId, address token) external nonReentrant returns (uint256 amount) {
        address recipient = registry.royaltyRecipient(modelId);
        amount = _fees[modelId][token];
        delete _fees[modelId][token];
        emit RoyaltiesReleased(modelId, token, recipient, amount);
        if (amount > 0) IERC20(token).safeTransfer(recipient, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The license `licenseId` (reverts if unknown).
    function getLicense(uint256 licenseId) external view returns (License memory) {
        return _license(licenseId);
    }

    /// @notice What {buy} checks: `keccak256(abi.encode(registry.termsOf(modelId)))`, the model's current terms.
    function termsHash(uint256 modelId) external view returns (bytes32) {
        return keccak256(abi.encode(registry.termsOf(modelId)));
    }

    /// @notice Whether `licenseId` is valid now: minted, not revoked, not expired.
    function isValid(uint256 licenseId) public view returns (bool) {
        License storage license = _licenses[licenseId];
        return license.modelId != 0 && !license.revoked && license.expiresAt > block.timestamp;
    }

    /// @notice Whether `holder` has a valid active license for `modelId`.
    function hasValidLicense(address holder, uint256 modelId) external view returns (bool) {
        (uint256 licenseId,) = validLicense(holder, modelId);
        return licenseId != 0;
    }

    /// @inheritdoc ILicenses
    function validLicense(address holder, uint256 modelId) public view returns (uint256 licenseId, uint16 royaltyBps) {
        Active memory active = _active[holder][modelId];
        if (active.licenseId == 0 || active.expiresAt <= block.timestamp) return (0, 0);
        return (active.licenseId, active.royaltyBps);
    }

    /// @notice The active license of `holder` for `modelId`, valid or not (all zero when none).
    function activeLicense(address holder, uint256 modelId) external view returns (Active memory) {
        return _active[holder][modelId];
    }

    /// @inheritdoc ILicenses
    /// @dev The claim path: one read of the active slot, which also carries the route of a model with at most two
    /// ancestors (bits 160–255, see {_setActive}); a deeper route adds the cached route's slot(s).
    function claimRoute(address holder, uint256 modelId)
        external
        view
        returns (
            uint256 licenseId,
            uint64 expiresAt,
            uint16 royaltyBps,
            bool commercialUse,
            uint256 route0,
            uint256 route1
        )
    {
        Active storage active = _active[holder][modelId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(active.slot)
        }
        licenseId = uint64(word);
        expiresAt = uint64(word >> 64);
        royaltyBps = uint16(word >> 128);
        uint256 ancestors = uint8(word >> 144);
        commercialUse = uint8(word >> 152) != 0;
        if (ancestors == 0) return (licenseId, expiresAt, royaltyBps, commercialUse, 0, 0);
        if (ancestors <= ROUTE_IN_ACTIVE) {
            route0 = ancestors | ((word >> 160) << 8);
        } else {
            uint256[2] storage route = _routes[modelId];
            route0 = route[0] & ~ROUTE_CACHED;
            if (ancestors > 5) route1 = route[1];
        }
    }

    /// @inheritdoc ILicenses
    /// @dev Three storage reads (four for a route of more than five ancestors): the model, the terms' word with the
    /// royalty, the route cached at the model's first sale (a license exists, so it was sold).
    function licenseRoute(uint256 licenseId)
        external
        view
        returns (uint256 modelId, uint16 royaltyBps, uint256 route0, uint256 route1)
    {
        License storage license = _licenses[licenseId];
        modelId = license.modelId;
        if (modelId == 0) revert LicensesUnknownLicense(licenseId);
        royaltyBps = license.terms.royaltyBps;
        uint256[2] storage route = _routes[modelId];
        route0 = route[0] & ~ROUTE_CACHED;
        if (route0 & 0xff > 5) route1 = route[1];
    }

    /// @inheritdoc IRoyaltySource
    function royaltiesOf(uint256 modelId, address token) external view returns (uint256) {
        return _fees[modelId][token];
    }

    /// @notice Number of licenses ever sold; ids run from 1.
    /// @notice ERC-5192: every license is locked to its holder (reverts for an unknown license).
    function locked(uint256 licenseId) external view returns (bool) {
        _license(licenseId);
        return true;
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == 0xb45a3c0e || super.supportsInterface(interfaceId); // ERC-5192
    }

    function licenseCount() external view returns (uint256) {
        return _licenseCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Licenses are minted and never move (see the contract header); a mint may make the new license active.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) revert LicensesNonTransferable(tokenId);
        emit Locked(tokenId);
        License storage license = _licenses[tokenId];
        uint256 modelId = license.modelId;
        if (to != address(0) && !license.revoked && license.expiresAt > block.timestamp) {
            Active memory current = _active[to][modelId];
            if (
                current.licenseId == 0 || current.expiresAt <= block.timestamp
                    || current.expiresAt < license.expiresAt
            ) _setActive(to, tokenId, license);
        }
    }

    function _setActive(address holder, uint256 licenseId, License storage license) private {
        uint256 modelId = license.modelId;
        uint256 route0 = _routes[modelId][0];
        uint256 ancestors = route0 & 0xff;
        Active storage active = _active[holder][modelId];
        _active[holder][modelId] = Active({
            licenseId: uint64(licenseId),
            expiresAt: license.expiresAt,
            royaltyBps: license.terms.royaltyBps,
            ancestors: uint8(ancestors),
            commercialUse: license.terms.commercialUse
        });
        if (ancestors > 0 && ancestors <= ROUTE_IN_ACTIVE) {
            // The route's first two entries (48 bits each) ride in the slot's free top 96 bits (see {claimRoute}).
            uint256 entries = (route0 >> 8) & ((1 << 96) - 1);
            assembly ("memory-safe") {
                sstore(active.slot, or(sload(active.slot), shl(160, entries)))
            }
        }
        emit LicenseActivated(licenseId, modelId, holder, true);
    }

    function _license(uint256 licenseId) private view returns (License storage license) {
        license = _licenses[licenseId];
        if (license.modelId == 0) revert LicensesUnknownLicense(licenseId);
    }

    /// @dev Pulls `amount` of `token` from the caller and checks all of it arrived.
    function _pull(address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert LicensesTransferShort(token, amount, received);
    }
}
