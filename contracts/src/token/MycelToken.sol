// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title MycelToken (MYC)
 * @notice The network token: paid for neuron registration (burned), staked by validators and miners, and later
 * minted as epoch emissions by contracts holding {MINTER_ROLE}. ERC-20 with EIP-2612 permit (one-transaction
 * approvals from a signature) and ERC-5805 votes (delegated voting power for governance).
 *
 * The initial supply goes to `treasury`, which is also the admin able to grant {MINTER_ROLE}. On the embedded
 * devnet the treasury is the faucet account that funds local users.
 */
contract MycelToken is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes, AccessControl {
    /// @notice Role allowed to mint new tokens (emission contracts).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @dev The treasury was the zero address.
    error MycelTokenZeroTreasury();

    /**
     * @notice Deploys the token and mints `initialSupply` (in wei, 18 decimals) to `treasury`.
     * Requirements:
     * - `treasury` is not the zero address.
     * Emits {Transfer} for the initial mint.
     */
    constructor(address treasury, uint256 initialSupply) ERC20("Mycel", "MYC") ERC20Permit("Mycel") {
        if (treasury == address(0)) revert MycelTokenZeroTreasury();
        _grantRole(DEFAULT_ADMIN_ROLE, treasury);
        _mint(treasury, initialSupply);
    }

    /**
     * @notice Mints `amount` new tokens to `to`.
     * Requirements:
     * - the caller holds {MINTER_ROLE}.
     * Emits {Transfer}.
     */
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
