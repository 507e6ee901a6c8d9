// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SubnetRegistryBase} from "./SubnetRegistryBase.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/**
 * @title SubnetRegistrySubnets
 * @notice The subnets part of {SubnetRegistry}: creating a subnet, its consensus parameters within protocol bounds
 * and their history, and what an epoch is computed with ({epochSettings}).
 */
abstract contract SubnetRegistrySubnets is SubnetRegistryBase {
    using Checkpoints for Checkpoints.Trace208;

    /**
     * @notice Creates a subnet owned by the caller and returns its id (ids start at 1).
     * @param name Short human name, 1..32 bytes.
     * @param taskType What miners serve, 1..32 bytes (e.g. `text-generation`, `image-classification`).
     * @param scoringSpecCid CID of the document that says how validators score miners, 1..128 bytes.
     * @param maxNeurons Slot count, 1..{MAX_NEURONS_LIMIT}.
     * @param registrationCost MYC (wei) a neuron burns to register; may be 0.
     * Requirements: every bound above.
     * Emits {SubnetCreated}.
     */
    function createSubnet(
        string calldata name,
        string calldata taskType,
        string calldata scoringSpecCid,
        uint16 maxNeurons,
        uint256 registrationCost
    ) external returns (uint256 netuid) {
        _checkLabel(name);
        _checkLabel(taskType);
        _checkCid(scoringSpecCid, false);
        if (maxNeurons == 0 || maxNeurons > MAX_NEURONS_LIMIT) {
            revert SubnetRegistryInvalidMaxNeurons(maxNeurons, MAX_NEURONS_LIMIT);
        }

        netuid = ++_subnetCount;
        Subnet storage subnet = _subnets[netuid];
        subnet.owner = msg.sender;
        subnet.maxNeurons = maxNeurons;
        subnet.createdAtBlock = uint64(block.number);
        subnet.registrationCost = registrationCost;
        subnet.name = name;
        subnet.taskType = taskType;
        subnet.scoringSpecCid = scoringSpecCid;
        SubnetParams memory params = defaultSubnetParams();
        uint256 validatorCap = _validatorCap(maxNeurons);
        if (params.maxValidators > validatorCap) params.maxValidators = uint16(validatorCap);
        _setParams(netuid, params);
        _costs[netuid] = CostState(registrationCost, uint64(block.number));
        emit SubnetCreated(netuid, msg.sender, name, taskType, scoringSpecCid, maxNeurons, registrationCost);
        emit SubnetParamsUpdated(netuid, params);
    }

    /// @notice The parameters a new subnet starts with: subtensor's defaults (tempo 360 blocks), except liquid alpha,
    /// which is on: without it a weight copier keeps about 60% of an honest validator's dividends when quality
    /// moves, with it about 20% (docs/validators.md, "The incentive simulation").
    function defaultSubnetParams() public pure returns (SubnetParams memory) {
        return SubnetParams({
            tempo: 360,
            kappa: 32_767,
            bondsPenalty: 65_535,
            bondsMovingAverage: 900_000,
            yuma3: true,
            liquidAlpha: true,
            alphaLow: 45_875,
            alphaHigh: 58_982,
            alphaSigmoidSteepness: 1000,
            commitRevealPeriod: 1,
            weightsRateLimit: 100,
            maxValidators: 64,
            immunityPeriod: 4096,
            activityCutoff: 5000
        });
    }

    /**
     * @notice Sets the consensus parameters of `netuid`. They apply from the next epoch on.
     * Requirements: the caller owns the subnet; every field within its bounds:
     * tempo 2..65535 blocks; kappa 1..65535; bondsMovingAverage 0..999999 ppm; alphaLow 1638..alphaHigh;
     * alphaSigmoidSteepness 0..10000; commitRevealPeriod 1..10 epochs; weightsRateLimit <= 100000 blocks;
     * maxValidators 1..min(MAX_VALIDATORS_LIMIT, maxNeurons, 16384 / maxNeurons); immunityPeriod <= 1000000 blocks;
     * activityCutoff (commitRevealPeriod + 1) * tempo + weightsRateLimit..1000000 blocks.
     * Emits {SubnetParamsUpdated}.
     */
    function setSubnetParams(uint256 netuid, SubnetParams calldata params) external {
        Subnet storage subnet = _subnet(netuid);
        if (msg.sender != subnet.owner) revert SubnetRegistryNotOwner(netuid, subnet.owner);
        _checkParam("tempo", params.tempo, 2, type(uint16).max);
        _checkParam("kappa", params.kappa, 1, type(uint16).max);
        _checkParam("bondsMovingAverage", params.bondsMovingAverage, 0, 999_999);
        _checkParam("alphaHigh", params.alphaHigh, 1638, type(uint16).max);
        _checkParam("alphaLow", params.alphaLow, 1638, params.alphaHigh);
        _checkParam("alphaSigmoidSteepness", params.alphaSigmoidSteepness, 0, 10_000);
        _checkParam("commitRevealPeriod", params.commitRevealPeriod, 1, 10);
        _checkParam("weightsRateLimit", params.weightsRateLimit, 0, 100_000);
        _checkParam("maxValidators", params.maxValidators, 1, _validatorCap(subnet.maxNeurons));
        _checkParam("immunityPeriod", params.immunityPeriod, 0, 1_000_000);
        // A validator revealing as often as the contracts allow reveals at least every commitRevealPeriod + 1 periods,
        // and may commit only once per rate limit: the cutoff covers both, so it never goes inactive on schedule.
        uint256 leastCutoff = (uint256(params.commitRevealPeriod) + 1) * params.tempo + params.weightsRateLimit;
        _checkParam("activityCutoff", params.activityCutoff, leastCutoff, 1_000_000);
        if (params.tempo != _latestParams(netuid).tempo) _tempoChangedAt[netuid] = uint64(block.number);
        _setParams(netuid, params);
        emit SubnetParamsUpdated(netuid, params);
    }

    /**
     * @notice What the epoch after the one whose snapshot was `prevSnapshot` is computed with: its snapshot block,
     * the uid count and the parameters at the end of that block. The snapshot is `tempo` blocks after the previous
     * one, with the tempo in force at the previous snapshot; a later tempo change may bring it earlier, but never
     * before the block of the change: `min(prev + tempo(prev), max(prev + tempo(now), lastTempoChange))`. So the
     * owner can neither delay a due epoch by raising the tempo nor move a snapshot onto a block that has passed
     * (other parameter changes never move it).
     * A snapshot not reached yet comes with the current uid count and parameters.
     */
    function epochSettings(uint256 netuid, uint64 prevSnapshot)
        external
        view
        returns (uint64 snapshot, uint16 neurons, SubnetParams memory params)
    {
        ParamsEntry[] storage log = _paramsLog[netuid];
        // Every subnet has its first entry from creation on.
        if (log.length == 0) revert SubnetRegistryUnknownSubnet(netuid);
        ParamsEntry storage latest = log[log.length - 1];
        // Most epochs follow no change since the previous snapshot: the latest entry answers both reads.
        bool unchanged = latest.fromBlock <= prevSnapshot;
        uint256 pinned = prevSnapshot + (unchanged ? latest.params.tempo : _paramsAt(log, prevSnapshot).tempo);
        uint256 moved = prevSnapshot + latest.params.tempo;
        if (moved < _tempoChangedAt[netuid]) moved = _tempoChangedAt[netuid];
        snapshot = uint64(pinned < moved ? pinned : moved);
        Checkpoints.Trace208 storage uids = _nextUidLog[netuid];
        (, uint48 lastKey, uint208 lastValue) = uids.latestCheckpoint();
        neurons = uint16(lastKey <= snapshot ? lastValue : uids.upperLookupRecent(SafeCast.toUint48(snapshot)));
        params = unchanged ? latest.params : _paramsAt(log, snapshot);
    }

    /// @notice The parts of subnet `netuid` that settlement reads, without its strings: uid count, creation block and
    /// slot count.
    function subnetShape(uint256 netuid)
        external
        view
        returns (uint16 nextUid, uint64 createdAtBlock, uint16 maxNeurons)
    {
        Subnet storage subnet = _subnet(netuid);
        return (subnet.nextUid, subnet.createdAtBlock, subnet.maxNeurons);
    }

    /// @notice The consensus parameters of `netuid`.
    function getSubnetParams(uint256 netuid) external view returns (SubnetParams memory) {
        _subnet(netuid);
        return _latestParams(netuid);
    }

    /// @notice Number of subnets created; ids run from 1 to this value.
    function subnetCount() external view returns (uint256) {
        return _subnetCount;
    }

    /// @notice The subnet `netuid`. Reverts with {SubnetRegistryUnknownSubnet} if it does not exist.
    function getSubnet(uint256 netuid) external view returns (Subnet memory) {
        return _subnet(netuid);
    }

    /// @dev Records the parameters now in force (a later change in the same block replaces it).
    function _setParams(uint256 netuid, SubnetParams memory params) private {
        ParamsEntry[] storage log = _paramsLog[netuid];
        uint48 nowBlock = SafeCast.toUint48(block.number);
        uint256 length = log.length;
        if (length > 0 && log[length - 1].fromBlock == nowBlock) log[length - 1].params = params;
        else log.push(ParamsEntry(nowBlock, params));
    }

    /// @dev The parameters in force at the end of block `blockNumber` (the first ones before the subnet existed).
    function _paramsAt(ParamsEntry[] storage log, uint256 blockNumber) private view returns (SubnetParams memory) {
        uint256 high = log.length;
        // Epochs mostly read blocks after the latest change: try it first, then search.
        if (log[high - 1].fromBlock <= blockNumber) return log[high - 1].params;
        uint256 low;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (log[mid].fromBlock > blockNumber) high = mid;
            else low = mid + 1;
        }
        return log[low == 0 ? 0 : low - 1].params;
    }

    /// @dev At most MAX_VALIDATORS_LIMIT validators, no more than the slots, and within {MAX_EPOCH_CELLS}.
    function _validatorCap(uint256 maxNeurons) private pure returns (uint256 cap) {
        cap = MAX_EPOCH_CELLS / maxNeurons;
        if (cap > maxNeurons) cap = maxNeurons;
        if (cap > MAX_VALIDATORS_LIMIT) cap = MAX_VALIDATORS_LIMIT;
    }

    function _checkParam(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert SubnetRegistryInvalidParam(name, value, min, max);
    }

    function _checkLabel(string calldata label) private pure {
        uint256 len = bytes(label).length;
        if (len == 0 || len > MAX_LABEL_LENGTH) revert SubnetRegistryInvalidLabel(label);
    }
}
