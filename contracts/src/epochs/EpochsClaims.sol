// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {YumaMath} from "../yuma/YumaMath.sol";
import {EpochMath} from "./EpochMath.sol";
import {EpochsBase} from "./EpochsBase.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/**
 * @title EpochsClaims
 * @notice The claims part of {Epochs}: a final epoch's emission, minted once per share to the subnet owner (18%),
 * the miners by rank (41%) and the validators by dividends (41%, through {Staking-distribute}).
 */
abstract contract EpochsClaims is EpochsBase {
    /**
     * @notice The emission of an epoch, as its header states it (fixed when it was proposed; see {emissionUntil}).
     * The first argument, the subnet, is not needed and kept for callers of earlier versions.
     */
    function emissionOf(uint256, EpochMath.Header calldata h) public pure returns (uint256) {
        return h.emission;
    }

    /**
     * @notice Pays miner `uid` its share of a final epoch's miner emission (41% x rank / rank sum), minted to the
     * hotkey that held the uid at the snapshot.
     * Requirements: the epoch is final; the header and the column leaf match; not claimed before.
     * Emits {EmissionClaimed}.
     */
    function claimMiner(
        uint256 netuid,
        uint256 epoch,
        EpochMath.Header calldata h,
        uint16 uid,
        uint256 rank,
        bytes16 bondsHash,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        _finalRecord(netuid, epoch, h);
        if (!MerkleProof.verifyCalldata(proof, h.columnsRoot, EpochMath.leaf(uid, rank, bondsHash))) {
            revert EpochsBadProof();
        }
        _markClaimed(netuid, epoch, 1, uid);
        if (h.rankSum == 0 || rank == 0) revert EpochsNothingToClaim();
        amount = (emissionOf(netuid, h) * MINERS_BPS / 10_000) * rank / h.rankSum;
        (address hotkey,) = _registry.neuronAt(netuid, uid, h.snapshotBlock);
        emit EmissionClaimed(netuid, epoch, 1, uid, hotkey, amount);
        if (amount > 0) _token.mint(hotkey, amount);
    }

    /**
     * @notice Pays validator number `index` of a final epoch its dividends (41% x its dividend share) through
     * {Staking-distribute}, so its delegate take and its stakers' shares apply.
     * Emits {EmissionClaimed}.
     */
    function claimValidator(
        uint256 netuid,
        uint256 epoch,
        EpochMath.Header calldata h,
        uint256 index,
        bytes calldata inputs,
        bytes calldata dividends
    ) external nonReentrant returns (uint256 amount) {
        _finalRecord(netuid, epoch, h);
        if (keccak256(inputs) != h.inputsHash || keccak256(dividends) != h.dividendsHash) revert EpochsInputsMismatch();
        if (index >= h.validatorCount) revert EpochsNothingToClaim();
        (uint16 uid,,) = EpochMath.input(inputs, index);
        _markClaimed(netuid, epoch, 2, uid);
        amount = YumaMath.mulQ(emissionOf(netuid, h) * VALIDATORS_BPS / 10_000, EpochMath.q(dividends, index));
        if (amount == 0) revert EpochsNothingToClaim();
        (address hotkey,) = _registry.neuronAt(netuid, uid, h.snapshotBlock);
        emit EmissionClaimed(netuid, epoch, 2, uid, hotkey, amount);
        _token.mint(address(this), amount);
        _token.approve(address(_staking), amount);
        _staking.distribute(netuid, hotkey, amount, h.snapshotBlock);
    }

    /// @notice Pays the subnet owner its 18% of a final epoch. Emits {EmissionClaimed}.
    function claimOwner(uint256 netuid, uint256 epoch, EpochMath.Header calldata h)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _finalRecord(netuid, epoch, h);
        _markClaimed(netuid, epoch, 0, 0);
        amount = emissionOf(netuid, h) * OWNER_BPS / 10_000;
        address owner = _registry.getSubnet(netuid).owner;
        emit EmissionClaimed(netuid, epoch, 0, 0, owner, amount);
        if (amount > 0) _token.mint(owner, amount);
    }

    function isClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid) public view returns (bool) {
        uint256 key = uint256(role) * 65_536 + uid;
        return (_claimed[netuid][epoch][key >> 8] >> (key & 255)) & 1 == 1;
    }

    function _finalRecord(uint256 netuid, uint256 epoch, EpochMath.Header calldata h) private view {
        if (epoch >= _progress[netuid].nextEpoch) revert EpochsNotFinal(netuid, epoch);
        if (EpochMath.headerHash(h) != _headers[netuid][epoch]) revert EpochsHeaderMismatch();
    }

    function _markClaimed(uint256 netuid, uint256 epoch, uint8 role, uint256 uid) private {
        if (isClaimed(netuid, epoch, role, uid)) revert EpochsAlreadyClaimed(netuid, epoch, role, uid);
        uint256 key = uint256(role) * 65_536 + uid;
        _claimed[netuid][epoch][key >> 8] |= 1 << (key & 255);
    }
}
