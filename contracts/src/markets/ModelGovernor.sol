// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/**
 * @title ModelGovernor
 * @notice The governance of one fractionalized model: the holders of its {RoyaltyVault} shares propose, vote
 * (for / against / abstain, quorum = a fraction of the share supply at the proposal's snapshot) and, through the
 * model's {ModelGovernorTimelock} (which owns the model NFT and so its terms and price), execute. Plain OpenZeppelin
 * Governor modules; only the parameters are the model's.
 *
 * Units follow the share token's clock, which is timestamps (seconds): `votingDelay` and `votingPeriod` are seconds.
 * Devnet: delay 1 s, period 300 s, timelock 60 s. Production suggestion: delay 1 day (86,400 s), period 7 days
 * (604,800 s), timelock 2 days, quorum 4 %, proposal threshold 1 % of the supply.
 *
 * One change to OpenZeppelin's behaviour: a proposer cannot cancel its own pending proposal. A proposal's id is the
 * hash of its actions and description, not of its proposer, so anyone above the threshold who sees a proposal in the
 * mempool can propose the identical one first (the original then reverts) and, as its proposer, cancel it before
 * the vote: a 1 % holder could so keep any proposal from ever being voted on. Without the cancel, the copy goes to
 * the vote exactly as the original would have. A proposal that should not pass is voted down.
 */
contract ModelGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /**
     * @param name_ The governor's name (EIP-712 domain of signed votes), e.g. "digits governor".
     * @param shares The model's RoyaltyVault (ERC-5805 votes, timestamp clock).
     * @param timelock The model's timelock, which executes what passes.
     * @param votingDelay_ Seconds between a proposal and its vote snapshot.
     * @param votingPeriod_ Seconds the vote lasts.
     * @param proposalThreshold_ Votes (share units) needed to propose.
     * @param quorumNumerator_ Quorum in percent of the share supply at the snapshot.
     */
    constructor(
        string memory name_,
        IVotes shares,
        TimelockController timelock,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumNumerator_
    )
        Governor(name_)
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(shares)
        GovernorVotesQuorumFraction(quorumNumerator_)
        GovernorTimelockControl(timelock)
    {}

    // The overrides below only resolve Solidity's multiple inheritance; each calls the OpenZeppelin chain.

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }

    /// @dev No caller may cancel a proposal through {cancel} (see the contract's header: front-run-and-cancel).
    function _validateCancel(uint256, address) internal pure override returns (bool) {
        return false;
    }
}
