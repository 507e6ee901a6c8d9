// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaMath} from "../yuma/YumaMath.sol";

/**
 * @title EpochMath
 * @notice The pieces of an epoch that the settlement checks one at a time: packed encodings, the Merkle tree of
 * column leaves, and one miner's column of Yuma (consensus, rank, new bonds). The SDK's `packages/sdk/src/epochs/`
 * mirrors every function here; docs/epochs.md describes the protocol.
 */
library EpochMath {
    /// @dev Bytes per packed Q32 value (a big-endian uint40; Q32 values reach 2^32).
    uint256 internal constant Q_BYTES = 5;
    /// @dev Bytes per column entry of a proposal: rank (uint40) and the bonds column hash (bytes20).
    uint256 internal constant COLUMN_BYTES = 25;

    /// @notice The i-th packed uint40 of `data`.
    function q(bytes calldata data, uint256 i) internal pure returns (uint256) {
        return uint256(uint40(bytes5(data[i * Q_BYTES:(i + 1) * Q_BYTES])));
    }

    /// @notice The i-th packed big-endian u16 of `data`, or 0 past its end.
    function u16At(bytes calldata data, uint256 i) internal pure returns (uint256) {
        if (2 * i + 2 > data.length) return 0;
        return uint256(uint16(bytes2(data[2 * i:2 * i + 2])));
    }

    /// @notice The rank and bonds hash of column `j` in a proposal's packed columns.
    function column(bytes calldata columns, uint256 j) internal pure returns (uint256 rank, bytes20 hash) {
        uint256 at = j * COLUMN_BYTES;
        rank = uint256(uint40(bytes5(columns[at:at + 5])));
        hash = bytes20(columns[at + 5:at + COLUMN_BYTES]);
    }

    /// @notice The leaf of column `j`.
    function leaf(uint256 j, uint256 rank, bytes20 hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint16(j), uint40(rank), hash));
    }

    /// @notice The hash of a bonds column (packed uint40 values).
    function bondsHash(uint256[] memory values) internal pure returns (bytes20) {
        bytes memory packed = new bytes(values.length * Q_BYTES);
        for (uint256 i; i < values.length; ++i) {
            uint256 x = values[i];
            for (uint256 b; b < Q_BYTES; ++b) {
                packed[i * Q_BYTES + b] = bytes1(uint8(x >> (8 * (Q_BYTES - 1 - b))));
            }
        }
        return bytes20(keccak256(packed));
    }

    /**
     * @notice The Merkle root over the column leaves of `columns` (sorted-pair hashing, an odd node moves up
     * unchanged), and the sum of the ranks.
     */
    function columnsRoot(bytes calldata columns) internal pure returns (bytes32 root, uint256 rankSum) {
        uint256 n = columns.length / COLUMN_BYTES;
        if (n == 0) return (bytes32(0), 0);
        bytes32[] memory level = new bytes32[](n);
        for (uint256 j; j < n; ++j) {
            (uint256 rank, bytes20 h) = column(columns, j);
            rankSum += rank;
            level[j] = leaf(j, rank, h);
        }
        while (n > 1) {
            uint256 half = (n + 1) / 2;
            for (uint256 k; k < half; ++k) {
                uint256 a = 2 * k;
                level[k] = a + 1 < n ? _hashPair(level[a], level[a + 1]) : level[a];
            }
            n = half;
        }
        root = level[0];
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @notice A proposal's inputs, restated by a dispute (checked against the proposal's hashes).
    struct Inputs {
        uint16[] validators;
        uint256[] stakes;
        uint256[] rowSums;
    }

    /// @notice What a column dispute needs beyond the proposal's inputs.
    struct ColumnEvidence {
        uint16 uid;
        uint256 rank;
        bytes20 bondsColumnHash;
        bytes32[] proof;
        bytes[] rows;
        // The previous epoch's validators and this uid's bonds column in it (empty for the first epoch).
        uint16[] prevValidators;
        bytes prevBonds;
        uint256 prevRank;
        bytes32[] prevProof;
    }

    /// @notice The consensus parameters an epoch is computed with, fixed when it is proposed.
    struct Params {
        uint256 kappa;
        uint256 bondsPenalty;
        uint256 alpha;
        bool yuma3;
        bool liquidAlpha;
        uint256 alphaLow;
        uint256 alphaHigh;
        uint256 steepness;
    }

    /**
     * @notice One miner's column: consensus, rank and new bonds from the normalized stake `s`, the column of
     * row-normalized weights `w` and the old bonds column `old` (all Q32, one per validator).
     */
    function minerColumn(Params memory p, uint256[] memory s, uint256[] memory w, uint256[] memory old)
        internal
        pure
        returns (uint256 consensus, uint256 rank, uint256[] memory bonds)
    {
        uint256 v = s.length;
        consensus = YumaMath.weightedMedian(s, w, p.kappa);
        uint256[] memory wb = new uint256[](v);
        for (uint256 i; i < v; ++i) {
            uint256 clip = w[i] < consensus ? w[i] : consensus;
            rank += YumaMath.mulQ(s[i], clip);
            wb[i] = w[i] - YumaMath.mulQ(p.bondsPenalty, w[i] - clip);
        }
        bonds = new uint256[](v);
        if (p.yuma3) {
            YumaMath.Params memory lp;
            lp.alphaLow = p.alphaLow;
            lp.alphaHigh = p.alphaHigh;
            lp.steepness = p.steepness;
            for (uint256 i; i < v; ++i) {
                uint256 a = p.liquidAlpha ? YumaMath.liquidAlphaOf(lp, wb[i], old[i], consensus) : p.alpha;
                uint256 next = YumaMath.mulQ(YumaMath.ONE - a, old[i]) + YumaMath.mulQ(a, wb[i]);
                bonds[i] = next > YumaMath.ONE ? YumaMath.ONE : next;
            }
        } else {
            uint256[] memory oldNorm = YumaMath.normalize(old);
            uint256[] memory delta = new uint256[](v);
            for (uint256 i; i < v; ++i) delta[i] = YumaMath.mulQ(wb[i], s[i]);
            delta = YumaMath.normalize(delta);
            for (uint256 i; i < v; ++i) {
                bonds[i] = YumaMath.mulQ(p.alpha, delta[i]) + YumaMath.mulQ(YumaMath.ONE - p.alpha, oldNorm[i]);
            }
            bonds = YumaMath.normalize(bonds);
        }
    }
}
