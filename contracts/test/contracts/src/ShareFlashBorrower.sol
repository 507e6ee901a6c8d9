// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IShareVault {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function transfer(address to, uint256 value) external returns (bool);
    function collect(address token) external returns (uint256);
}

/**
 * @title ShareFlashBorrower
 * @notice Test-only: borrows RoyaltyVault shares for one transaction (as a flash loan would lend them), collects
 * while holding them, and returns them — trying to keep the royalties the borrowed shares were counted for.
 */
contract ShareFlashBorrower {
    function borrowAndCollect(IShareVault vault, address lender, uint256 amount, address token) external {
        vault.transferFrom(lender, address(this), amount);
        vault.collect(token);
        vault.transfer(lender, amount);
    }
}
