// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title TestUSD (tUSD)
 * @notice A 6-decimals stablecoin stand-in for devnets and tests, so payment channels are exercised with the token
 * shape most paid APIs settle in (USDC-like decimals, EIP-2612 permit). It has no value: its owner mints at will.
 * Never deploy it as money.
 */
contract TestUSD is ERC20, ERC20Permit, Ownable {
    constructor(address owner_) ERC20("Test USD", "tUSD") ERC20Permit("Test USD") Ownable(owner_) {}

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /**
     * @notice Mints `amount` (6 decimals) to `to`.
     * Requirements: the caller is the owner.
     * Emits {Transfer}.
     */
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
