// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/**
 * @title SubnetRegistry
 * @notice The directory of the network: subnets (a task, a scoring spec, a size limit, a registration cost) and the
 * neurons registered in them (a hotkey, a role, an HTTP endpoint where it serves, a metadata CID). Gateways and
 * validators discover miners here; nothing about endpoints lives off chain.
 *
 * Neurons occupy uid slots `0 .. maxNeurons-1` of their subnet. A freed slot is reused by the next registration so
 * that uids stay small and dense (weights are vectors indexed by uid). The registration cost is paid in MYC and
 * burned; it rises by 26% with each registration and halves every {COST_HALF_LIFE_BLOCKS} blocks, never below the
 * subnet's base cost nor above {MAX_COST_MULTIPLIER} times it.
 *
 * When a subnet is full, a registration replaces a neuron: the first one in the prune order of the last settled
 * epoch (lowest emission first, then oldest) that is past its immunity period. Validator permits (the top stakes)
 * also come from the last settled epoch. Both are written only by the Epochs contract, wired once at deployment.
 * Before a subnet's first settled epoch, every neuron registered as a validator holds a permit.
 *
 * Subnet owners set the consensus parameters (tempo, kappa, bonds, liquid alpha, commit-reveal, rate limits) within
 * protocol bounds. Who occupied a uid at any past block is kept ({neuronAt}), and so are the parameters and the uid
 * count ({epochSettings}), so an epoch is computed and checked with what held at its snapshot block, whatever
 * registrations or parameter changes land after it.
 *
 * Every loop is bounded by a protocol constant (endpoint length, page size, prune order), never by the user count.
 */
