// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title TestUSD (tUSD)
 * @notice A 6-decimals stablecoin stand-in for devnets and tests, so payment channels and x402 payments are exercised
 * with the token shape most paid APIs settle in: USDC-like decimals, EIP-2612 permit and EIP-3009 transfers with
 * authorization (what x402's `exact` scheme settles with). It has no value: its owner mints at will. Never deploy it
 * as money.
 *
 * EIP-3009 follows USDC (FiatTokenV2_2): the same type hashes, the same checks (valid strictly after `validAfter`,
 * strictly before `validBefore`, each random 32-byte nonce usable once per authorizer, used or canceled alike), the
 * same events, and both signature forms (`v, r, s` and `bytes`, the latter also accepting ERC-1271 contract
 * signers). The EIP-712 domain is the permit's: name "Test USD", version "1", chainId, this contract.
 */
contract TestUSD is ERC20, ERC20Permit, Ownable {
    /// @notice keccak256("TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH =
        0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267;
    /// @notice keccak256("ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH =
        0xd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8;
    /// @notice keccak256("CancelAuthorization(address authorizer,bytes32 nonce)")
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
        0x158b0a9edf7a828aad02f63cd515c68ef2f50ba807396f6d12842833a1597429;

    /// @dev authorizer => nonce => used or canceled.
    mapping(address authorizer => mapping(bytes32 nonce => bool)) private _authorizations;

    /// @notice Emitted when an authorization is used (its transfer done).
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice Emitted when an authorization is canceled before use.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /// @notice The authorization cannot be used before `validAfter` (the block is at `now`).
    error TestUSDAuthorizationNotYetValid(uint256 validAfter, uint256 now);
    /// @notice The authorization expired at `validBefore` (the block is at `now`).
    error TestUSDAuthorizationExpired(uint256 validBefore, uint256 now);
    /// @notice `nonce` of `authorizer` was already used or canceled.
    error TestUSDAuthorizationUsed(address authorizer, bytes32 nonce);
    /// @notice The signature is not `authorizer`'s over this authorization.
    error TestUSDInvalidAuthorizationSignature(address authorizer);
    /// @notice receiveWithAuthorization must be called by the payee `to` (front-running protection).
    error TestUSDCallerNotPayee(address caller, address to);

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

    /**
     * @notice Whether `authorizer`'s `nonce` was used or canceled (EIP-3009).
     */
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizations[authorizer][nonce];
    }

    /**
     * @notice Transfers `value` from `from` to `to` with `from`'s signed authorization; anyone may submit it
     * (EIP-3009).
     * Requirements: `validAfter` < block time < `validBefore`; the nonce unused and not canceled; `signature` is
     * `from`'s (an EOA's 65 bytes or an ERC-1271 contract's answer); `from` holds `value`.
     * Emits {AuthorizationUsed} and {Transfer}.
     */
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external {
        _useAuthorization(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature);
        _transfer(from, to, value);
    }

    /// @notice {transferWithAuthorization} with the signature split into `v`, `r`, `s` (USDC's first form).
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
        _useAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v)
        );
        _transfer(from, to, value);
    }

    /**
     * @notice Like {transferWithAuthorization}, but only the payee may submit it, so a watcher of the mempool cannot
     * front-run a deposit flow that calls it (EIP-3009).
     * Requirements: the caller is `to`; the rest as {transferWithAuthorization}, over the ReceiveWithAuthorization type.
     * Emits {AuthorizationUsed} and {Transfer}.
     */
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external {
        if (to != msg.sender) revert TestUSDCallerNotPayee(msg.sender, to);
        _useAuthorization(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature);
        _transfer(from, to, value);
    }

    /// @notice {receiveWithAuthorization} with the signature split into `v`, `r`, `s`.
    function receiveWithAuthorization(
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
        if (to != msg.sender) revert TestUSDCallerNotPayee(msg.sender, to);
        _useAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v)
        );
        _transfer(from, to, value);
    }

    /**
     * @notice Cancels `authorizer`'s unused `nonce`, so no authorization with it can be used (EIP-3009).
     * Requirements: the nonce unused and not canceled; `signature` is `authorizer`'s over CancelAuthorization.
     * Emits {AuthorizationCanceled}.
     */
    function cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) external {
        _cancelAuthorization(authorizer, nonce, signature);
    }

    /// @notice {cancelAuthorization} with the signature split into `v`, `r`, `s`.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
    }

    function _cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) private {
        if (_authorizations[authorizer][nonce]) revert TestUSDAuthorizationUsed(authorizer, nonce);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)));
        if (!SignatureChecker.isValidSignatureNow(authorizer, digest, signature)) {
            revert TestUSDInvalidAuthorizationSignature(authorizer);
        }
        _authorizations[authorizer][nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    /// @dev Checks an authorization of type `typehash` and marks its nonce used (before the caller moves tokens).
    function _useAuthorization(
        bytes32 typehash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        if (block.timestamp <= validAfter) revert TestUSDAuthorizationNotYetValid(validAfter, block.timestamp);
        if (block.timestamp >= validBefore) revert TestUSDAuthorizationExpired(validBefore, block.timestamp);
        if (_authorizations[from][nonce]) revert TestUSDAuthorizationUsed(from, nonce);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(typehash, from, to, value, validAfter, validBefore, nonce)));
        // SignatureChecker: ECDSA (rejecting malleable s and a zero signer) for an EOA, ERC-1271 for a contract.
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) {
            revert TestUSDInvalidAuthorizationSignature(from);
        }
        _authorizations[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
    }
}
