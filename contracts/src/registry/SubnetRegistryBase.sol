// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

/**
 * @title SubnetRegistryBase
 * @notice What every part of {SubnetRegistry} shares: the protocol constants, the whole storage (declared here, in
 * one place and in its deployed order, so that splitting the contract into parts cannot move a slot) and the lookups
 * and checks more than one part uses.
 */
abstract contract SubnetRegistryBase is ISubnetRegistry {
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

    ERC20Burnable internal immutable _token;
    address internal immutable _admin;
    address internal _epochs;
    uint256 internal _subnetCount;
    mapping(uint256 netuid => ParamsEntry[]) internal _paramsLog;
    mapping(uint256 netuid => Checkpoints.Trace208) internal _nextUidLog;
    mapping(uint256 netuid => uint64) internal _tempoChangedAt;
    mapping(uint256 netuid => CostState) internal _costs;
    mapping(uint256 netuid => mapping(uint256 uid => Occupancy[])) internal _occupancy;
    mapping(uint256 netuid => mapping(uint256 word => uint256)) internal _permits;
    // The prune order: up to 16 uids as big-endian u16s, left-aligned in one word (its length is in `Applied`).
    mapping(uint256 netuid => uint256) internal _pruneOrder;
    mapping(uint256 netuid => Applied) internal _applied;
    mapping(uint256 netuid => Subnet) internal _subnets;
    mapping(uint256 netuid => mapping(uint256 uid => Neuron)) internal _neurons;
    mapping(uint256 netuid => mapping(address hotkey => uint256)) internal _uidPlusOne;
    mapping(uint256 netuid => uint16[]) internal _freeUids;

    /**
     * @param mycelToken The MYC token; registration costs are burned from it.
     * @param admin The account that wires the Epochs contract once ({setEpochs}); it has no other power.
     */
    constructor(ERC20Burnable mycelToken, address admin) {
        if (address(mycelToken) == address(0)) revert SubnetRegistryZeroToken();
        _token = mycelToken;
        _admin = admin;
    }

    function _subnet(uint256 netuid) internal view returns (Subnet storage subnet) {
        subnet = _subnets[netuid];
        if (subnet.owner == address(0)) revert SubnetRegistryUnknownSubnet(netuid);
    }

    /// @dev The parameters in force now: the log's last entry (every subnet has one from creation on).
    function _latestParams(uint256 netuid) internal view returns (SubnetParams storage) {
        ParamsEntry[] storage log = _paramsLog[netuid];
        return log[log.length - 1].params;
    }

    /// @dev The `k`-th uid of a packed prune order.
    function _pruneUid(uint256 order, uint256 k) internal pure returns (uint16) {
        return uint16(order >> (240 - 16 * k));
    }

    /// @dev A permit belongs to the neuron the epoch ranked, not to the slot: it leaves with it.
    function _clearPermit(uint256 netuid, uint16 uid) internal {
        if (_applied[netuid].permitsSet) _permits[netuid][uid >> 8] &= ~(uint256(1) << (uid & 255));
    }

    function _checkCid(string calldata cid, bool optional) internal pure {
        uint256 len = bytes(cid).length;
        if ((len == 0 && !optional) || len > MAX_CID_LENGTH) revert SubnetRegistryInvalidCid(cid);
    }
}
