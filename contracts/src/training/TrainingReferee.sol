// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Float32} from "./Float32.sol";
import {Float32Math} from "./Float32Math.sol";
import {TrainingOps} from "./TrainingOps.sol";
import {TrainingRandom} from "./TrainingRandom.sol";
import {TrainingShapes} from "./TrainingShapes.sol";
import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";

/**
 * @title TrainingReferee
 * @notice The arithmetic of the training dispute game as a deployed contract ({TrainingDisputes} calls it), so the
 * game and the binary32 code each stay under the 24,576-byte contract limit: where every tensor of a step is
 * ({TrainingShapes}), and one operation of the engine recomputed from inputs the game has already proven. Pure: it
 * holds no state and trusts no caller.
 */
contract TrainingReferee {
    /**
     * @notice Trace entry k's output o: its operation, the trace root index, its size and its reduction's terms per
     * element (0 for an elementwise operation). Reverts {TrainingShapes.TrainingShapesUnknownEntry} for no such output.
     */
    function entry(ITrainingJobs.Spec calldata spec, uint256 k, uint256 o)
        external
        pure
        returns (uint8 op, uint256 at, uint256 size, uint256 terms)
    {
        (op, at, size) = TrainingShapes.entryOutput(spec, k, o);
        terms = TrainingShapes.reductionTerms(spec, k, o);
    }

    /// @notice What term t of element `element` of entry k's output o's reduction reads.
    function termInputs(ITrainingJobs.Spec calldata spec, uint256 k, uint256 o, uint256 element, uint256 t)
        external
        pure
        returns (TrainingShapes.Read[] memory)
    {
        return TrainingShapes.termInputs(spec, k, o, element, t);
    }

    /// @notice What element `element` of elementwise entry k reads.
    function elementInputs(ITrainingJobs.Spec calldata spec, uint256 k, uint256 element)
        external
        pure
        returns (TrainingShapes.Read[] memory)
    {
        return TrainingShapes.elementInputs(spec, k, element);
    }

    /// @notice Parameter tensor t's size and the trace root of its gradient.
    function param(ITrainingJobs.Spec calldata spec, uint256 t) external pure returns (uint256 size, uint256 gradient) {
        return (TrainingShapes.paramSize(spec, t), TrainingShapes.gradientRoot(spec, t));
    }

    /**
     * @notice Term t of a reduction from the partial result s: s + a·b for the products, s + a for column sums, the
     * larger of s and a for a softmax row's maximum (a itself for t = 0), s + e^(a − b) for its sum (b: the maximum).
     */
    function term(uint8 op, uint256 t, uint32 s, uint32 a, uint32 b) external pure returns (uint32) {
        if (op == TrainingShapes.OP_COLUMN_SUMS) return Float32.add(s, a);
        if (op == TrainingShapes.OP_SOFTMAX_MAX) return t == 0 || Float32Math.lt(s, a) ? a : s;
        if (op == TrainingShapes.OP_SOFTMAX_SUM) return Float32.add(s, Float32Math.exp(Float32.sub(a, b)));
        return TrainingOps.productTerm(s, a, b);
    }

    /// @notice a · b, rounded (the β powers' step).
    function mul(uint32 a, uint32 b) external pure returns (uint32) {
        return Float32.mul(a, b);
    }

    /**
     * @notice An elementwise operation's output element from the values it reads (TrainingShapes.elementInputs):
     * bias (x, bias), ReLU (z), its gradient (g, output), the softmax cross-entropy gradient of class `j` (the logit,
     * the row's maximum, its sum, its label) over a batch of `batch` rows.
     */
    function elementwise(uint8 op, uint32[] calldata v, uint256 j, uint256 batch) external pure returns (uint32) {
        if (op == TrainingShapes.OP_ADD_BIAS) return TrainingOps.addBias(v[0], v[1]);
        if (op == TrainingShapes.OP_RELU) return TrainingOps.relu(v[0]);
        if (op == TrainingShapes.OP_RELU_BACKWARD) return TrainingOps.reluBackward(v[0], v[1]);
        uint256 label = uint256(Float32Math.floorToInt(v[3]));
        return TrainingOps.softmaxGradient(v[0], v[1], v[2], j == label, batch);
    }

    /// @notice One parameter's update (TrainingOps.update): the new value and slots.
    function update(TrainingOps.Hyper calldata h, uint32 w, uint32[] calldata slots, uint32 g)
        external
        pure
        returns (uint32, uint32[] memory)
    {
        return TrainingOps.update(h, w, slots, g);
    }

    /// @notice Element `index` of parameter tensor `t` at initialisation.
    function initialValue(uint32 seed, uint256 t, uint256 index, uint256 fanIn) external pure returns (uint32) {
        return TrainingOps.initialValue(seed, t, index, fanIn);
    }

    /// @notice The example at `position` of the data order.
    function exampleAt(uint32 seed, uint256 count, uint256 position) external pure returns (uint256) {
        return TrainingRandom.exampleAt(seed, count, position);
    }

    /// @notice The binary32 value of a small integer (a label).
    function fromInt(uint256 k) external pure returns (uint32) {
        return Float32Math.fromInt(int256(k));
    }


}
