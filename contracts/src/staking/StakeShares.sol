// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/**
 * @title StakeShares
 * @notice How much of the network's stake each subnet held, integrated over blocks: the measure that subnet emission
 * is paid by. Emission is `emissionPerBlock` per block for the whole network; a subnet earns, for every block, its
 * stake over all stake at that block. Reading stake at one snapshot block instead (as mycel first did) let stake that
 * existed for one block count for a whole epoch, and let subnets' shares sum past one.
 *
 * The network keeps an index `I(b) = sum over blocks x < b of PRECISION / totalStake(x)`, and each subnet a running
 * `shareBlocks(b) = sum over blocks x < b of subnetStake(x) * PRECISION / totalStake(x)`, both updated only when stake
 * changes (like a staking-reward index): between two changes a subnet accrues `stake * (I(b) - I(change))`. Both are
 * checkpointed by block, so {shareBlocksAt} answers for any past block. A block counts the stake it ended with: stake
 * added and removed within one block (a flash loan) counts for nothing, stake held across one block end counts for
 * that one block.
 *
 * No emission beyond the schedule, by construction: `I` rounds down, and over any block range the subnets' stakes sum
 * to the total stake at every block, so the subnets' shareBlocks grow by at most `PRECISION` per block in all.
 */
library StakeShares {
    /// @notice One whole block of all the network's stake.
    uint256 internal constant PRECISION = 2 ** 128;

    /// @dev From `fromBlock` on, the network holds `total`; `index` is I(fromBlock).
    struct NetworkPoint {
        uint48 fromBlock;
        uint208 total;
        uint256 index;
    }

    /// @dev From `fromBlock` on, the subnet holds `stake`; `index` is I(fromBlock); `shareBlocks` is its integral up
    /// to `fromBlock`.
    struct SubnetPoint {
        uint48 fromBlock;
        uint208 stake;
        uint256 index;
        uint256 shareBlocks;
    }

    struct Network {
        NetworkPoint[] points;
    }

    struct Subnet {
        SubnetPoint[] points;
    }

    /// @dev Records that `delta` was added to (or removed from) `subnet` and the network in this block.
    function move(Network storage network, Subnet storage subnet, uint256 delta, bool added) internal {
        uint48 nowBlock = SafeCast.toUint48(block.number);
        (uint256 total, uint256 index) = _networkNow(network, nowBlock);
        uint256 newTotal = added ? total + delta : total - delta;
        _pushNetwork(network, NetworkPoint(nowBlock, SafeCast.toUint208(newTotal), index));

        SubnetPoint[] storage points = subnet.points;
        uint256 length = points.length;
        uint256 stake;
        uint256 shareBlocks;
        if (length > 0) {
            SubnetPoint storage last = points[length - 1];
            stake = last.stake;
            shareBlocks = last.shareBlocks + stake * (index - last.index);
            if (last.fromBlock == nowBlock) {
                // A later change in the same block: the block ends with it.
                last.stake = SafeCast.toUint208(added ? stake + delta : stake - delta);
                return;
            }
        }
        points.push(SubnetPoint(nowBlock, SafeCast.toUint208(added ? stake + delta : stake - delta), index, shareBlocks));
    }

    /// @notice All stake at the end of block `blockNumber`.
    function totalAt(Network storage network, uint256 blockNumber) internal view returns (uint256) {
        (bool found, uint256 k) = _findNetwork(network.points, blockNumber);
        return found ? network.points[k].total : 0;
    }

    /// @notice The subnet's stake at the end of block `blockNumber`.
    function stakeAt(Subnet storage subnet, uint256 blockNumber) internal view returns (uint256) {
        (bool found, uint256 k) = _findSubnet(subnet.points, blockNumber);
        return found ? subnet.points[k].stake : 0;
    }

    /// @notice The subnet's stake share integrated over blocks `< blockNumber`, in units of `PRECISION` per block.
    function shareBlocksAt(Network storage network, Subnet storage subnet, uint256 blockNumber)
        internal
        view
        returns (uint256)
    {
        (bool found, uint256 k) = _findSubnet(subnet.points, blockNumber);
        if (!found) return 0;
        SubnetPoint storage point = subnet.points[k];
        return point.shareBlocks + point.stake * (indexAt(network, blockNumber) - point.index);
    }

    /// @notice I(blockNumber).
    function indexAt(Network storage network, uint256 blockNumber) internal view returns (uint256) {
        (bool found, uint256 k) = _findNetwork(network.points, blockNumber);
        if (!found) return 0;
        NetworkPoint storage point = network.points[k];
        return _advance(point.index, point.total, blockNumber - point.fromBlock);
    }

    /// @dev The network total now and I(now), before this block's change.
    function _networkNow(Network storage network, uint48 nowBlock) private view returns (uint256 total, uint256 index) {
        uint256 length = network.points.length;
        if (length == 0) return (0, 0);
        NetworkPoint storage last = network.points[length - 1];
        return (last.total, _advance(last.index, last.total, nowBlock - last.fromBlock));
    }

    function _pushNetwork(Network storage network, NetworkPoint memory point) private {
        NetworkPoint[] storage points = network.points;
        uint256 length = points.length;
        if (length > 0 && points[length - 1].fromBlock == point.fromBlock) points[length - 1].total = point.total;
        else points.push(point);
    }

    /// @dev The index after `blocks` blocks at `total` (no stake: nobody accrues, the index stands still).
    function _advance(uint256 index, uint256 total, uint256 blocks) private pure returns (uint256) {
        return total == 0 ? index : index + Math.mulDiv(blocks, PRECISION, total);
    }

    /// @dev The last point with `fromBlock <= blockNumber`.
    function _findNetwork(NetworkPoint[] storage points, uint256 blockNumber) private view returns (bool, uint256) {
        uint256 low;
        uint256 high = points.length;
        // Most reads are of recent blocks: try the last point first.
        if (high > 0 && points[high - 1].fromBlock <= blockNumber) return (true, high - 1);
        while (low < high) {
            uint256 mid = Math.average(low, high);
            if (points[mid].fromBlock > blockNumber) high = mid;
            else low = mid + 1;
        }
        return low == 0 ? (false, 0) : (true, low - 1);
    }

    /// @dev The last point with `fromBlock <= blockNumber`.
    function _findSubnet(SubnetPoint[] storage points, uint256 blockNumber) private view returns (bool, uint256) {
        uint256 low;
        uint256 high = points.length;
        if (high > 0 && points[high - 1].fromBlock <= blockNumber) return (true, high - 1);
        while (low < high) {
            uint256 mid = Math.average(low, high);
            if (points[mid].fromBlock > blockNumber) high = mid;
            else low = mid + 1;
        }
        return low == 0 ? (false, 0) : (true, low - 1);
    }
}
