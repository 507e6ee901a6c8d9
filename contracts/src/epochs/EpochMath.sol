// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaMath} from "../yuma/YumaMath.sol";

/**
 * @title EpochMath
 * @notice The pieces of an epoch that settlement checks one at a time: the packed encodings of a proposal, the
 * Merkle tree of column leaves, the header every later call restates, and one miner's column of Yuma (consensus, rank,
 * new bonds). The SDK's `packages/sdk/src/epochs/` mirrors every function; docs/epochs.md describes the protocol.
 *
 * Packed encodings (all big-endian):
 * - inputs: per validator, its uid (2 bytes), its stake (uint96, 12 bytes) and its masked row sum (4 bytes);
 * - columns: per uid, its rank (Q32 as uint40, 5 bytes) and its bonds column's hash ({bondsHash}, 16 bytes);
 * - a bonds column, dividends: Q32 values as uint40 (5 bytes each).
 */
library EpochMath {
    uint256 internal constant Q_BYTES = 5;
    uint256 internal constant INPUT_BYTES = 18;
    uint256 internal constant COLUMN_BYTES = 21;
    /// @dev The ABI encoding of a {Header}: 24 words (its Params inline, 8 of them).
    uint256 internal constant HEADER_BYTES = 768;

    /// @dev A restated rank does not fit the 40 bits a leaf commits to.
    error EpochMathRankTooLarge(uint256 rank);

    /// @notice What an epoch's proposal commits to; stored as its hash and restated by every later call.
    struct Header {
        uint64 snapshotBlock;
        uint64 prevSnapshotBlock;
        uint16 neurons;
        uint16 validatorCount;
        uint256 rankSum;
        bytes32 inputsHash;
        bytes32 columnsHash;
        bytes32 columnsRoot;
        bytes32 dividendsHash;
        bytes32 pruneHash;
        bytes32 permitsHash;
        YumaMath.Params params; // fixed when the epoch is proposed
        // Subnet parameters the epoch is checked with, fixed when it is proposed (the owner may change them later).
        uint32 activityCutoff;
        uint32 immunityPeriod;
        uint16 maxValidators;
        // The subnet's stake share summed over the blocks before the snapshot (Staking.shareBlocksAt), and what the
        // epoch mints: emissionPerBlock x (shareBlocks - the previous epoch's) / StakeShares.PRECISION.
        uint256 shareBlocks;
        uint256 emission;
    }

    /// @notice What a column dispute needs beyond the proposal's inputs.
    struct ColumnEvidence {
        uint16 uid;
        uint256 rank;
        bytes16 bondsHash;
        bytes32[] proof;
        bytes[] rows;
        // The previous epoch (ignored for a first epoch): its header, inputs, and this uid's bonds column and rank.
        Header prevHeader;
        bytes prevInputs;
        bytes prevBonds;
        uint256 prevRank;
        bytes32[] prevProof;
    }

    /// @notice The hash a header is stored as: keccak256(abi.encode(h)).
    /// @dev A header is a static struct, so its calldata is its ABI encoding: hashed in place rather than re-encoded
    /// field by field. A restatement with dirty padding hashes differently and is refused like any other mismatch.
    function headerHash(Header calldata h) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let at := mload(0x40)
            calldatacopy(at, h, HEADER_BYTES)
            hash := keccak256(at, HEADER_BYTES)
        }
    }

    /// @notice The i-th packed uint40 of `data`.
    function q(bytes calldata data, uint256 i) internal pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := shr(216, calldataload(add(data.offset, mul(i, 5))))
        }
    }

    /// @notice Validator `i` of packed inputs: uid, stake, row sum.
    function input(bytes calldata inputs, uint256 i) internal pure returns (uint16 uid, uint256 stake, uint256 rowSum) {
        uint256 word;
        assembly ("memory-safe") {
            word := calldataload(add(inputs.offset, mul(i, 18)))
        }
        uid = uint16(word >> 240);
        stake = uint96(word >> 144);
        rowSum = uint32(word >> 112);
    }

    /// @notice The i-th packed big-endian u16 of a weights row, or 0 past its end.
    function u16At(bytes calldata data, uint256 i) internal pure returns (uint256 value) {
        if (2 * i + 2 > data.length) return 0;
        assembly ("memory-safe") {
            value := shr(240, calldataload(add(data.offset, mul(i, 2))))
        }
    }

    /// @notice The rank and bonds hash of column `j` in packed columns.
    function column(bytes calldata columns, uint256 j) internal pure returns (uint256 rank, bytes16 hash) {
        uint256 word;
        assembly ("memory-safe") {
            word := calldataload(add(columns.offset, mul(j, 21)))
        }
        rank = word >> 216;
        hash = bytes16(bytes32(word << 40));
    }

    /// @notice The leaf of column `j`.
    function leaf(uint256 j, uint256 rank, bytes16 hash) internal pure returns (bytes32) {
        // Without this, rank + k * 2^40 would prove the same leaf.
        if (rank > type(uint40).max) revert EpochMathRankTooLarge(rank);
        return keccak256(abi.encodePacked(uint16(j), uint40(rank), hash));
    }

    /**
     * @notice The hash of a bonds column given as values: zero when every value is zero (a validator's column, or a
     * miner nobody weights), so such a column costs 16 zero bytes of proposal calldata rather than 16 nonzero ones;
     * else the first 16 bytes of keccak256 of the packed values. It binds the column either way: only an all-zero
     * column hashes to zero (barring a keccak256 output that starts with 128 zero bits).
     */
    function bondsHash(uint256[] memory values) internal pure returns (bytes16) {
        bytes memory packed = new bytes(values.length * Q_BYTES);
        uint256 any;
        for (uint256 i; i < values.length; ++i) {
            any |= values[i];
            uint256 x = values[i] << 216;
            assembly ("memory-safe") {
                let at := add(add(packed, 32), mul(i, 5))
                // Write 5 bytes: keep what follows (the next value is written after this one).
                mstore(at, or(x, and(mload(at), 0x0000000000ffffffffffffffffffffffffffffffffffffffffffffffffffffff)))
            }
        }
        return any == 0 ? bytes16(0) : bytes16(keccak256(packed));
    }

    /// @notice {bondsHash} of a packed bonds column.
    function packedBondsHash(bytes calldata packed) internal pure returns (bytes16) {
        uint256 any;
        assembly ("memory-safe") {
            let end := add(packed.offset, packed.length)
            for { let at := packed.offset } lt(at, end) { at := add(at, 32) } {
                let word := calldataload(at)
                // The last word may reach past the column: keep only the bytes inside it.
                if gt(add(at, 32), end) { word := shr(shl(3, sub(add(at, 32), end)), word) }
                any := or(any, word)
            }
        }
        return any == 0 ? bytes16(0) : bytes16(keccak256(packed));
    }

    /// @notice The Merkle root over the column leaves (sorted-pair hashing, an odd node moves up) and the rank sum.
    function columnsRoot(bytes calldata columns) internal pure returns (bytes32 root, uint256 rankSum) {
        uint256 n = columns.length / COLUMN_BYTES;
        if (n == 0) return (bytes32(0), 0);
        bytes32[] memory level = new bytes32[](n);
        for (uint256 j; j < n; ++j) {
            (uint256 rank, bytes16 h) = column(columns, j);
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

    /// @notice The stakes of packed inputs, in order.
    function stakesOf(bytes calldata inputs) internal pure returns (uint256[] memory stakes) {
        stakes = new uint256[](inputs.length / INPUT_BYTES);
        for (uint256 i; i < stakes.length; ++i) (, stakes[i],) = input(inputs, i);
    }

    /// @notice The validator permits of packed inputs: a bitmap over uids, 256 per word, for `neurons` uids.
    function permitsOf(bytes calldata inputs, uint256 neurons) internal pure returns (uint256[] memory permits) {
        permits = new uint256[]((neurons + 255) / 256);
        uint256 v = inputs.length / INPUT_BYTES;
        for (uint256 i; i < v; ++i) {
            (uint16 uid,,) = input(inputs, i);
            permits[uid >> 8] |= 1 << (uid & 255);
        }
    }

    /// @notice The uids of packed inputs, in order.
    function uidsOf(bytes calldata inputs) internal pure returns (uint16[] memory uids) {
        uids = new uint16[](inputs.length / INPUT_BYTES);
        for (uint256 i; i < uids.length; ++i) (uids[i],,) = input(inputs, i);
    }

    /**
     * @notice One miner's column: consensus, rank and new bonds from the normalized stake `s`, the column of
     * row-normalized weights `w` and the old bonds column `old` (all Q32, one per validator).
     */
    function minerColumn(YumaMath.Params memory p, uint256[] memory s, uint256[] memory w, uint256[] memory old)
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
            for (uint256 i; i < v; ++i) {
                uint256 a = p.liquidAlpha ? YumaMath.liquidAlphaOf(p, wb[i], old[i], consensus) : p.alpha;
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
