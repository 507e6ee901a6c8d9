// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Forwarder
 * @notice Test-only: makes any call as itself, bubbling up a revert, like a smart account or an attacker's contract.
 * What it forwards is this contract's calldata, not the target's: a reader of the transaction sees only `exec`.
 */
contract Forwarder {
    function exec(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory returned) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 32), mload(returned))
            }
        }
        return returned;
    }
}
