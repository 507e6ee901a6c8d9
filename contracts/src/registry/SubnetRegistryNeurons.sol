// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SubnetRegistryBase} from "./SubnetRegistryBase.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/**
 * @title SubnetRegistryNeurons
 * @notice The neurons part of {SubnetRegistry}: registration (its dynamic cost, burned; a freed, new or pruned
 * slot), endpoints and metadata, leaving, and who held each uid at any past block.
 */
abstract contract SubnetRegistryNeurons is SubnetRegistryBase {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice What registering in `netuid` costs now (MYC wei): the last cost, halved per half-life since, at least
    /// the base cost.
    function registrationCostNow(uint256 netuid) public view returns (uint256) {
        uint256 base = _subnet(netuid).registrationCost;
        CostState storage state = _costs[netuid];
        uint256 halvings = (block.number - state.lastBlock) / COST_HALF_LIFE_BLOCKS;
        uint256 decayed = halvings >= 256 ? 0 : state.cost >> halvings;
        return decayed > base ? decayed : base;
    }

    /**
     * @notice Registers the caller (the hotkey) in subnet `netuid` and returns its uid. The caller must have approved
     * this contract for the subnet's registration cost, which is burned.
     * @param role Miner or Validator.
     * @param endpoint Where the neuron serves: `http://` or `https://` URL, printable ASCII, 10..256 bytes.
     * @param metadataCid CID of a JSON document describing the neuron (models, prices, hardware); may be empty.
     * @param maxCost The most the caller accepts to pay ({registrationCostNow} when it sent the transaction), so a
     * registration landing first cannot make it pay more than it agreed to.
     * Requirements:
     * - the subnet exists and is not full;
     * - the cost is at most `maxCost`;
     * - the caller is not registered in it yet;
     * - `endpoint` and `metadataCid` are within bounds.
     * Emits {NeuronRegistered}.
     */
    function registerNeuron(
        uint256 netuid,
        Role role,
        string calldata endpoint,
        string calldata metadataCid,
        uint256 maxCost
    ) external returns (uint16 uid) {
        return _register(netuid, role, endpoint, metadataCid, maxCost);
    }

    /**
     * @notice {registerNeuron} with an EIP-2612 permit for the registration cost, so a new hotkey needs one
     * transaction. A permit that fails (e.g. already used by a front-runner) is ignored; the burn then relies on the
     * existing allowance.
     */
    function registerNeuronWithPermit(
        uint256 netuid,
        Role role,
        string calldata endpoint,
        string calldata metadataCid,
        uint256 maxCost,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint16 uid) {
        uint256 cost = registrationCostNow(netuid);
        // A failing permit is deliberately not fatal: see the OpenZeppelin note on permit front-running.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), cost, deadline, v, r, s) {} catch {}
        return _register(netuid, role, endpoint, metadataCid, maxCost);
    }

    /**
     * @notice Moves the caller's endpoint in subnet `netuid`.
     * Requirements: the caller is registered there; `endpoint` is valid.
     * Emits {NeuronEndpointUpdated}.
     */
    function updateEndpoint(uint256 netuid, string calldata endpoint) external {
        uint16 uid = _uidOf(netuid, msg.sender);
        _checkEndpoint(endpoint);
        _neurons[netuid][uid].endpoint = endpoint;
        emit NeuronEndpointUpdated(netuid, uid, msg.sender, endpoint);
    }

    /**
     * @notice Replaces the caller's metadata CID in subnet `netuid` (a miner publishes its models and prices so).
     * Requirements: the caller is registered there; `metadataCid` is empty or within bounds.
     * Emits {NeuronMetadataUpdated}.
     */
    function updateMetadata(uint256 netuid, string calldata metadataCid) external {
        uint16 uid = _uidOf(netuid, msg.sender);
        _checkCid(metadataCid, true);
        _neurons[netuid][uid].metadataCid = metadataCid;
        emit NeuronMetadataUpdated(netuid, uid, msg.sender, metadataCid);
    }

    /**
     * @notice Removes the caller from subnet `netuid` and frees its slot. The registration cost is not refunded.
     * Requirements: the caller is registered there.
     * Emits {NeuronDeregistered}.
     */
    function deregisterNeuron(uint256 netuid) external {
        uint16 uid = _uidOf(netuid, msg.sender);
        delete _neurons[netuid][uid];
        delete _uidPlusOne[netuid][msg.sender];
        _freeUids[netuid].push(uid);
        _occupy(netuid, uid, address(0));
        _clearPermit(netuid, uid);
        // Cannot underflow: the caller was registered, so the count is at least one.
        unchecked {
            _subnets[netuid].neuronCount -= 1;
        }
        emit NeuronDeregistered(netuid, uid, msg.sender);
    }

    /// @notice The uid of `hotkey` in `netuid`, or reverts with {SubnetRegistryNotRegistered}.
    function uidOf(uint256 netuid, address hotkey) external view returns (uint16) {
        return _uidOf(netuid, hotkey);
    }

    /// @notice Whether `hotkey` is registered in `netuid`.
    function isRegistered(uint256 netuid, address hotkey) external view returns (bool) {
        return _uidPlusOne[netuid][hotkey] != 0;
    }

    /// @notice The neuron in slot `uid` of `netuid` (all zero if the slot is empty).
    function getNeuron(uint256 netuid, uint16 uid) external view returns (Neuron memory) {
        _subnet(netuid);
        return _neurons[netuid][uid];
    }

    /**
     * @notice The registered neurons among slots `offset .. offset+limit-1` of `netuid`, with their uids. Empty slots
     * are skipped, so a page may hold fewer than `limit` entries; page on until `offset >= nextUid` of the subnet.
     * Requirements: the subnet exists; `1 <= limit <= MAX_PAGE_SIZE`.
     */
    function getNeurons(uint256 netuid, uint256 offset, uint256 limit)
        external
        view
        returns (uint16[] memory uids, Neuron[] memory neurons)
    {
        if (limit == 0 || limit > MAX_PAGE_SIZE) revert SubnetRegistryInvalidPageSize(limit, MAX_PAGE_SIZE);
        uint256 end = _subnet(netuid).nextUid;
        if (offset > end) offset = end;
        if (end > offset + limit) end = offset + limit;
        uint16[] memory pageUids = new uint16[](end - offset);
        Neuron[] memory pageNeurons = new Neuron[](end - offset);
        uint256 n;
        for (uint256 uid = offset; uid < end; ++uid) {
            Neuron storage neuron = _neurons[netuid][uid];
            if (neuron.hotkey == address(0)) continue;
            pageUids[n] = uint16(uid);
            pageNeurons[n] = neuron;
            ++n;
        }
        // Shrink both arrays to the entries filled; n <= their allocated length.
        assembly ("memory-safe") {
            mstore(pageUids, n)
            mstore(pageNeurons, n)
        }
        return (pageUids, pageNeurons);
    }

    /**
     * @notice Who held slot `uid` of `netuid` at the end of block `blockNumber`, and since which block (zero address:
     * nobody).
     */
    function neuronAt(uint256 netuid, uint16 uid, uint256 blockNumber)
        external
        view
        returns (address hotkey, uint256 registeredAtBlock)
    {
        Occupancy[] storage history = _occupancy[netuid][uid];
        uint256 low;
        uint256 high = history.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (history[mid].fromBlock > blockNumber) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return (address(0), 0);
        Occupancy storage entry = history[low - 1];
        return (entry.hotkey, entry.fromBlock);
    }

    /// @notice The MYC token burned for registrations.
    function token() external view returns (address) {
        return address(_token);
    }

    function _register(
        uint256 netuid,
        Role role,
        string calldata endpoint,
        string calldata metadataCid,
        uint256 maxCost
    ) private returns (uint16 uid) {
        Subnet storage subnet = _subnet(netuid);
        if (_uidPlusOne[netuid][msg.sender] != 0) {
            revert SubnetRegistryAlreadyRegistered(netuid, msg.sender, uint16(_uidPlusOne[netuid][msg.sender] - 1));
        }
        _checkEndpoint(endpoint);
        _checkCid(metadataCid, true);
        uint256 cost = registrationCostNow(netuid);
        if (cost > maxCost) revert SubnetRegistryCostAboveMax(netuid, cost, maxCost);

        uid = _takeSlot(netuid, subnet);
        _uidPlusOne[netuid][msg.sender] = uint256(uid) + 1;
        _occupy(netuid, uid, msg.sender);
        Neuron storage neuron = _neurons[netuid][uid];
        neuron.hotkey = msg.sender;
        neuron.role = role;
        neuron.registeredAtBlock = uint64(block.number);
        neuron.endpoint = endpoint;
        neuron.metadataCid = metadataCid;
        _raiseCost(netuid, subnet.registrationCost, cost);
        emit NeuronRegistered(netuid, uid, msg.sender, role, endpoint, metadataCid, cost);

        // Interaction last; the token is the immutable MYC contract set at deployment.
        if (cost > 0) _token.burnFrom(msg.sender, cost);
    }

    /// @dev After a registration that paid `cost`: the next one costs 26% more, at most MAX_COST_MULTIPLIER x base.
    function _raiseCost(uint256 netuid, uint256 base, uint256 cost) private {
        uint256 raised = (cost * 126) / 100;
        uint256 cap = base * MAX_COST_MULTIPLIER;
        _costs[netuid] = CostState(raised < cap ? raised : cap, uint64(block.number));
    }

    /// @dev The slot a registration takes: a pruned one when the subnet is full, else a freed one, else a new one.
    function _takeSlot(uint256 netuid, Subnet storage subnet) private returns (uint16 uid) {
        if (subnet.neuronCount >= subnet.maxNeurons) return _prune(netuid, subnet.maxNeurons);
        uint16[] storage free = _freeUids[netuid];
        if (free.length > 0) {
            uid = free[free.length - 1];
            free.pop();
        } else {
            uid = subnet.nextUid;
            subnet.nextUid = uid + 1;
            _nextUidLog[netuid].push(SafeCast.toUint48(block.number), uid + 1);
        }
        // Cannot overflow: neuronCount < maxNeurons <= MAX_NEURONS_LIMIT.
        unchecked {
            subnet.neuronCount += 1;
        }
    }

    /// @dev Frees the first slot of the prune order that still holds the neuron the epoch ranked and is past its
    /// immunity; reverts with {SubnetRegistrySubnetFull} when there is none.
    function _prune(uint256 netuid, uint16 maxNeurons) private returns (uint16) {
        uint256 order = _pruneOrder[netuid];
        uint256 immunity = _latestParams(netuid).immunityPeriod;
        Applied storage applied = _applied[netuid];
        uint64 snapshot = applied.snapshotBlock;
        for (uint256 k = applied.pruneCursor; k < applied.pruneLength; ++k) {
            uint16 uid = _pruneUid(order, k);
            Neuron storage neuron = _neurons[netuid][uid];
            address hotkey = neuron.hotkey;
            if (hotkey == address(0) || neuron.registeredAtBlock > snapshot) continue;
            if (block.number < neuron.registeredAtBlock + immunity) continue;
            applied.pruneCursor = uint16(k + 1);
            delete _neurons[netuid][uid];
            delete _uidPlusOne[netuid][hotkey];
            _clearPermit(netuid, uid);
            emit NeuronPruned(netuid, uid, hotkey);
            return uid;
        }
        revert SubnetRegistrySubnetFull(netuid, maxNeurons);
    }

    function _occupy(uint256 netuid, uint16 uid, address hotkey) private {
        Occupancy[] storage history = _occupancy[netuid][uid];
        uint48 nowBlock = uint48(block.number);
        uint256 length = history.length;
        // Several changes in one block: the block ends with the last.
        if (length > 0 && history[length - 1].fromBlock == nowBlock) history[length - 1].hotkey = hotkey;
        else history.push(Occupancy(nowBlock, hotkey));
    }

    function _uidOf(uint256 netuid, address hotkey) private view returns (uint16) {
        _subnet(netuid);
        uint256 plusOne = _uidPlusOne[netuid][hotkey];
        if (plusOne == 0) revert SubnetRegistryNotRegistered(netuid, hotkey);
        return uint16(plusOne - 1);
    }

    /// @dev Accepts `http://` or `https://` followed by a host; every byte must be visible ASCII (no spaces).
    function _checkEndpoint(string calldata endpoint) private pure {
        bytes calldata b = bytes(endpoint);
        uint256 len = b.length;
        if (len < MIN_ENDPOINT_LENGTH || len > MAX_ENDPOINT_LENGTH) revert SubnetRegistryInvalidEndpoint(endpoint);
        uint256 schemeLength;
        if (bytes7(b[:7]) == "http://") schemeLength = 7;
        else if (len > 8 && bytes8(b[:8]) == "https://") schemeLength = 8;
        else revert SubnetRegistryInvalidEndpoint(endpoint);
        // The host must not start with '/', and every byte must be visible ASCII (0x21..0x7e).
        if (b[schemeLength] == "/") revert SubnetRegistryInvalidEndpoint(endpoint);
        for (uint256 i = schemeLength; i < len; ++i) {
            bytes1 c = b[i];
            if (c < 0x21 || c > 0x7e) revert SubnetRegistryInvalidEndpoint(endpoint);
        }
    }
}
