// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IModelRegistry} from "./IModelRegistry.sol";

/**
 * @title ILicenseTerms
 * @notice The one lookup on Licenses beyond {ILicenses}: a license as bought (ABI-identical to `Licenses.getLicense`).
 * ModelRegistry reads the terms a parent's license was bought under when a derivative registers; PaymentChannels
 * reads a license's own end when a claim meets an ended one (was it cut short by a revocation, or did it expire).
 */
interface ILicenseTerms {
    struct LicenseSnapshot {
        uint256 modelId;
        uint64 expiresAt;
        bool revoked;
        IModelRegistry.Terms terms;
    }

    function getLicense(uint256 licenseId) external view returns (LicenseSnapshot memory);
}
