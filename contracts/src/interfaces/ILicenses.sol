// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ILicenses
 * @notice The lookups `ModelRegistry` (registering a derivative) and `PaymentChannels` (a claim with a model split)
 * make on `Licenses`: the license of a holder for a model, in one storage slot.
 */
interface ILicenses {
    /**
     * @notice The license `holder` uses for `modelId` (0 when none is valid: absent, expired or revoked) and the
     * royalty it was bought under.
     */
    function validLicense(address holder, uint256 modelId) external view returns (uint256 licenseId, uint16 royaltyBps);

    /**
     * @notice What settling a model channel bound to `licenseId` needs: the license's model, the royalty it snapshots,
     * and the model's packed ancestor route (the same words {claimRoute} returns for it). Reverts for an unknown
     * license.
     */
    function licenseRoute(uint256 licenseId)
        external
        view
        returns (uint256 modelId, uint16 royaltyBps, uint256 route0, uint256 route1);

    /**
     * @notice What a claim needs, in as few storage reads as possible: the active license of `holder` for `modelId`
     * (0 if none; an ended one is returned with its `expiresAt`: its expiry, or the time it was revoked), the royalty
     * and commercial-use flag it snapshots, and the model's packed ancestor route (zero words for a root model).
     */
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
        );
}
