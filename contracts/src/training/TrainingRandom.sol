// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title TrainingRandom
 * @notice The engine's counter-based random numbers (`packages/training/src/random.ts`), so a referee can recompute
 * any one of them directly: an initial weight, or which example sits at a position of the data order. Every function
 * works on 32-bit words exactly as the engine does with `Math.imul` and shifts.
 */
library TrainingRandom {
    uint32 private constant PHI = 0x9e3779b9;
    /// @notice Stream t initialises parameter tensor t.
    uint32 internal constant STREAM_INIT = 0;
    /// @notice Epoch e of the data order keys its Feistel rounds with streams ORDER + 4e … ORDER + 4e + 3.
    uint32 internal constant STREAM_ORDER = 0x40000000;

    /// @notice Wellons' lowbias32.
    function hash32(uint32 x) internal pure returns (uint32) {
        unchecked {
            x ^= x >> 16;
            x *= 0x7feb352d;
            x ^= x >> 15;
            x *= 0x846ca68b;
            return x ^ (x >> 16);
        }
    }

    /// @notice The key of `stream` under `seed`.
    function streamKey(uint32 seed, uint32 stream) internal pure returns (uint32) {
        unchecked {
            return hash32(seed ^ hash32(stream + PHI));
        }
    }

    /// @notice Word `counter` of the stream with key `key`.
    function word(uint32 key, uint32 counter) internal pure returns (uint32) {
        unchecked {
            return hash32(hash32(counter ^ key) + key);
        }
    }

    /**
     * @notice The example index at `position` of the data order over `count` examples (1 ≤ count ≤ 2^31): epoch
     * ⌊position / count⌋ permutes the examples with a 4-round Feistel network keyed by the seed and the epoch.
     */
    function exampleAt(uint32 seed, uint256 count, uint256 position) internal pure returns (uint256) {
        uint256 epoch = position / count;
        return permute(seed, epoch, count, position % count);
    }

    /// @notice The Feistel permutation of `epoch` over [0, count) applied to `index` (cycle-walking into range).
    function permute(uint32 seed, uint256 epoch, uint256 count, uint256 index) internal pure returns (uint256 x) {
        if (count == 1) return 0;
        uint256 bits = 2;
        while ((uint256(1) << bits) < count) ++bits;
        uint256 half = (bits + 1) / 2;
        uint256 mask = (uint256(1) << half) - 1;
        uint32[4] memory keys;
        unchecked {
            uint32 stream = uint32(STREAM_ORDER + 4 * epoch); // wraps as the engine's `>>> 0` does
            for (uint32 r = 0; r < 4; ++r) keys[r] = streamKey(seed, stream + r);
        }
        x = index;
        do {
            uint256 left = x >> half;
            uint256 right = x & mask;
            for (uint256 r = 0; r < 4; ++r) {
                uint256 next = left ^ (uint256(word(keys[r], uint32(right))) & mask);
                left = right;
                right = next;
            }
            x = (left << half) | right;
        } while (x >= count);
    }
}
