// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Float32} from "./Float32.sol";

/**
 * @title Float32Math
 * @notice The engine's functions beyond + − × ÷ √, on binary32 bit patterns, computed exactly as
 * `packages/training/src/f32.ts` and `ops.ts` compute them: the comparison ReLU and the maximum use, conversions
 * between small integers and binary32, and `exp32` — the engine's own exponential, the same sequence of rounded
 * operations (Cody–Waite reduction by ln 2 split in two, a degree-7 Taylor polynomial, scaling by powers of two), so
 * the bits agree with the engine's everywhere (`contracts/test/float32Math.evm.test.ts`).
 */
library Float32Math {
    uint32 internal constant ZERO = 0;
    uint32 internal constant ONE = 0x3F800000;
    uint32 internal constant HALF = 0x3F000000;
    uint32 internal constant TWO = 0x40000000;
    uint32 internal constant INFINITY = 0x7F800000;

    uint32 private constant LN2_HI = 0x3F317200;
    uint32 private constant LN2_LO = 0x35BFBE8E;
    uint32 private constant INV_LN2 = 0x3FB8AA3B;
    uint32 private constant EXP_OVERFLOW = 0x42B17218;
    uint32 private constant EXP_UNDERFLOW = 0xC2CFF1B5;
    uint32 private constant E2 = 0x3F000000;
    uint32 private constant E3 = 0x3E2AAAAB;
    uint32 private constant E4 = 0x3D2AAAAB;
    uint32 private constant E5 = 0x3C088889;
    uint32 private constant E6 = 0x3AB60B61;
    uint32 private constant E7 = 0x39500D01;

    /// @notice IEEE a < b: false when either is a NaN; −0 and +0 are equal.
    function lt(uint32 a, uint32 b) internal pure returns (bool) {
        if (Float32.isNaN(a) || Float32.isNaN(b)) return false;
        return _key(a) < _key(b);
    }

    /// @notice The value as a signed integer on one line: −0 and +0 both 0, order preserved.
    function _key(uint32 a) private pure returns (int256) {
        int256 magnitude = int256(uint256(a & 0x7FFFFFFF));
        return a & 0x80000000 != 0 ? -magnitude : magnitude;
    }

    /// @notice 2^k for k in [−126, 127] (a normal power of two, exact).
    function pow2(int256 k) internal pure returns (uint32) {
        return uint32(uint256(k + 127) << 23);
    }

    /// @notice The binary32 value of integer `k` (exact for |k| < 2^24).
    function fromInt(int256 k) internal pure returns (uint32) {
        if (k == 0) return 0;
        uint256 sign = k < 0 ? 0x80000000 : 0;
        uint256 m = uint256(k < 0 ? -k : k);
        uint256 top = Math.log2(m); // < 24
        return uint32(sign | ((top + 127) << 23) | ((m << (23 - top)) & 0x7FFFFF));
    }

    /// @notice ⌊a⌋ as an integer, for finite a with |a| < 2^31 (what `Math.floor` gives the engine there).
    function floorToInt(uint32 a) internal pure returns (int256) {
        bool negative = a & 0x80000000 != 0;
        uint256 exponent = (uint256(a) >> 23) & 0xFF;
        uint256 m = uint256(a) & 0x7FFFFF;
        if (exponent == 0 && m == 0) return 0;
        if (exponent != 0) m |= 0x800000;
        else exponent = 1; // subnormal: value m · 2^−149
        // value = m · 2^(exponent − 150)
        uint256 whole;
        bool fraction;
        if (exponent >= 150) {
            whole = m << (exponent - 150);
        } else {
            uint256 shift = 150 - exponent;
            whole = shift > 24 ? 0 : m >> shift;
            fraction = shift > 24 ? m != 0 : m & ((1 << shift) - 1) != 0;
        }
        return negative ? -int256(whole) - (fraction ? int256(1) : int256(0)) : int256(whole);
    }

    /// @notice The engine's e^x (`f32.ts` exp32), bit for bit.
    function exp(uint32 x) internal pure returns (uint32) {
        if (Float32.isNaN(x)) return Float32.NAN;
        if (lt(EXP_OVERFLOW, x)) return INFINITY;
        if (lt(x, EXP_UNDERFLOW)) return 0;
        int256 k = floorToInt(Float32.add(Float32.mul(x, INV_LN2), HALF));
        uint32 kf = fromInt(k);
        uint32 r = Float32.sub(Float32.sub(x, Float32.mul(kf, LN2_HI)), Float32.mul(kf, LN2_LO));
        uint32 p = E7;
        p = Float32.add(Float32.mul(p, r), E6);
        p = Float32.add(Float32.mul(p, r), E5);
        p = Float32.add(Float32.mul(p, r), E4);
        p = Float32.add(Float32.mul(p, r), E3);
        p = Float32.add(Float32.mul(p, r), E2);
        p = Float32.add(Float32.mul(p, r), ONE);
        p = Float32.add(Float32.mul(p, r), ONE);
        if (k > 127) return Float32.mul(Float32.mul(p, pow2(127)), pow2(k - 127));
        if (k < -126) return Float32.mul(Float32.mul(p, pow2(k + 64)), pow2(-64));
        return Float32.mul(p, pow2(k));
    }
}
