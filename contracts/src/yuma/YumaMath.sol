// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title YumaMath
 * @notice Yuma consensus in unsigned Q32 fixed point (1.0 = 2^32), the Solidity twin of the SDK's
 * `packages/sdk/src/yuma/epoch.ts`. Both compute the same integers: products are `(a * b) >> 32`, quotients
 * `(a << 32) / b`, and the only transcendental (liquid alpha's logistic) is a fixed Taylor series. The differential
 * tests in `contracts/test/yuma.evm.test.ts` hold the two to the same bits; docs/yuma.md has the equations.
 *
 * Matrices are flat, row-major, validators × miners. Weights arrive masked (zero for non-permitted validators,
 * self-weights and outdated weights), stakes raw (zero removes a validator), bonds in Q32.
 */
library YumaMath {
    /// @notice 1.0 in Q32.
    uint256 internal constant ONE = 1 << 32;
    /// @notice floor(e^-1 * 2^32).
    uint256 internal constant E_INV = 1_580_030_168;
    /// @dev floor(e^(-k/16) * 2^32), 32 bits each: k = 1..8 (k = 1 lowest) and k = 9..15; k = 0 is 1.0.
    uint256 private constant E_SIXTEENTHS_1_8 = 0x9b4597e3a54938c9aff230afbb4b296fc75f7cf5d43b4096e1eb5127f07d5fde;
    uint256 private constant E_SIXTEENTHS_9_15 = 0x6440442f6ab7782571996c7878ed03af80b991fe8906e49a91dd4986;

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

    struct Result {
        uint256[] stake;
        uint256[] consensus;
        uint256[] ranks;
        uint256[] incentive;
        uint256[] validatorTrust;
        uint256[] dividends;
        uint256[] bonds;
    }

    function mulQ(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b) >> 32;
    }

    function divQ(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a << 32) / b;
    }

    /// @notice e^(-k/16) in Q32 for k in 0..15.
    function eSixteenth(uint256 k) internal pure returns (uint256) {
        if (k == 0) return ONE;
        if (k <= 8) return (E_SIXTEENTHS_1_8 >> (32 * (k - 1))) & 0xffffffff;
        return (E_SIXTEENTHS_9_15 >> (32 * (k - 9))) & 0xffffffff;
    }

    /**
     * @notice e^(-t) for t >= 0 (Q32). With t = whole + k/16 + r (r < 1/16): e^(-r) by its Taylor series (terms
     * until they vanish), times e^(-k/16) from the table, times e^-1 once per whole unit.
     */
    function expNeg(uint256 t) internal pure returns (uint256 r) {
        uint256 whole = t >> 32;
        uint256 k = (t >> 28) & 15;
        uint256 rest = t & ((1 << 28) - 1);
        uint256 even = ONE;
        uint256 odd;
        uint256 term = ONE;
        for (uint256 i = 1; i <= 20; ++i) {
            term = mulQ(term, rest) / i;
            if (term == 0) break;
            if (i % 2 == 1) odd += term;
            else even += term;
        }
        r = mulQ(eSixteenth(k), even - odd);
        for (uint256 i; i < whole && r > 0; ++i) {
            r = mulQ(r, E_INV);
        }
    }

    /// @notice 1 / (1 + e^(-k (x - 1/2))) with k = steepness / 100, x in [0, 1] (Q32).
    function sigmoid(uint256 x, uint256 steepness) internal pure returns (uint256) {
        uint256 half = ONE / 2;
        bool above = x >= half;
        uint256 distance = above ? x - half : half - x;
        uint256 e = expNeg((distance * steepness) / 100);
        return above ? divQ(ONE, ONE + e) : divQ(e, ONE + e);
    }

    /// @notice Stake shares in Q32: floor(stake_i * 2^32 / total).
    function normalizeStake(uint256[] memory stake) internal pure returns (uint256[] memory s) {
        uint256 total;
        for (uint256 i; i < stake.length; ++i) total += stake[i];
        s = new uint256[](stake.length);
        if (total == 0) return s;
        for (uint256 i; i < stake.length; ++i) s[i] = divQ(stake[i], total);
    }

    /// @notice x_i / sum(x) in Q32; all zero when the sum is zero.
    function normalize(uint256[] memory values) internal pure returns (uint256[] memory out) {
        uint256 total;
        for (uint256 i; i < values.length; ++i) total += values[i];
        out = new uint256[](values.length);
        if (total == 0) return out;
        for (uint256 i; i < values.length; ++i) out[i] = divQ(values[i], total);
    }

    /**
     * @notice The stake-weighted kappa-median of one column: the largest of `values` (of validators with stake) such
     * that the stake weighting at least that value reaches kappa * (their total stake). Zero when nobody has stake.
     */
    function weightedMedian(uint256[] memory s, uint256[] memory values, uint256 kappa)
        internal
        pure
        returns (uint256)
    {
        uint256 v = s.length;
        uint256[] memory order = new uint256[](v);
        uint256 m;
        uint256 total;
        for (uint256 i; i < v; ++i) {
            if (s[i] == 0) continue;
            total += s[i];
            uint256 value = values[i];
            uint256 k = m++;
            while (k > 0 && values[order[k - 1]] < value) {
                order[k] = order[k - 1];
                --k;
            }
            order[k] = i;
        }
        if (m == 0) return 0;
        uint256 needed = mulQ(kappa, total);
        uint256 acc;
        for (uint256 k; k < m; ++k) {
            acc += s[order[k]];
            if (acc >= needed) return values[order[k]];
        }
        return values[order[m - 1]];
    }

    /// @notice subtensor's alpha_sigmoid: the per-bond EMA rate under liquid alpha.
    function liquidAlphaOf(Params memory p, uint256 weight, uint256 bond, uint256 consensus)
        internal
        pure
        returns (uint256)
    {
        uint256 diff = weight >= bond ? (weight > consensus ? weight - consensus : 0) : bond - weight;
        return p.alphaLow + mulQ(sigmoid(diff, p.steepness), p.alphaHigh - p.alphaLow);
    }

    /// @notice Row-normalizes u16 weights (flat, `n` columns) into Q32.
    function rowNormalize(uint16[] memory weights, uint256 v, uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](v * n);
        for (uint256 i; i < v; ++i) {
            uint256 sum;
            for (uint256 j; j < n; ++j) sum += weights[i * n + j];
            if (sum == 0) continue;
            for (uint256 j; j < n; ++j) w[i * n + j] = divQ(weights[i * n + j], sum);
        }
    }

    /// @notice Normalizes each column of the flat matrix `x` (`n` columns) in place.
    function columnNormalize(uint256[] memory x, uint256 n) internal pure {
        uint256 v = n == 0 ? 0 : x.length / n;
        for (uint256 j; j < n; ++j) {
            uint256 sum;
            for (uint256 i; i < v; ++i) sum += x[i * n + j];
            if (sum == 0) continue;
            for (uint256 i; i < v; ++i) x[i * n + j] = divQ(x[i * n + j], sum);
        }
    }

    /// @notice One Yuma epoch over masked u16 `weights` (flat, `n` miners), raw `stake` and Q32 `oldBonds`.
    function epoch(Params memory p, uint256 n, uint16[] memory weights, uint256[] memory stake, uint256[] memory oldBonds)
        internal
        pure
        returns (Result memory r)
    {
        uint256 v = stake.length;
        r.stake = normalizeStake(stake);
        uint256[] memory w = rowNormalize(weights, v, n);
        r.consensus = new uint256[](n);
        uint256[] memory column = new uint256[](v);
        for (uint256 j; j < n; ++j) {
            for (uint256 i; i < v; ++i) column[i] = w[i * n + j];
            r.consensus[j] = weightedMedian(r.stake, column, p.kappa);
        }
        uint256[] memory wb = _clip(r, w, n, p.bondsPenalty);
        r.incentive = normalize(r.ranks);
        uint256[] memory dividendsRaw = p.yuma3 ? _bondsYuma3(r, p, wb, oldBonds, n) : _bondsYuma(r, p, wb, oldBonds, n);
        r.dividends = normalize(dividendsRaw);
    }

    /**
     * @dev Clips `w` at consensus; fills ranks and validator trust; returns the weights for bonds,
     * w - bondsPenalty * (w - clipped).
     */
    function _clip(Result memory r, uint256[] memory w, uint256 n, uint256 bondsPenalty)
        private
        pure
        returns (uint256[] memory wb)
    {
        uint256 v = r.stake.length;
        wb = new uint256[](v * n);
        r.ranks = new uint256[](n);
        r.validatorTrust = new uint256[](v);
        for (uint256 i; i < v; ++i) {
            uint256 trust;
            for (uint256 j; j < n; ++j) {
                uint256 x = w[i * n + j];
                uint256 c = r.consensus[j];
                uint256 clip = x < c ? x : c;
                trust += clip;
                r.ranks[j] += mulQ(r.stake[i], clip);
                wb[i * n + j] = x - mulQ(bondsPenalty, x - clip);
            }
            r.validatorTrust[i] = trust;
        }
    }

    /// @dev Yuma3: bonds are proportions in [0, 1]; dividends weigh column-normalized bonds by incentive and stake.
    function _bondsYuma3(Result memory r, Params memory p, uint256[] memory wb, uint256[] memory oldBonds, uint256 n)
        private
        pure
        returns (uint256[] memory dividendsRaw)
    {
        uint256 v = r.stake.length;
        bool liquid = p.liquidAlpha;
        uint256[] memory colSum = new uint256[](n);
        r.bonds = new uint256[](v * n);
        for (uint256 k; k < v * n; ++k) {
            uint256 b = oldBonds.length == 0 ? 0 : oldBonds[k];
            uint256 a = liquid ? liquidAlphaOf(p, wb[k], b, r.consensus[k % n]) : p.alpha;
            uint256 next = mulQ(ONE - a, b) + mulQ(a, wb[k]);
            if (next > ONE) next = ONE;
            r.bonds[k] = next;
            colSum[k % n] += next;
        }
        dividendsRaw = new uint256[](v);
        for (uint256 i; i < v; ++i) {
            uint256 total;
            for (uint256 j; j < n; ++j) {
                if (colSum[j] != 0) total += mulQ(divQ(r.bonds[i * n + j], colSum[j]), r.incentive[j]);
            }
            dividendsRaw[i] = mulQ(total, r.stake[i]);
        }
    }

    /// @dev Original Yuma: column-normalized bonds, delta W*S column-normalized, EMA, column-normalized again.
    function _bondsYuma(Result memory r, Params memory p, uint256[] memory wb, uint256[] memory oldBonds, uint256 n)
        private
        pure
        returns (uint256[] memory dividendsRaw)
    {
        uint256 size = wb.length;
        uint256[] memory old = new uint256[](size);
        uint256[] memory delta = new uint256[](size);
        for (uint256 k; k < size; ++k) {
            old[k] = oldBonds.length == 0 ? 0 : oldBonds[k];
            delta[k] = mulQ(wb[k], r.stake[k / n]);
        }
        columnNormalize(old, n);
        columnNormalize(delta, n);
        r.bonds = new uint256[](size);
        for (uint256 k; k < size; ++k) r.bonds[k] = mulQ(p.alpha, delta[k]) + mulQ(ONE - p.alpha, old[k]);
        columnNormalize(r.bonds, n);
        dividendsRaw = new uint256[](r.stake.length);
        for (uint256 k; k < size; ++k) dividendsRaw[k / n] += mulQ(r.bonds[k], r.incentive[k % n]);
    }
}
