// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title TrainingMerkle
 * @notice The engine's one Merkle format (`packages/training/src/merkle.ts`): leaf i = sha256(uint32 i big-endian ‖
 * 32-byte item), nodes sha256 of their two children in ascending order, a level's odd last node moved up unchanged.
 * A tensor's item i is its chunk of eight binary32 values (little-endian words); checkpoints, trace entries and
 * examples are 32-byte hashes. Proofs are checked with OpenZeppelin's `MerkleProof` and a sha256 hasher (the
 * precompile: 72 gas a node).
 */
library TrainingMerkle {
    /// @notice Eight binary32 values per tensor chunk.
    uint256 internal constant VALUES_PER_CHUNK = 8;

    function leaf(uint256 index, bytes32 item) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(uint32(index), item));
    }

    function node(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a <= b ? sha256(abi.encodePacked(a, b)) : sha256(abi.encodePacked(b, a));
    }

    /// @notice Whether `proof` shows `item` at `index` under `root`.
    function verify(bytes32 root, uint256 index, bytes32 item, bytes32[] calldata proof) internal view returns (bool) {
        return MerkleProof.processProofCalldata(proof, leaf(index, item), node) == root;
    }

    /// @notice The root over `items` in order (what merkle.ts `itemTree` builds); `items` must not be empty.
    function rootOf(bytes32[] calldata items) internal pure returns (bytes32) {
        uint256 n = items.length;
        bytes32[] memory level = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) level[i] = leaf(i, items[i]);
        while (n > 1) {
            uint256 up = (n + 1) / 2;
            for (uint256 i = 0; i < n / 2; ++i) level[i] = node(level[2 * i], level[2 * i + 1]);
            if (n % 2 == 1) level[up - 1] = level[n - 1];
            n = up;
        }
        return level[0];
    }

    /// @notice Value `lane` (0..7) of a tensor chunk: the 32-bit word at bytes 4·lane … 4·lane + 3, little-endian.
    function wordOf(bytes32 chunk, uint256 lane) internal pure returns (uint32) {
        uint256 at = 4 * lane;
        return uint32(uint8(chunk[at])) | (uint32(uint8(chunk[at + 1])) << 8) | (uint32(uint8(chunk[at + 2])) << 16)
            | (uint32(uint8(chunk[at + 3])) << 24);
    }
}
