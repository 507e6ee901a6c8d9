// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ModelRegistryRoute
 * @notice The packed royalty route of a model: its ancestors (at most 7, deduplicated) and the royalty each takes
 * from amounts paid for the model, in two words so a claim reads one slot for up to five ancestors.
 *
 *   word 0: bits 0–7 the count n; entry i (i < 5) at bits 8 + 48·i
 *   word 1: entry i (i ≥ 5) at bits 48·(i − 5)
 *   entry:  bits 0–31 the model id (uint32), bits 32–47 the royalty in basis points (uint16)
 *
 * Bit 255 of word 0 is free for a holder of a copy to mark it as filled (Licenses' cache does).
 */
library ModelRegistryRoute {
    /// @notice Most ancestors a route holds (8 models in a route, the model itself included).
    uint256 internal constant MAX_ANCESTORS = 7;
    uint256 private constant ENTRIES_IN_WORD0 = 5;

    function count(uint256 word0) internal pure returns (uint256) {
        return word0 & 0xff;
    }

    /// @dev Entry `i` (< count) of the route.
    function entry(uint256 word0, uint256 word1, uint256 i) internal pure returns (uint256 modelId, uint256 bps) {
        uint256 packed = i < ENTRIES_IN_WORD0 ? word0 >> (8 + 48 * i) : word1 >> (48 * (i - ENTRIES_IN_WORD0));
        modelId = packed & 0xffffffff;
        bps = (packed >> 32) & 0xffff;
    }

    /// @dev Packs `n` entries (n ≤ 7; ids < 2^32, bps < 2^16, checked by the registry before).
    function pack(uint256[] memory ids, uint256[] memory bps, uint256 n)
        internal
        pure
        returns (uint256 word0, uint256 word1)
    {
        word0 = n;
        for (uint256 i; i < n; ++i) {
            uint256 packed = ids[i] | (bps[i] << 32);
            if (i < ENTRIES_IN_WORD0) word0 |= packed << (8 + 48 * i);
            else word1 |= packed << (48 * (i - ENTRIES_IN_WORD0));
        }
    }
}
