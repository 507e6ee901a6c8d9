// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Float32} from "./Float32.sol";

/**
 * @title Float32Harness
 * @notice For tests and benchmarks only, never deployed by the node: exposes the internal {Float32} library so the
 * differential tests (`contracts/test/float32.evm.test.ts`) and `bench/float32.ts` can call it, one case or
 * thousands per call. It lives in `src/` because the contract build compiles only `contracts/src/**` and generates
 * the SDK's bytecode from there.
 */
contract Float32Harness {
    /// @notice The three arrays of {applyMany} differ in length.
    error Float32HarnessLengthMismatch(uint256 ops, uint256 a, uint256 b);
    /// @notice The packed cases of {applyPacked} are not a whole number of 9-byte records.
    error Float32HarnessBadPacking(uint256 length);

    /**
     * @notice {Float32-applyOp}: op 0 add, 1 sub, 2 mul, 3 div, 4 sqrt (of `a`).
     *
     * Requirements:
     * - `op` ≤ 4, else reverts {Float32.Float32UnknownOp}.
     */
    function applyOp(uint8 op, uint32 a, uint32 b) external pure returns (uint32) {
        return Float32.applyOp(op, a, b);
    }

    /// @notice {Float32-eq}: bit equality with every NaN equal to every NaN.
    function eq(uint32 a, uint32 b) external pure returns (bool) {
        return Float32.eq(a, b);
    }

    /**
     * @notice {applyOp} for each index i of `ops`, `a`, `b`.
     *
     * Requirements:
     * - the three arrays have one length, else reverts {Float32HarnessLengthMismatch};
     * - every op ≤ 4, else reverts {Float32.Float32UnknownOp}.
     */
    function applyMany(uint8[] calldata ops, uint32[] calldata a, uint32[] calldata b)
        external
        pure
        returns (uint32[] memory out)
    {
        uint256 n = ops.length;
        if (a.length != n || b.length != n) revert Float32HarnessLengthMismatch(n, a.length, b.length);
        out = new uint32[](n);
        for (uint256 i = 0; i < n; ++i) {
            out[i] = Float32.applyOp(ops[i], a[i], b[i]);
        }
    }

    /**
     * @notice {applyOp} over packed cases, 9 bytes each (op, a big-endian, b big-endian); returns the results packed,
     * 4 bytes each. A compact form for the million-case benchmark, where ABI arrays would cost 96 bytes a case.
     *
     * Requirements:
     * - `cases.length` is a multiple of 9, else reverts {Float32HarnessBadPacking};
     * - every op ≤ 4, else reverts {Float32.Float32UnknownOp}.
     */
    function applyPacked(bytes calldata cases) external pure returns (bytes memory out) {
        if (cases.length % 9 != 0) revert Float32HarnessBadPacking(cases.length);
        uint256 n = cases.length / 9;
        // 28 spare bytes take the spill of the last 32-byte store below; the length is cut back after the loop.
        out = new bytes(n * 4 + 28);
        for (uint256 i = 0; i < n; ++i) {
            uint256 word;
            assembly ("memory-safe") {
                word := calldataload(add(cases.offset, mul(i, 9)))
            }
            // The 9 bytes sit at the top of the 32-byte word: op in byte 0, a in bytes 1..4, b in bytes 5..8.
            uint32 r = Float32.applyOp(uint8(word >> 248), uint32(word >> 216), uint32(word >> 184));
            assembly ("memory-safe") {
                // Writes 32 bytes at the i-th result: the next result overwrites the 28 that spill.
                mstore(add(add(out, 32), mul(i, 4)), shl(224, r))
            }
        }
        assembly ("memory-safe") {
            mstore(out, mul(n, 4)) // shrinking a bytes array in place is safe: its memory stays allocated
        }
    }

    /**
     * @notice {applyOp} and the gas it took inside this call (the library's own cost, without calldata decoding).
     *
     * Requirements:
     * - `op` ≤ 4, else reverts {Float32.Float32UnknownOp}.
     */
    function measure(uint8 op, uint32 a, uint32 b) external view returns (uint32 result, uint256 gasUsed) {
        uint256 before = gasleft();
        result = Float32.applyOp(op, a, b);
        gasUsed = before - gasleft();
    }
}
