// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Float32Math} from "./Float32Math.sol";
import {TrainingMerkle} from "./TrainingMerkle.sol";
import {TrainingRandom} from "./TrainingRandom.sol";

/**
 * @title TrainingHarness
 * @notice For tests only, never deployed by the node: exposes the internal libraries of the training referee that
 * {TrainingReferee} does not ({Float32Math}, {TrainingRandom}, {TrainingMerkle}) so `contracts/test/trainingOps.evm.test.ts`
 * can compare them with the engine case by case, many cases a call.
 */
contract TrainingHarness {
    function exp(uint32[] calldata x) external pure returns (uint32[] memory out) {
        out = new uint32[](x.length);
        for (uint256 i = 0; i < x.length; ++i) out[i] = Float32Math.exp(x[i]);
    }

    function lt(uint32[] calldata a, uint32[] calldata b) external pure returns (bool[] memory out) {
        out = new bool[](a.length);
        for (uint256 i = 0; i < a.length; ++i) out[i] = Float32Math.lt(a[i], b[i]);
    }

    function floorToInt(uint32[] calldata x) external pure returns (int256[] memory out) {
        out = new int256[](x.length);
        for (uint256 i = 0; i < x.length; ++i) out[i] = Float32Math.floorToInt(x[i]);
    }

    function fromInt(int256[] calldata k) external pure returns (uint32[] memory out) {
        out = new uint32[](k.length);
        for (uint256 i = 0; i < k.length; ++i) out[i] = Float32Math.fromInt(k[i]);
    }

    function hash32(uint32[] calldata x) external pure returns (uint32[] memory out) {
        out = new uint32[](x.length);
        for (uint256 i = 0; i < x.length; ++i) out[i] = TrainingRandom.hash32(x[i]);
    }

    function exampleAt(uint32 seed, uint256 count, uint256[] calldata positions)
        external
        pure
        returns (uint256[] memory out)
    {
        out = new uint256[](positions.length);
        for (uint256 i = 0; i < positions.length; ++i) out[i] = TrainingRandom.exampleAt(seed, count, positions[i]);
    }

    function rootOf(bytes32[] calldata items) external pure returns (bytes32) {
        return TrainingMerkle.rootOf(items);
    }

    function verify(bytes32 root, uint256 index, bytes32 item, bytes32[] calldata proof) external view returns (bool) {
        return TrainingMerkle.verify(root, index, item, proof);
    }
}
