// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISubnetRegistry
 * @notice The subnet and neuron directory as other contracts see it: its types, events and errors, and the functions
 * Staking, Weights, EpochReferee and Epochs call. {SubnetRegistry} implements it; its NatSpec documents each function.
 */
interface ISubnetRegistry {
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

    function isRegistered(uint256 netuid, address hotkey) external view returns (bool);

    function uidOf(uint256 netuid, address hotkey) external view returns (uint16);

    function neuronAt(uint256 netuid, uint16 uid, uint256 blockNumber)
        external
        view
        returns (address hotkey, uint256 registeredAtBlock);

    function hasValidatorPermit(uint256 netuid, uint16 uid) external view returns (bool);

    function getSubnet(uint256 netuid) external view returns (Subnet memory);

    function getSubnetParams(uint256 netuid) external view returns (SubnetParams memory);

    function subnetShape(uint256 netuid)
        external
        view
        returns (uint16 nextUid, uint64 createdAtBlock, uint16 maxNeurons);

    function epochSettings(uint256 netuid, uint64 prevSnapshot)
        external
        view
        returns (uint64 snapshot, uint16 neurons, SubnetParams memory params);

    /// @notice The Epochs contract, the only writer of permits and prune orders and the only payer of dividends.
    function epochs() external view returns (address);

    function applyEpoch(uint256 netuid, uint64 snapshotBlock, uint256[] calldata permits, bytes calldata pruneOrder_)
        external;
}
