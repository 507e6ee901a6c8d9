// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

interface IWithdraw {
    function withdraw(address token) external returns (uint256);
}

/**
 * @title ReentrantRoyaltyToken
 * @notice Test-only: an ERC-20 that is also a share holder of a RoyaltyVault and, while the vault pays it, calls the
 * vault's withdraw again (and collect) — the attack a hostile token tracked by a careless vote would try. Records
 * whether any re-entry succeeded.
 */
contract ReentrantRoyaltyToken is ERC20 {
    address private _vault;
    bool public reentered;
    bytes public reentryError;

    constructor(address holder, uint256 supply) ERC20("Reentrant", "RE") {
        _mint(holder, supply);
    }

    /// Withdraws this contract's royalties in this token from `vault`, re-entering while being paid.
    function attack(address vault) external {
        _vault = vault;
        IWithdraw(vault).withdraw(address(this));
        _vault = address(0);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && from == _vault) {
            (bool ok, bytes memory data) = _vault.call(abi.encodeCall(IWithdraw.withdraw, (address(this))));
            if (ok) reentered = true;
            else reentryError = data;
        }
    }
}
