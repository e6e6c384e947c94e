// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BondingManagerStorage} from "../BondingManagerStorage.sol";
import {MixinActiveSet} from "./MixinActiveSet.sol";
import {MixinCuts} from "./MixinCuts.sol";
import {IBondingManager} from "../../interfaces/IBondingManager.sol";

/// @title MixinEarnings
/// @notice LPT rewards and ETH fees, split between an orchestrator and its delegators by rewardCut/feeShare, with
///         cumulative factors (as Livepeer's LIP-36): a reward multiplies every delegator's stake by the same factor,
///         a fee adds the same amount per unit of stake, so a claim reads two factors and never loops over rounds.
abstract contract MixinEarnings is MixinActiveSet, MixinCuts {
    /// @notice Mints the caller's share of this round's inflation and distributes it. Once per round per active
    ///         orchestrator; the share is its stake at the round's start over the round's total active stake.
    function reward() external currentRoundInitialized {
        uint256 round = _currentRound();
        Orchestrator storage o = _orchestrators[msg.sender];
        if (!_isRegistered(msg.sender)) revert NotRegisteredOrchestrator(msg.sender);
        if (o.lastRewardRound == round) revert RewardAlreadyCalled(msg.sender, round);
        if (!isActiveTranscoder(msg.sender)) revert NotActiveOrchestrator(msg.sender, round);
        _applyPendingCuts(msg.sender);
        o.lastRewardRound = uint64(round);

        uint256 rewardAmount = minter.createReward(transcoderStakeAtRoundStart(msg.sender), currentRoundTotalActiveStake);
        uint256 orchestratorCut = (rewardAmount * o.rewardCutPpm) / PPM;
        uint256 totalStake = o.delegatedAmount;
        uint256 factor = _rewardFactor(o);
        // totalStake > 0: the caller is registered, so its own bond is part of it.
        o.cumulativeRewardFactor = factor + (factor * (rewardAmount - orchestratorCut)) / totalStake;
        // Bring the orchestrator's own position up to the new factor, then add its cut on top.
        _claimEarnings(msg.sender);
        _delegators[msg.sender].bondedAmount += orchestratorCut;
        _totalBonded += rewardAmount;
        _setDelegatedAmount(msg.sender, totalStake + rewardAmount);
        emit Reward(msg.sender, rewardAmount, round);
    }

    /// @inheritdoc IBondingManager
    function updateTranscoderWithFees(address transcoder_, uint256 fees, uint256 round) external {
        if (msg.sender != ticketBroker) revert OnlyTicketBroker(msg.sender);
        if (!_isRegistered(transcoder_)) revert NotRegisteredOrchestrator(transcoder_);
        _applyPendingCuts(transcoder_);
        Orchestrator storage o = _orchestrators[transcoder_];
        uint256 delegatorsFees = (fees * o.feeSharePpm) / PPM;
        o.cumulativeFeeFactor += (delegatorsFees * _rewardFactor(o)) / o.delegatedAmount;
        // The orchestrator's commission is a plain credit: it does not depend on stake, so no claim is needed.
        _delegators[transcoder_].fees += fees - delegatorsFees;
        emit TranscoderFees(transcoder_, fees, delegatorsFees, round);
    }

    /// @notice Withdraws `amount` wei of the caller's ETH fees (claimed and pending) to `recipient`.
    function withdrawFees(address payable recipient, uint256 amount) external {
        if (recipient == address(0)) revert ZeroAddress();
        _claimEarnings(msg.sender);
        Delegator storage d = _delegators[msg.sender];
        if (amount > d.fees) revert InsufficientFees(d.fees, amount);
        d.fees -= amount;
        emit WithdrawFees(msg.sender, recipient, amount);
        minter.trustedWithdrawETH(recipient, amount);
    }

    /// @notice Moves the caller's pending rewards and fees into its bonded stake and fee balance.
    function claimEarnings() external {
        _claimEarnings(msg.sender);
    }

    /// @notice `delegator`'s stake including rewards not yet claimed.
    function pendingStake(address delegator) public view returns (uint256 stake) {
        (stake,) = _pendingEarnings(_delegators[delegator]);
    }

    /// @notice `delegator`'s ETH fees including those not yet claimed.
    function pendingFees(address delegator) public view returns (uint256 fees) {
        (, fees) = _pendingEarnings(_delegators[delegator]);
    }

    /// @dev Settles a delegator's earnings since its last claim at its delegate's current factors.
    function _claimEarnings(address delegator) internal {
        Delegator storage d = _delegators[delegator];
        if (d.delegateAddress == address(0)) return;
        (uint256 stake, uint256 fees) = _pendingEarnings(d);
        Orchestrator storage o = _orchestrators[d.delegateAddress];
        if (stake != d.bondedAmount || fees != d.fees) {
            emit EarningsClaimed(d.delegateAddress, delegator, stake - d.bondedAmount, fees - d.fees);
            d.bondedAmount = stake;
            d.fees = fees;
        }
        _snapshotFactors(d, o);
    }

    function _snapshotFactors(Delegator storage d, Orchestrator storage o) internal {
        d.lastClaimRewardFactor = _rewardFactor(o);
        d.lastClaimFeeFactor = o.cumulativeFeeFactor;
    }

    function _pendingEarnings(Delegator storage d) internal view returns (uint256 stake, uint256 fees) {
        stake = d.bondedAmount;
        fees = d.fees;
        if (d.delegateAddress == address(0) || stake == 0) return (stake, fees);
        Orchestrator storage o = _orchestrators[d.delegateAddress];
        uint256 lastFactor = d.lastClaimRewardFactor == 0 ? FACTOR_PRECISION : d.lastClaimRewardFactor;
        fees += (stake * (o.cumulativeFeeFactor - d.lastClaimFeeFactor)) / lastFactor;
        stake = (stake * _rewardFactor(o)) / lastFactor;
    }

    /// @dev The reward factor starts at 1.0; stored as 0 until the first reward so that bonding stays cheap.
    function _rewardFactor(Orchestrator storage o) internal view returns (uint256) {
        uint256 f = o.cumulativeRewardFactor;
        return f == 0 ? FACTOR_PRECISION : f;
    }
}
