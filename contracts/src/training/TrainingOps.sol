// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Float32} from "./Float32.sol";
import {Float32Math} from "./Float32Math.sol";
import {TrainingRandom} from "./TrainingRandom.sol";

/**
 * @title TrainingOps
 * @notice The engine's scalar operations, as the referee recomputes them once a dispute is narrowed to one output
 * element (`packages/training/src/ops.ts`, `optim.ts`, `mlp.ts`), on binary32 bit patterns and in the engine's exact
 * order: one term of a fixed-order reduction, bias, ReLU and its gradient, one softmax cross-entropy gradient, one optimizer update, and one initial weight. The tests compare every function with the engine
 * (`contracts/test/trainingOps.evm.test.ts`).
 */
library TrainingOps {
    using Float32 for uint32;

    uint8 internal constant SGD = 0;
    uint8 internal constant ADAM = 1;

    /// @notice One term of a product's reduction: s + a·b, the product rounded before the sum.
    function productTerm(uint32 s, uint32 a, uint32 b) internal pure returns (uint32) {
        return Float32.add(s, Float32.mul(a, b));
    }

    /// @notice x + bias.
    function addBias(uint32 x, uint32 bias) internal pure returns (uint32) {
        return Float32.add(x, bias);
    }

    /// @notice ReLU as the engine writes it: x < 0 becomes +0; −0 and NaN stay.
    function relu(uint32 x) internal pure returns (uint32) {
        return Float32Math.lt(x, 0) ? 0 : x;
    }

    /// @notice The ReLU gradient: g where the layer's output was positive, else +0.
    function reluBackward(uint32 g, uint32 output) internal pure returns (uint32) {
        return Float32Math.lt(0, output) ? g : 0;
    }

    /**
     * @notice One softmax cross-entropy gradient element, (e^(z − max) / sum − [its class is the label]) / batch,
     * from its logit and its row's maximum and sum of exponentials (each a reduction of its own in the trace).
     */
    function softmaxGradient(uint32 z, uint32 max, uint32 sum, bool isLabel, uint256 batch)
        internal
        pure
        returns (uint32)
    {
        uint32 p = Float32.div(Float32Math.exp(Float32.sub(z, max)), sum);
        uint32 inverseBatch = Float32.div(Float32Math.ONE, Float32Math.fromInt(int256(batch)));
        return Float32.mul(isLabel ? Float32.sub(p, Float32Math.ONE) : p, inverseBatch);
    }

    /// @notice The optimizer's hyperparameters and the step's β powers (Adam: β₁^t and β₂^t after this step).
    struct Hyper {
        uint8 optimizer;
        uint32 learningRate;
        uint32 beta1; // SGD: momentum
        uint32 beta2;
        uint32 epsilon;
        uint32 beta1Power;
        uint32 beta2Power;
    }

    /**
     * @notice One parameter's update from its value `w`, its slots and its gradient `g`: returns the new value and
     * the new slots (SGD: velocity; Adam: first and second moment).
     */
    function update(Hyper memory h, uint32 w, uint32[] memory slots, uint32 g)
        internal
        pure
        returns (uint32, uint32[] memory slotsAfter)
    {
        slotsAfter = new uint32[](slots.length);
        if (h.optimizer == SGD) {
            uint32 velocity = Float32.add(Float32.mul(h.beta1, slots[0]), g);
            slotsAfter[0] = velocity;
            return (Float32.sub(w, Float32.mul(h.learningRate, velocity)), slotsAfter);
        }
        uint32 one = Float32Math.ONE;
        uint32 m = Float32.add(Float32.mul(h.beta1, slots[0]), Float32.mul(Float32.sub(one, h.beta1), g));
        uint32 v = Float32.add(
            Float32.mul(h.beta2, slots[1]), Float32.mul(Float32.sub(one, h.beta2), Float32.mul(g, g))
        );
        slotsAfter[0] = m;
        slotsAfter[1] = v;
        uint32 mHat = Float32.div(m, Float32.sub(one, h.beta1Power));
        uint32 vHat = Float32.div(v, Float32.sub(one, h.beta2Power));
        uint32 stepSize =
            Float32.div(Float32.mul(h.learningRate, mHat), Float32.add(Float32.sqrt(vHat), h.epsilon));
        return (Float32.sub(w, stepSize), slotsAfter);
    }

    /**
     * @notice Element `index` of parameter tensor `t` at initialisation: weights He-uniform from the seed's stream t,
     * ((2u − 1)·√(6 / fan-in)), biases +0.
     */
    function initialValue(uint32 seed, uint256 t, uint256 index, uint256 fanIn) internal pure returns (uint32) {
        if (t % 2 == 1) return 0;
        uint32 w = TrainingRandom.word(TrainingRandom.streamKey(seed, uint32(TrainingRandom.STREAM_INIT + t)), uint32(index));
        uint32 u = Float32.mul(Float32Math.fromInt(int256(uint256(w >> 8))), Float32Math.pow2(-24));
        uint32 bound = Float32.sqrt(Float32.div(Float32Math.fromInt(6), Float32Math.fromInt(int256(fanIn))));
        return Float32.mul(Float32.sub(Float32.mul(Float32Math.TWO, u), Float32Math.ONE), bound);
    }
}
