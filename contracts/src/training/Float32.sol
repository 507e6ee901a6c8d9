// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/**
 * @title Float32
 * @notice IEEE-754 binary32 arithmetic on bit patterns (`uint32`), the on-chain referee of training disputes: a
 * dispute between a trainer and a verifier is narrowed to one scalar operation of the deterministic engine
 * (`packages/training/src/f32.ts`), and this library recomputes it. Every result is the correctly rounded binary32
 * value (round to nearest, ties to even) with subnormals (gradual underflow), signed zeros and infinities exactly as
 * IEEE-754 defines them. NaN rule: any NaN input, and every invalid operation (∞ − ∞, 0 · ∞, 0 / 0, ∞ / ∞, √ of a
 * negative), gives the canonical quiet NaN 0x7FC00000.
 *
 * Method: operands are unpacked to an integer significand m and an exponent e (value = m · 2^e, e ≥ −149). Each
 * operation forms its exact result as a wide integer (sums and products are exact; quotients and square roots are
 * widened by 64 and 48 bits and carry a sticky bit for a non-zero remainder), and {_round} rounds it once. No loop:
 * the gas of every operation is bounded by a constant (docs/training.md has the figures).
 */
library Float32 {
    /// @notice An `applyOp` opcode outside 0 (add), 1 (sub), 2 (mul), 3 (div), 4 (sqrt).
    error Float32UnknownOp(uint8 op);

    uint8 internal constant OP_ADD = 0;
    uint8 internal constant OP_SUB = 1;
    uint8 internal constant OP_MUL = 2;
    uint8 internal constant OP_DIV = 3;
    uint8 internal constant OP_SQRT = 4;

    /// @notice The canonical quiet NaN every NaN result is.
    uint32 internal constant NAN = 0x7FC00000;
    uint256 private constant SIGN = 0x80000000;
    uint256 private constant ABS = 0x7FFFFFFF;
    uint256 private constant INF = 0x7F800000;

    /**
     * @notice Applies opcode `op` to `a` and `b`: 0 add, 1 sub, 2 mul, 3 div, 4 sqrt (of `a`; `b` ignored).
     *
     * Requirements:
     * - `op` is at most 4, else reverts {Float32UnknownOp}.
     */
    function applyOp(uint8 op, uint32 a, uint32 b) internal pure returns (uint32) {
        if (op == OP_ADD) return add(a, b);
        if (op == OP_SUB) return sub(a, b);
        if (op == OP_MUL) return mul(a, b);
        if (op == OP_DIV) return div(a, b);
        if (op == OP_SQRT) return sqrt(a);
        revert Float32UnknownOp(op);
    }

    /// @notice True when `a` is a NaN (exponent all ones, fraction non-zero), whatever its sign and payload.
    function isNaN(uint32 a) internal pure returns (bool) {
        return uint256(a) & ABS > INF;
    }

    /// @notice Bit equality, except that every NaN equals every other NaN (all stand for the canonical NaN).
    function eq(uint32 a, uint32 b) internal pure returns (bool) {
        bool aNaN = isNaN(a);
        bool bNaN = isNaN(b);
        if (aNaN || bNaN) return aNaN && bNaN;
        return a == b;
    }

    /// @notice a + b, correctly rounded.
    function add(uint32 a, uint32 b) internal pure returns (uint32) {
        uint256 x = a;
        uint256 y = b;
        uint256 ax = x & ABS;
        uint256 ay = y & ABS;
        if (ax > INF || ay > INF) return NAN;
        if (ax == INF) return (ay == INF && x != y) ? NAN : a; // ∞ − ∞ is invalid
        if (ay == INF) return b;
        // x + (±0) = x for x ≠ 0; (+0) + (−0) = +0 and (−0) + (−0) = −0: the sign bits ANDed.
        if (ay == 0) return ax == 0 ? uint32(x & y) : a;
        if (ax == 0) return b;
        // Order by magnitude (the bit patterns of non-negative floats order like their values): |x| ≥ |y|.
        if (ax < ay) (x, y) = (y, x);
        (uint256 mx, int256 ex) = _unpack(x);
        (uint256 my, int256 ey) = _unpack(y);
        unchecked {
            // |x| ≥ |y| gives ex ≥ ey. Past 40 bits apart, |y| < 2^(ex−16) is below a quarter of x's last place, as
            // is its stand-in my · 2^(ex−40): both sums round to the same neighbour of x, so the gap is capped and
            // every shift below stays under 24 + 40 bits.
            uint256 d = uint256(ex - ey);
            if (d > 40) d = 40;
            mx <<= d;
            uint256 m;
            if ((x ^ y) & SIGN == 0) {
                m = mx + my;
            } else {
                m = mx - my; // mx · 2^(ex−d) ≥ my · 2^(ex−d) as |x| ≥ |y|: no underflow
                if (m == 0) return 0; // an exact zero difference is +0 when rounding to nearest
            }
            return _round(x & SIGN, m, ex - int256(d), false);
        }
    }

    /// @notice a − b, correctly rounded: a + (−b), so x − x = +0 and (−0) − (+0) = −0.
    function sub(uint32 a, uint32 b) internal pure returns (uint32) {
        return add(a, uint32(b ^ uint32(SIGN)));
    }

    /// @notice a · b, correctly rounded.
    function mul(uint32 a, uint32 b) internal pure returns (uint32) {
        uint256 ax = uint256(a) & ABS;
        uint256 ay = uint256(b) & ABS;
        if (ax > INF || ay > INF) return NAN;
        uint256 sign = (uint256(a) ^ uint256(b)) & SIGN;
        if (ax == INF || ay == INF) return (ax == 0 || ay == 0) ? NAN : uint32(sign | INF); // 0 · ∞ is invalid
        if (ax == 0 || ay == 0) return uint32(sign);
        (uint256 mx, int256 ex) = _unpack(ax);
        (uint256 my, int256 ey) = _unpack(ay);
        unchecked {
            // Both significands are below 2^24, so the product is exact in 48 bits; exponents are within ±300.
            return _round(sign, mx * my, ex + ey, false);
        }
    }

    /// @notice a / b, correctly rounded; x / (±0) = ±∞ for x ≠ 0.
    function div(uint32 a, uint32 b) internal pure returns (uint32) {
        uint256 ax = uint256(a) & ABS;
        uint256 ay = uint256(b) & ABS;
        if (ax > INF || ay > INF) return NAN;
        uint256 sign = (uint256(a) ^ uint256(b)) & SIGN;
        if (ax == INF) return ay == INF ? NAN : uint32(sign | INF); // ∞ / ∞ is invalid
        if (ay == INF) return uint32(sign);
        if (ay == 0) return ax == 0 ? NAN : uint32(sign | INF); // 0 / 0 is invalid
        if (ax == 0) return uint32(sign);
        (uint256 mx, int256 ex) = _unpack(ax);
        (uint256 my, int256 ey) = _unpack(ay);
        unchecked {
            // mx ≥ 1 and my < 2^24, so the quotient has at least 41 bits: more than 24 + 1, which is what makes the
            // remainder's sticky bit enough to round correctly (see {_round}). mx << 64 < 2^88: no overflow.
            uint256 n = mx << 64;
            uint256 q = n / my;
            return _round(sign, q, ex - ey - 64, q * my != n);
        }
    }

    /// @notice √a, correctly rounded; √(−0) = −0, √(+∞) = +∞, √ of a negative is NaN.
    function sqrt(uint32 a) internal pure returns (uint32) {
        uint256 x = a;
        uint256 ax = x & ABS;
        if (ax > INF) return NAN;
        if (ax == 0) return a;
        if (x & SIGN != 0) return NAN;
        if (ax == INF) return a;
        (uint256 m, int256 e) = _unpack(x);
        unchecked {
            // Make the exponent even so it halves exactly (two's complement: e & 1 is the parity for e < 0 too).
            if (e & 1 != 0) {
                m <<= 1;
                e -= 1;
            }
            // m · 2^96 ≥ 2^96, so the root has at least 49 bits (≥ 24 + 1 for the sticky bit); m · 2^96 < 2^121.
            uint256 n = m << 96;
            uint256 r = Math.sqrt(n);
            return _round(0, r, e / 2 - 48, r * r != n);
        }
    }

    /// @dev The significand and exponent of a finite non-zero `x` (sign ignored): |x| = m · 2^e, e ≥ −149.
    function _unpack(uint256 x) private pure returns (uint256 m, int256 e) {
        uint256 biased = (x >> 23) & 0xFF;
        m = x & 0x7FFFFF;
        if (biased == 0) {
            e = -149;
        } else {
            m |= 0x800000;
            unchecked {
                e = int256(biased) - 150; // biased < 256: no overflow
            }
        }
    }

    /**
     * @dev Rounds (−1)^sign · (m · 2^e + δ) to binary32, to nearest with ties to even, where m > 0 and δ is zero
     * when `sticky` is false and in (0, 2^e) when true. Callers guarantee that when `sticky` is true, m has at
     * least 25 significant bits, so at least one bit of m falls below the last kept place and δ only breaks ties.
     * The result's last place is 2^q with q = max(top − 23, −149) for top the exponent of m's leading bit; the
     * packed pattern is ((q + 149) << 23) + kept, which is right for subnormals (q = −149), for normals (the
     * implicit bit adds one to the exponent field), and when rounding carries into the next binade or to ∞.
     * Every caller keeps −317 ≤ e ≤ 208 and m < 2^89, so shifts stay below 256 and nothing overflows.
     */
    function _round(uint256 sign, uint256 m, int256 e, bool sticky) private pure returns (uint32) {
        unchecked {
            int256 q = e + int256(Math.log2(m)) - 23;
            if (q < -149) q = -149;
            if (q > 104) return uint32(sign | INF); // |value| ≥ 2^128: beyond the largest finite after rounding
            uint256 kept;
            if (q > e) {
                uint256 s = uint256(q - e);
                kept = m >> s;
                uint256 rest = m & ((1 << s) - 1);
                uint256 half = 1 << (s - 1);
                if (rest > half || (rest == half && (sticky || kept & 1 == 1))) ++kept;
            } else {
                kept = m << uint256(e - q); // exact: no bits below the last place
            }
            uint256 bits = (uint256(q + 149) << 23) + kept;
            if (bits >= INF) bits = INF; // rounded up past the largest finite
            return uint32(sign | bits);
        }
    }
}
