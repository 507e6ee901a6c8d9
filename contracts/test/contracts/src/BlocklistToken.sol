// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title BlocklistToken
 * @notice Test-only: an ERC-20 whose owner can block an address from receiving, like USDC's and USDT's blacklists.
 */
contract BlocklistToken is ERC20 {
    address private immutable _owner;
    mapping(address => bool) public blocked;

    constructor(address holder, uint256 supply) ERC20("Blocklist Token", "BLK") {
        _owner = msg.sender;
        _mint(holder, supply);
    }

    function setBlocked(address account, bool value) external {
        require(msg.sender == _owner, "not owner");
        blocked[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[to], "blocked");
        super._update(from, to, value);
    }
}
