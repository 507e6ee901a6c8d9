// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";
import {TrainingMerkle} from "./TrainingMerkle.sol";

/**
 * @title TrainingShapes
 * @notice Where everything is in one training step of an MLP with D layers (`packages/training/src/mlp.ts`,
 * `trace.ts`, `layout.ts`): the trace's entries in order — batch (inputs, labels); per layer 1..D matmul, addBias,
 * relu (not on the last); softmaxCrossEntropy (each row's maximum, each row's sum of exponentials, the gradient); per
 * layer D..1 matmulTransA, columnSums and, above the first, matmulTransB, reluBackward — the
 * shape of every tensor, which tensors and elements each operation reads for one output element (or one term of its
 * reduction), and the shape of a tensor's Merkle tree (merkle.ts: a level's odd last node moves up unchanged).
 */
library TrainingShapes {
    uint8 internal constant OP_BATCH = 0;
    uint8 internal constant OP_MATMUL = 1;
    uint8 internal constant OP_ADD_BIAS = 2;
    uint8 internal constant OP_RELU = 3;
    uint8 internal constant OP_SOFTMAX = 4;
    uint8 internal constant OP_MATMUL_TRANS_A = 5;
    uint8 internal constant OP_COLUMN_SUMS = 6;
    uint8 internal constant OP_MATMUL_TRANS_B = 7;
    uint8 internal constant OP_RELU_BACKWARD = 8;
    /// @notice The softmax entry's first two outputs, reductions over a row: its maximum and its sum of e^(z − max).
    uint8 internal constant OP_SOFTMAX_MAX = 9;
    uint8 internal constant OP_SOFTMAX_SUM = 10;

    /// @notice A trace entry index beyond the step's operations, or an output the entry does not have.
    error TrainingShapesUnknownEntry(uint256 entry, uint256 output);

    /// @notice One element an operation reads: parameter tensor `at` of the agreed state, or trace root `at`.
    struct Read {
        bool fromParams;
        uint256 at;
        uint256 element;
    }

    function depth(ITrainingJobs.Spec calldata spec) internal pure returns (uint256) {
        return spec.layers.length - 1;
    }

    /// @notice Output roots in a trace: 7D − 1 entries, the batch with two outputs and the softmax with three.
    function traceRoots(ITrainingJobs.Spec calldata spec) internal pure returns (uint256) {
        return 7 * depth(spec) + 2;
    }

    /// @notice The trace root index of entry k's output o (entries in order, each output in order).
    function rootIndex(ITrainingJobs.Spec calldata spec, uint256 k, uint256 o) internal pure returns (uint256) {
        uint256 s = 3 * depth(spec);
        if (k == 0) return o;
        if (k < s) return k + 1;
        if (k == s) return s + 1 + o;
        return k + 3;
    }

    function slotsPerTensor(ITrainingJobs.Spec calldata spec) internal pure returns (uint256) {
        return spec.optimizer == 0 ? 1 : 2;
    }

    /// @notice Values in parameter tensor t (W_l = fan-in × fan-out for even t, b_l for odd t; l = t/2 + 1).
    function paramSize(ITrainingJobs.Spec calldata spec, uint256 t) internal pure returns (uint256) {
        uint256 l = t / 2 + 1;
        return t % 2 == 0 ? uint256(spec.layers[l - 1]) * spec.layers[l] : spec.layers[l];
    }

    /// @notice The operation and layer of trace entry `k`.
    function entryOf(ITrainingJobs.Spec calldata spec, uint256 k) internal pure returns (uint8 op, uint256 layer) {
        uint256 d = depth(spec);
        if (k == 0) return (OP_BATCH, 0);
        if (k < 3 * d) {
            uint256 f = k - 1;
            return (uint8(OP_MATMUL + f % 3), f / 3 + 1);
        }
        if (k == 3 * d) return (OP_SOFTMAX, d);
        if (k > 7 * d - 2) revert TrainingShapesUnknownEntry(k, 0);
        uint256 b = k - 3 * d - 1;
        return (uint8(OP_MATMUL_TRANS_A + b % 4), d - b / 4);
    }

    function opOf(ITrainingJobs.Spec calldata spec, uint256 k) internal pure returns (uint8 op) {
        (op,) = entryOf(spec, k);
    }

    /**
     * @notice Entry k's output o: its operation (the softmax's maximum and sum as OP_SOFTMAX_MAX / _SUM), its trace
     * root index and the number of values in it.
     */
    function entryOutput(ITrainingJobs.Spec calldata spec, uint256 k, uint256 o)
        internal
        pure
        returns (uint8 op, uint256 at, uint256 size)
    {
        uint256 l;
        (op, l) = entryOf(spec, k);
        if (o >= (k == 0 ? 2 : op == OP_SOFTMAX ? 3 : 1)) revert TrainingShapesUnknownEntry(k, o);
        uint256 batch = spec.batchSize;
        at = rootIndex(spec, k, o);
        if (op == OP_SOFTMAX && o < 2) {
            op = o == 0 ? OP_SOFTMAX_MAX : OP_SOFTMAX_SUM;
            size = batch;
        } else if (op == OP_BATCH) size = o == 0 ? batch * spec.layers[0] : batch;
        else if (op <= OP_SOFTMAX) size = batch * spec.layers[l];
        else if (op == OP_MATMUL_TRANS_A) size = uint256(spec.layers[l - 1]) * spec.layers[l];
        else if (op == OP_COLUMN_SUMS) size = spec.layers[l];
        else size = batch * spec.layers[l - 1];
    }

    /// @notice Terms of entry k's output o's reduction per element (0 for an elementwise operation).
    function reductionTerms(ITrainingJobs.Spec calldata spec, uint256 k, uint256 o) internal pure returns (uint256) {
        (uint8 op, uint256 l) = entryOf(spec, k);
        if (op == OP_SOFTMAX) return o < 2 ? spec.layers[l] : 0;
        if (op == OP_MATMUL) return spec.layers[l - 1];
        if (op == OP_MATMUL_TRANS_A || op == OP_COLUMN_SUMS) return spec.batchSize;
        if (op == OP_MATMUL_TRANS_B) return spec.layers[l];
        return 0;
    }

    /// @notice The trace root of layer l's activation (l = 0: the batch's inputs; else layer l's ReLU output).
    function activation(uint256 l) internal pure returns (uint256) {
        return l == 0 ? 0 : 3 * l + 1; // relu entry 1 + 3(l−1) + 2, root = entry + 1
    }

    /// @notice The trace root of layer l's delta (the softmax gradient on top, else the ReLU gradient from above).
    function delta(ITrainingJobs.Spec calldata spec, uint256 l) internal pure returns (uint256) {
        uint256 d = depth(spec);
        if (l == d) return rootIndex(spec, 3 * d, 2);
        return rootIndex(spec, 3 * d + 1 + 4 * (d - l - 1) + 3, 0);
    }

    /// @notice The trace root of parameter tensor t's gradient (matmulTransA or columnSums of its layer).
    function gradientRoot(ITrainingJobs.Spec calldata spec, uint256 t) internal pure returns (uint256) {
        uint256 l = t / 2 + 1;
        return rootIndex(spec, 3 * depth(spec) + 1 + 4 * (depth(spec) - l) + t % 2, 0);
    }

    /**
     * @notice What term `t` of element `element` of entry k's output o's reduction reads (a, then b for products; the
     * softmax's maximum the row's logit t, its sum the logit and the row's maximum).
     */
    function termInputs(ITrainingJobs.Spec calldata spec, uint256 k, uint256 o, uint256 element, uint256 t)
        internal
        pure
        returns (Read[] memory reads)
    {
        (uint8 op, uint256 l) = entryOf(spec, k);
        uint256 fanIn = spec.layers[l - 1];
        uint256 fanOut = spec.layers[l];
        uint256 weights = 2 * (l - 1);
        if (op == OP_SOFTMAX) {
            if (o > 1) revert TrainingShapesUnknownEntry(k, o);
            reads = new Read[](o + 1);
            reads[0] = Read(false, rootIndex(spec, k - 1, 0), element * fanOut + t);
            if (o == 1) reads[1] = Read(false, rootIndex(spec, k, 0), element);
            return reads;
        }
        reads = new Read[](op == OP_COLUMN_SUMS ? 1 : 2);
        if (op == OP_MATMUL) {
            (uint256 i, uint256 j) = (element / fanOut, element % fanOut);
            reads[0] = Read(false, activation(l - 1), i * fanIn + t);
            reads[1] = Read(true, weights, t * fanOut + j);
        } else if (op == OP_MATMUL_TRANS_A) {
            (uint256 i, uint256 j) = (element / fanOut, element % fanOut);
            reads[0] = Read(false, activation(l - 1), t * fanIn + i);
            reads[1] = Read(false, delta(spec, l), t * fanOut + j);
        } else if (op == OP_COLUMN_SUMS) {
            reads[0] = Read(false, delta(spec, l), t * fanOut + element);
        } else {
            (uint256 i, uint256 j) = (element / fanIn, element % fanIn);
            reads[0] = Read(false, delta(spec, l), i * fanOut + t);
            reads[1] = Read(true, weights, j * fanOut + t);
        }
    }

    /// @notice What element `element` of elementwise entry k reads (the softmax: its gradient output).
    function elementInputs(ITrainingJobs.Spec calldata spec, uint256 k, uint256 element)
        internal
        pure
        returns (Read[] memory reads)
    {
        (uint8 op, uint256 l) = entryOf(spec, k);
        Read memory previous = Read(false, k == 0 ? 0 : rootIndex(spec, k - 1, 0), element); // entry k − 1's output
        if (op == OP_ADD_BIAS) {
            reads = new Read[](2);
            reads[0] = previous;
            reads[1] = Read(true, 2 * (l - 1) + 1, element % spec.layers[l]);
        } else if (op == OP_RELU) {
            reads = new Read[](1);
            reads[0] = previous;
        } else if (op == OP_RELU_BACKWARD) {
            reads = new Read[](2);
            reads[0] = previous;
            reads[1] = Read(false, activation(l - 1), element);
        } else if (op == OP_SOFTMAX) {
            // The gradient: the logit, the row's maximum and sum, the row's label.
            uint256 row = element / spec.layers[l];
            reads = new Read[](4);
            reads[0] = previous;
            reads[1] = Read(false, rootIndex(spec, k, 0), row);
            reads[2] = Read(false, rootIndex(spec, k, 1), row);
            reads[3] = Read(false, 1, row);
        } else {
            revert TrainingShapesUnknownEntry(k, 0);
        }
    }

    // ---------------------------------------------------------------- tensor trees

    /// @notice Nodes at `level` of a tree over `chunks` leaves.
    function levelCount(uint256 chunks, uint256 level) internal pure returns (uint256 count) {
        count = chunks;
        for (uint256 i = 0; i < level; ++i) count = (count + 1) / 2;
    }

    /// @notice The root's level (0 for one leaf).
    function height(uint256 chunks) internal pure returns (uint256 h) {
        for (uint256 count = chunks; count > 1; count = (count + 1) / 2) ++h;
    }

    /// @notice The descendants `down` levels below node (level, index): the first's index and how many exist.
    function descendants(uint256 chunks, uint256 level, uint256 index, uint256 down)
        internal
        pure
        returns (uint256 first, uint256 count)
    {
        first = index << down;
        uint256 available = levelCount(chunks, level - down);
        uint256 end = first + (uint256(1) << down);
        count = (end < available ? end : available) - first;
    }

    /// @notice Hashes `nodes` (one node's descendants `down` levels below it, in order) up to that node.
    function hashUp(bytes32[] calldata nodes, uint256 down) internal pure returns (bytes32) {
        uint256 n = nodes.length;
        bytes32[] memory current = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) current[i] = nodes[i];
        for (uint256 step = 0; step < down; ++step) {
            uint256 up = (n + 1) / 2;
            for (uint256 q = 0; q < up; ++q) {
                current[q] = 2 * q + 1 < n ? TrainingMerkle.node(current[2 * q], current[2 * q + 1]) : current[2 * q];
            }
            n = up;
        }
        return current[0];
    }
}
