// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/**
 * @title Eip3009Token
 * @notice The benchmark's baseline: an ERC-20 with EIP-3009 `transferWithAuthorization`, the transfer x402's `exact`
 * scheme sends once per paid request. Bench-only; written here to the EIP's interface (random 32-byte nonces, a
 * validity window, one EIP-712 signature per transfer).
 */
contract Eip3009Token is ERC20, EIP712 {
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    mapping(address authorizer => mapping(bytes32 nonce => bool)) public authorizationState;

    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

    error Eip3009AuthorizationNotYetValid();
    error Eip3009AuthorizationExpired();
    error Eip3009AuthorizationUsed();
    error Eip3009InvalidSignature();

    constructor(address holder, uint256 supply) ERC20("Baseline USD", "bUSD") EIP712("Baseline USD", "2") {
        _mint(holder, supply);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp <= validAfter) revert Eip3009AuthorizationNotYetValid();
        if (block.timestamp >= validBefore) revert Eip3009AuthorizationExpired();
        if (authorizationState[from][nonce]) revert Eip3009AuthorizationUsed();
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce))
        );
        if (ECDSA.recover(digest, v, r, s) != from) revert Eip3009InvalidSignature();
        authorizationState[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
        _transfer(from, to, value);
    }
}
