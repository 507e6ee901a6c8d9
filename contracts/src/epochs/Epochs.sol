// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStaking} from "../interfaces/IStaking.sol";
import {ISubnetRegistry} from "../interfaces/ISubnetRegistry.sol";
import {MycelToken} from "../token/MycelToken.sol";
import {EpochReferee} from "./EpochReferee.sol";
import {EpochsBase} from "./EpochsBase.sol";
import {EpochsClaims} from "./EpochsClaims.sol";
import {EpochsDisputes} from "./EpochsDisputes.sol";
import {EpochsProposals} from "./EpochsProposals.sol";

/**
 * @title Epochs
 * @notice Optimistic settlement of Yuma epochs that nobody has to trust. Every tempo of a subnet, any node that has
 * deposited a bond proposes the epoch's result in calldata: the validators with their stakes and row sums, every
 * miner's rank and new bonds hash, the Merkle root over those columns, the dividends and the prune order. Only the
 * hash of the proposal's header is stored. During the challenge window anyone can dispute one part; the referee
 * recomputes just that part from the chain's own records (who held each uid, stake checkpoints, revealed weights) with
 * the same fixed-point arithmetic as the SDK, and a wrong proposal loses its bond: a tenth to the challenger, the rest
 * burned (so a proposer disputing its own wrong proposal recovers little). After the window the epoch is final.
 *
 * Emission: the network mints `emissionPerBlock` per block, shared by the subnets by their stake at every block
 * ({StakeShares}); an epoch pays what its subnet accrued between the previous snapshot and its own, fixed when it is
 * proposed. It is split owner 18% / miners 41% by incentive / validators 41% by dividends (paid to the stake that
 * backed each validator at the snapshot), and each share is claimed (minted) once. docs/epochs.md has the protocol.
 *
 * The contract is assembled from parts by concern: {EpochsProposals} (bonds, propose, finalize, views),
 * {EpochsDisputes} and {EpochsClaims}, over {EpochsBase}, which holds all storage; the types, events and errors are
 * {IEpochs}'s.
 */
contract Epochs is EpochsProposals, EpochsDisputes, EpochsClaims {
    constructor(
        MycelToken token,
        ISubnetRegistry subnetRegistry,
        IStaking staking,
        EpochReferee referee,
        uint256 emissionPerBlock,
        uint256 proposerBond,
        uint64 challengeBlocks
    ) EpochsBase(token, subnetRegistry, staking, referee, emissionPerBlock, proposerBond, challengeBlocks) {}
}
