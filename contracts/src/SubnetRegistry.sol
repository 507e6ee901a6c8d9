// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/**
 * @title SubnetRegistry
 * @notice The directory of the network: subnets (a task, a scoring spec, a size limit, a registration cost) and the
 * neurons registered in them (a hotkey, a role, an HTTP endpoint where it serves, a metadata CID). Gateways and
 * validators discover miners here; nothing about endpoints lives off chain.
 *
 * Neurons occupy uid slots `0 .. maxNeurons-1` of their subnet. A freed slot is reused by the next registration so
 * that uids stay small and dense (weights in a later version are vectors indexed by uid). The registration cost is
 * paid in MYC and burned. Staking, weights and emissions are added by later contracts; this one is the core.
 *
 * Every loop is bounded by a protocol constant (endpoint length, page size), never by the number of users.
 */
contract SubnetRegistry {
    /// @notice What a neuron does in its subnet.
    enum Role {
        Miner,
        Validator
    }

    /// @notice A subnet's configuration and occupancy.
    struct Subnet {
        address owner;
        uint16 maxNeurons;
        uint16 neuronCount;
        uint16 nextUid;
        uint64 createdAtBlock;
        uint256 registrationCost;
        string name;
        string taskType;
        string scoringSpecCid;
    }

    /// @notice A registered neuron. `hotkey == address(0)` marks an empty slot.
    struct Neuron {
        address hotkey;
        Role role;
        uint64 registeredAtBlock;
        string endpoint;
        string metadataCid;
    }

    /// @notice Largest `maxNeurons` a subnet may have.
    uint16 public constant MAX_NEURONS_LIMIT = 4096;
    /// @notice Longest subnet name and task type, in bytes.
    uint256 public constant MAX_LABEL_LENGTH = 32;
    /// @notice Longest CID string, in bytes.
    uint256 public constant MAX_CID_LENGTH = 128;
    /// @notice Shortest and longest endpoint URL, in bytes (`http://a.b` is 10).
    uint256 public constant MIN_ENDPOINT_LENGTH = 10;
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Most neurons returned by one {getNeurons} call.
    uint256 public constant MAX_PAGE_SIZE = 512;

    ERC20Burnable private immutable _token;
    uint256 private _subnetCount;
    mapping(uint256 netuid => Subnet) private _subnets;
    mapping(uint256 netuid => mapping(uint256 uid => Neuron)) private _neurons;
    mapping(uint256 netuid => mapping(address hotkey => uint256)) private _uidPlusOne;
    mapping(uint256 netuid => uint16[]) private _freeUids;

    /// @notice Emitted when `owner` created subnet `netuid`.
    event SubnetCreated(
        uint256 indexed netuid,
        address indexed owner,
        string name,
        string taskType,
        string scoringSpecCid,
        uint16 maxNeurons,
        uint256 registrationCost
    );
    /// @notice Emitted when `hotkey` took slot `uid` of subnet `netuid`, paying (and burning) `costPaid`.
    event NeuronRegistered(
        uint256 indexed netuid,
        uint16 indexed uid,
        address indexed hotkey,
        Role role,
        string endpoint,
        string metadataCid,
        uint256 costPaid
    );
    /// @notice Emitted when the neuron in slot `uid` moved its endpoint.
    event NeuronEndpointUpdated(uint256 indexed netuid, uint16 indexed uid, address indexed hotkey, string endpoint);
    /// @notice Emitted when the neuron in slot `uid` published a new metadata document (e.g. its models and prices).
    event NeuronMetadataUpdated(uint256 indexed netuid, uint16 indexed uid, address indexed hotkey, string metadataCid);
    /// @notice Emitted when the neuron in slot `uid` left the subnet; the slot is free again.
    event NeuronDeregistered(uint256 indexed netuid, uint16 indexed uid, address indexed hotkey);

    /// @dev The token address was zero.
    error SubnetRegistryZeroToken();
    /// @dev No subnet has id `netuid`.
    error SubnetRegistryUnknownSubnet(uint256 netuid);
    /// @dev A name or task type was empty or longer than {MAX_LABEL_LENGTH}.
    error SubnetRegistryInvalidLabel(string label);
    /// @dev A CID was empty (where required) or longer than {MAX_CID_LENGTH}.
    error SubnetRegistryInvalidCid(string cid);
    /// @dev `maxNeurons` was 0 or above {MAX_NEURONS_LIMIT}.
    error SubnetRegistryInvalidMaxNeurons(uint256 maxNeurons, uint256 limit);
    /// @dev Subnet `netuid` already holds `maxNeurons` neurons.
    error SubnetRegistrySubnetFull(uint256 netuid, uint16 maxNeurons);
    /// @dev `hotkey` is already registered in `netuid`, in slot `uid`.
    error SubnetRegistryAlreadyRegistered(uint256 netuid, address hotkey, uint16 uid);
    /// @dev `hotkey` is not registered in `netuid`.
    error SubnetRegistryNotRegistered(uint256 netuid, address hotkey);
    /// @dev The endpoint is not an `http://` or `https://` URL of printable ASCII within the length bounds.
    error SubnetRegistryInvalidEndpoint(string endpoint);
    /// @dev A page size of 0 or above {MAX_PAGE_SIZE} was asked for.
    error SubnetRegistryInvalidPageSize(uint256 limit, uint256 maxPageSize);

    /// @param mycelToken The MYC token; registration costs are burned from it.
    constructor(ERC20Burnable mycelToken) {
        if (address(mycelToken) == address(0)) revert SubnetRegistryZeroToken();
        _token = mycelToken;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Subnets
    // ---------------------------------------------------------------------------------------------------------------

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
        emit SubnetCreated(netuid, msg.sender, name, taskType, scoringSpecCid, maxNeurons, registrationCost);
    }

    /// @notice Number of subnets created; ids run from 1 to this value.
    function subnetCount() external view returns (uint256) {
        return _subnetCount;
    }

    /// @notice The subnet `netuid`. Reverts with {SubnetRegistryUnknownSubnet} if it does not exist.
    function getSubnet(uint256 netuid) external view returns (Subnet memory) {
        return _subnet(netuid);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Neurons
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @notice Registers the caller (the hotkey) in subnet `netuid` and returns its uid. The caller must have approved
     * this contract for the subnet's registration cost, which is burned.
     * @param role Miner or Validator.
     * @param endpoint Where the neuron serves: `http://` or `https://` URL, printable ASCII, 10..256 bytes.
     * @param metadataCid CID of a JSON document describing the neuron (models, prices, hardware); may be empty.
     * Requirements:
     * - the subnet exists and is not full;
     * - the caller is not registered in it yet;
     * - `endpoint` and `metadataCid` are within bounds.
     * Emits {NeuronRegistered}.
     */
    function registerNeuron(uint256 netuid, Role role, string calldata endpoint, string calldata metadataCid)
        external
        returns (uint16 uid)
    {
        return _register(netuid, role, endpoint, metadataCid);
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
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint16 uid) {
        uint256 cost = _subnet(netuid).registrationCost;
        // A failing permit is deliberately not fatal: see the OpenZeppelin note on permit front-running.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), cost, deadline, v, r, s) {} catch {}
        return _register(netuid, role, endpoint, metadataCid);
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

    /// @notice The MYC token burned for registrations.
    function token() external view returns (address) {
        return address(_token);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    function _register(uint256 netuid, Role role, string calldata endpoint, string calldata metadataCid)
        private
        returns (uint16 uid)
    {
        Subnet storage subnet = _subnet(netuid);
        uint256 existing = _uidPlusOne[netuid][msg.sender];
        if (existing != 0) revert SubnetRegistryAlreadyRegistered(netuid, msg.sender, uint16(existing - 1));
        if (subnet.neuronCount >= subnet.maxNeurons) revert SubnetRegistrySubnetFull(netuid, subnet.maxNeurons);
        _checkEndpoint(endpoint);
        _checkCid(metadataCid, true);

        uint16[] storage free = _freeUids[netuid];
        if (free.length > 0) {
            uid = free[free.length - 1];
            free.pop();
        } else {
            uid = subnet.nextUid;
            subnet.nextUid = uid + 1;
        }
        // Cannot overflow: neuronCount < maxNeurons <= MAX_NEURONS_LIMIT.
        unchecked {
            subnet.neuronCount += 1;
        }
        _uidPlusOne[netuid][msg.sender] = uint256(uid) + 1;
        Neuron storage neuron = _neurons[netuid][uid];
        neuron.hotkey = msg.sender;
        neuron.role = role;
        neuron.registeredAtBlock = uint64(block.number);
        neuron.endpoint = endpoint;
        neuron.metadataCid = metadataCid;
        uint256 cost = subnet.registrationCost;
        emit NeuronRegistered(netuid, uid, msg.sender, role, endpoint, metadataCid, cost);

        // Interaction last; the token is the immutable MYC contract set at deployment.
        if (cost > 0) _token.burnFrom(msg.sender, cost);
    }

    function _subnet(uint256 netuid) private view returns (Subnet storage subnet) {
        subnet = _subnets[netuid];
        if (subnet.owner == address(0)) revert SubnetRegistryUnknownSubnet(netuid);
    }

    function _uidOf(uint256 netuid, address hotkey) private view returns (uint16) {
        _subnet(netuid);
        uint256 plusOne = _uidPlusOne[netuid][hotkey];
        if (plusOne == 0) revert SubnetRegistryNotRegistered(netuid, hotkey);
        return uint16(plusOne - 1);
    }

    function _checkLabel(string calldata label) private pure {
        uint256 len = bytes(label).length;
        if (len == 0 || len > MAX_LABEL_LENGTH) revert SubnetRegistryInvalidLabel(label);
    }

    function _checkCid(string calldata cid, bool optional) private pure {
        uint256 len = bytes(cid).length;
        if ((len == 0 && !optional) || len > MAX_CID_LENGTH) revert SubnetRegistryInvalidCid(cid);
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
