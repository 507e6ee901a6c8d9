// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaMath} from "./YumaMath.sol";

/**
 * @title YumaReferee
 * @notice Stateless: computes a Yuma epoch with the contracts' own fixed-point arithmetic, so anyone can check an
 * epoch against the chain's rules with an `eth_call` (and the tests can hold the SDK to the same bits).
 */
contract YumaReferee {
    /// @notice The weights are not validators x miners.
    error YumaRefereeShapeMismatch(uint256 weights, uint256 validators, uint256 miners);
    /// @notice The bonds are neither empty nor validators x miners.
    error YumaRefereeBondsShapeMismatch(uint256 bonds, uint256 expected);

    /**
     * @notice One Yuma epoch.
     * @param params kappa, bonds penalty, alpha and liquid alpha in Q32; `yuma3` picks the bonds path.
     * @param miners the number of columns of the flat matrices.
     * @param weights masked u16 weights, flat, validators x miners.
     * @param stake raw stake per validator.
     * @param bonds Q32 bonds, flat, or empty for zeros.
     * Requirements: the shapes match.
     */
    function epoch(
        YumaMath.Params calldata params,
        uint256 miners,
        uint16[] calldata weights,
        uint256[] calldata stake,
        uint256[] calldata bonds
    ) external pure returns (YumaMath.Result memory) {
        if (weights.length != stake.length * miners) {
            revert YumaRefereeShapeMismatch(weights.length, stake.length, miners);
        }
        if (bonds.length != 0 && bonds.length != weights.length) {
            revert YumaRefereeBondsShapeMismatch(bonds.length, weights.length);
        }
        return YumaMath.epoch(params, miners, weights, stake, bonds);
    }
}