contract SubnetRegistry {
    using Checkpoints for Checkpoints.Trace208;

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

    /// @notice A subnet's consensus parameters, set by its owner within protocol bounds (see {setSubnetParams}).
    /// Fractions are u16 over 65535, as in subtensor.
    struct SubnetParams {
        uint16 tempo; // blocks per epoch
        uint16 kappa; // stake share that must support a weight (32767 = 0.5)
        uint16 bondsPenalty; // 65535: bonds follow clipped weights only
        uint32 bondsMovingAverage; // parts per million; the bonds EMA rate is 1 - this
        bool yuma3; // false: the original Yuma bonds
        bool liquidAlpha;
        uint16 alphaLow;
        uint16 alphaHigh;
        uint16 alphaSigmoidSteepness;
        uint16 commitRevealPeriod; // epochs between a commit and its reveal
        uint32 weightsRateLimit; // blocks between two commits of a validator
        uint16 maxValidators; // validator permits: the top stakes
        uint32 immunityPeriod; // blocks a new neuron cannot be replaced
        uint32 activityCutoff; // blocks after which a validator's weights no longer count
    }

    /// @dev What the last settled epoch left for registrations, in one slot: its snapshot block, the next position in
    /// its prune order, whether an epoch has set validator permits yet, and the prune order's length.
    struct Applied {
        uint64 snapshotBlock;
        uint16 pruneCursor;
        bool permitsSet;
        uint8 pruneLength;
    }

    /// @dev Who holds a uid from `fromBlock` on (`hotkey == 0`: nobody).
    struct Occupancy {
        uint48 fromBlock;
        address hotkey;
    }

    /// @dev The parameters in force from `fromBlock` on.
    struct ParamsEntry {
        uint48 fromBlock;
        SubnetParams params;
    }

    /// @dev The dynamic registration cost: the last cost charged and when.
    struct CostState {
        uint256 cost;
        uint64 lastBlock;
    }

    /// @notice The registration cost halves every this many blocks without registrations.
    uint256 public constant COST_HALF_LIFE_BLOCKS = 1000;
    /// @notice The registration cost never exceeds this multiple of the subnet's base cost.
    uint256 public constant MAX_COST_MULTIPLIER = 1000;
    /// @notice The largest maxNeurons x maxValidators: every epoch dispute of such a subnet fits well in one block.
    uint256 public constant MAX_EPOCH_CELLS = 16_384;
    /// @notice The longest prune order an epoch may record.
    uint256 public constant MAX_PRUNE_ORDER = 16;

    /// @notice Most validator permits a subnet may have (subtensor's default). A column dispute restates every
    /// validator's row and bonds: at 64 validators it costs about 3.2M gas; at 128 it measured 8.4M, past the 5M
    /// every dispute must fit (bench/disputes.ts).
    uint256 public constant MAX_VALIDATORS_LIMIT = 64;
    /// @notice Largest `maxNeurons` a subnet may have (subtensor's default). Disputes grow with the uid count: at 1024
    /// uids a dividends dispute measured 6.2M gas and a row sum 3.4M, past or near the 5M every dispute must fit;
    /// at 256 the worst is 4.9M (bench/disputes.ts).
    uint16 public constant MAX_NEURONS_LIMIT = 256;
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
    address private immutable _admin;
    address private _epochs;
    uint256 private _subnetCount;
    mapping(uint256 netuid => ParamsEntry[]) private _paramsLog;
    mapping(uint256 netuid => Checkpoints.Trace208) private _nextUidLog;
    mapping(uint256 netuid => uint64) private _tempoChangedAt;
    mapping(uint256 netuid => CostState) private _costs;
    mapping(uint256 netuid => mapping(uint256 uid => Occupancy[])) private _occupancy;
    mapping(uint256 netuid => mapping(uint256 word => uint256)) private _permits;
    // The prune order: up to 16 uids as big-endian u16s, left-aligned in one word (its length is in `Applied`).
    mapping(uint256 netuid => uint256) private _pruneOrder;
    mapping(uint256 netuid => Applied) private _applied;
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
    /// @notice Emitted when the neuron in slot `uid` was replaced by a registration into a full subnet.
    event NeuronPruned(uint256 indexed netuid, uint16 indexed uid, address indexed hotkey);
    /// @notice Emitted when the owner of `netuid` changed its consensus parameters.
    event SubnetParamsUpdated(uint256 indexed netuid, SubnetParams params);
    /// @notice Emitted once, when the deployment wired the Epochs contract.
    event EpochsSet(address epochs);
    /// @notice Emitted when a settled epoch of `netuid` set validator permits and the prune order.
    /// `pruneOrder` holds the uids as packed big-endian u16s.
    event EpochApplied(uint256 indexed netuid, uint64 snapshotBlock, uint256[] permits, bytes pruneOrder);

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
    /// @dev Parameter `name` of a subnet was `value`, outside the protocol bounds `min..max`.
    error SubnetRegistryInvalidParam(string name, uint256 value, uint256 min, uint256 max);
    /// @dev Only the subnet owner `owner` may do this.
    error SubnetRegistryNotOwner(uint256 netuid, address owner);
    /// @dev Only the deployment admin may wire the Epochs contract, and only once.
    error SubnetRegistryNotAdmin(address caller);
    error SubnetRegistryEpochsAlreadySet(address epochs);
    /// @dev Only the Epochs contract may record epoch results.
    error SubnetRegistryNotEpochs(address caller);
    /// @dev The prune order was longer than {MAX_PRUNE_ORDER}.
    error SubnetRegistryPruneOrderTooLong(uint256 length);
    /// @dev Registering in `netuid` costs `cost`, above the `maxCost` the caller accepted (another registration
    /// landed first and raised it).
    error SubnetRegistryCostAboveMax(uint256 netuid, uint256 cost, uint256 maxCost);
    /// @dev A page size of 0 or above {MAX_PAGE_SIZE} was asked for.
    error SubnetRegistryInvalidPageSize(uint256 limit, uint256 maxPageSize);

    /**
     * @param mycelToken The MYC token; registration costs are burned from it.
     * @param admin The account that wires the Epochs contract once ({setEpochs}); it has no other power.
     */
    constructor(ERC20Burnable mycelToken, address admin) {
        if (address(mycelToken) == address(0)) revert SubnetRegistryZeroToken();
        _token = mycelToken;
        _admin = admin;
    }

    /**
     * @notice Wires the Epochs contract, the only writer of validator permits and prune orders.
     * Requirements: the caller is the admin; not set before.
     * Emits {EpochsSet}.
     */
    function setEpochs(address epochsContract) external {
        if (msg.sender != _admin) revert SubnetRegistryNotAdmin(msg.sender);
        if (_epochs != address(0)) revert SubnetRegistryEpochsAlreadySet(_epochs);
        _epochs = epochsContract;
        emit EpochsSet(epochsContract);
    }

    /// @notice The Epochs contract (zero until wired).
    function epochs() external view returns (address) {
        return _epochs;
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

    /// @notice What registering in `netuid` costs now (MYC wei): the last cost, halved per half-life since, at least
    /// the base cost.
    function registrationCostNow(uint256 netuid) public view returns (uint256) {
        uint256 base = _subnet(netuid).registrationCost;
        CostState storage state = _costs[netuid];
        uint256 halvings = (block.number - state.lastBlock) / COST_HALF_LIFE_BLOCKS;
        uint256 decayed = halvings >= 256 ? 0 : state.cost >> halvings;
        return decayed > base ? decayed : base;
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

    /// @notice Whether slot `uid` of `netuid` holds a validator permit now. A permit belongs to the neuron the last
    /// settled epoch ranked: one that took the slot after that epoch's snapshot has none.
    function hasValidatorPermit(uint256 netuid, uint16 uid) external view returns (bool) {
        Neuron storage neuron = _neurons[netuid][uid];
        if (neuron.hotkey == address(0)) return false;
        Applied memory applied = _applied[netuid];
        if (!applied.permitsSet) return neuron.role == Role.Validator;
        if (neuron.registeredAtBlock > applied.snapshotBlock) return false;
        return (_permits[netuid][uid >> 8] >> (uid & 255)) & 1 == 1;
    }

    /// @notice The prune order recorded by the last settled epoch of `netuid`, the next position in it, and the
    /// epoch's snapshot block.
    function pruneOrder(uint256 netuid) external view returns (uint16[] memory, uint256 cursor, uint64 snapshotBlock) {
        Applied memory applied = _applied[netuid];
        uint16[] memory order = new uint16[](applied.pruneLength);
        for (uint256 k; k < order.length; ++k) order[k] = _pruneUid(_pruneOrder[netuid], k);
        return (order, applied.pruneCursor, applied.snapshotBlock);
    }

    /**
     * @notice Records a settled epoch of `netuid`: the validator permits (a bitmap over uids, 256 per word) and the
     * order in which full-subnet registrations replace neurons (`pruneOrder`: uids as packed big-endian u16s).
     * Requirements: the caller is the Epochs contract; at most {MAX_PRUNE_ORDER} uids.
     * Emits {EpochApplied}.
     */
    function applyEpoch(uint256 netuid, uint64 snapshotBlock, uint256[] calldata permits, bytes calldata pruneOrder_)
        external
    {
        if (msg.sender != _epochs || msg.sender == address(0)) revert SubnetRegistryNotEpochs(msg.sender);
        if (pruneOrder_.length > 2 * MAX_PRUNE_ORDER || pruneOrder_.length % 2 != 0) {
            revert SubnetRegistryPruneOrderTooLong(pruneOrder_.length / 2);
        }
        uint256 words = (uint256(_subnet(netuid).maxNeurons) + 255) / 256;
        for (uint256 w; w < words; ++w) {
            _permits[netuid][w] = w < permits.length ? permits[w] : 0;
        }
        // Left-aligned: bytes32 of a shorter byte string pads it with zeros on the right.
        _pruneOrder[netuid] = uint256(bytes32(pruneOrder_));
        _applied[netuid] = Applied(snapshotBlock, 0, true, uint8(pruneOrder_.length / 2));
        emit EpochApplied(netuid, snapshotBlock, permits, pruneOrder_);
    }

    /// @notice The MYC token burned for registrations.
    function token() external view returns (address) {
        return address(_token);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

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

    /// @dev The `k`-th uid of a packed prune order.
    function _pruneUid(uint256 order, uint256 k) private pure returns (uint16) {
        return uint16(order >> (240 - 16 * k));
    }

    /// @dev A permit belongs to the neuron the epoch ranked, not to the slot: it leaves with it.
    function _clearPermit(uint256 netuid, uint16 uid) private {
        if (_applied[netuid].permitsSet) _permits[netuid][uid >> 8] &= ~(uint256(1) << (uid & 255));
    }

    /// @dev Records the parameters now in force (a later change in the same block replaces it).
    function _setParams(uint256 netuid, SubnetParams memory params) private {
        ParamsEntry[] storage log = _paramsLog[netuid];
        uint48 nowBlock = SafeCast.toUint48(block.number);
        uint256 length = log.length;
        if (length > 0 && log[length - 1].fromBlock == nowBlock) log[length - 1].params = params;
        else log.push(ParamsEntry(nowBlock, params));
    }

    /// @dev The parameters in force now: the log's last entry (every subnet has one from creation on).
    function _latestParams(uint256 netuid) private view returns (SubnetParams storage) {
        ParamsEntry[] storage log = _paramsLog[netuid];
        return log[log.length - 1].params;
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

    function _occupy(uint256 netuid, uint16 uid, address hotkey) private {
        Occupancy[] storage history = _occupancy[netuid][uid];
        uint48 nowBlock = uint48(block.number);
        uint256 length = history.length;
        // Several changes in one block: the block ends with the last.
        if (length > 0 && history[length - 1].fromBlock == nowBlock) history[length - 1].hotkey = hotkey;
        else history.push(Occupancy(nowBlock, hotkey));
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
