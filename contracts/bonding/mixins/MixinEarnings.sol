// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MixinActiveSet} from "./MixinActiveSet.sol";
import {MixinCuts} from "./MixinCuts.sol";
import {IBondingManager} from "../../interfaces/IBondingManager.sol";

/// @title MixinEarnings
/// @notice LPT rewards and ETH fees, split between an orchestrator and its delegators by rewardCut/feeShare, with
///         cumulative factors (as Livepeer's LIP-36): a reward multiplies every earning delegator's stake by the same
///         factor, a fee adds the same amount per unit of stake, so a claim reads two factors and never loops.
/// @dev Only stake present since the start of a round earns in it. Stake added in round R is pending: it joins the
///      earning stake at the factors of the end of R, which are checkpointed when the factors next change.
abstract contract MixinEarnings is MixinActiveSet, MixinCuts {
    /// @notice Mints the caller's share of this round's inflation and distributes it. Once per round per active
    ///         orchestrator. The share is for the stake that was bonded to it at the round's start and is still
    ///         there, over the round's total active stake; only that stake shares the reward.
    function reward() external currentRoundInitialized {
        uint256 round = _currentRound();
        Orchestrator storage o = _orchestrators[msg.sender];
        if (!_isRegistered(msg.sender)) revert NotRegisteredOrchestrator(msg.sender);
        if (o.lastRewardRound == round) revert RewardAlreadyCalled(msg.sender, round);
        if (!isActiveTranscoder(msg.sender)) revert NotActiveOrchestrator(msg.sender, round);
        _applyPendingCuts(msg.sender);
        o.lastRewardRound = uint48(round);

        // Stake that left during the round forfeits its share: it is not minted at all, not handed to those who stayed.
        uint256 earningStake = _min(_earningStake(o, round), transcoderStakeAtRoundStart(msg.sender));
        uint256 rewardAmount = minter.createReward(earningStake, currentRoundTotalActiveStake);
        uint256 orchestratorCut = (rewardAmount * o.rewardCutPpm) / PPM;
        if (earningStake > 0) {
            _closeCheckpoint(msg.sender, o, round);
            uint256 factor = _rewardFactor(o);
            o.cumulativeRewardFactor = factor + (factor * (rewardAmount - orchestratorCut)) / earningStake;
        }
        // Bring the orchestrator's own position up to the new factor, then add its cut on top.
        _claimEarnings(msg.sender);
        Delegator storage self = _delegators[msg.sender];
        self.bondedAmount += SafeCast.toUint128(orchestratorCut);
        _totalBonded += rewardAmount;
        _setDelegatedAmount(msg.sender, o.delegatedAmount + rewardAmount);
        emit Reward(msg.sender, rewardAmount, round);
    }

    /// @inheritdoc IBondingManager
    function updateTranscoderWithFees(address transcoder_, uint256 fees, uint256 round) external {
        if (msg.sender != ticketBroker) revert OnlyTicketBroker(msg.sender);
        Orchestrator storage o = _orchestrators[transcoder_];
        if (!o.registered) revert NotRegisteredOrchestrator(transcoder_);
        _applyPendingCuts(transcoder_);
        uint256 earningStake = _earningStake(o, round);
        // Stake no delegator owns (rounding dust left in the total once its delegators left or all its stake is
        // pending this round) must not take the delegators' share, or that share is credited to no one and stays in
        // the Minter for ever; the orchestrator keeps the whole fee instead.
        uint256 delegatorsFees = earningStake <= EARNING_STAKE_DUST_WEI ? 0 : (fees * o.feeSharePpm) / PPM;
        if (delegatorsFees > 0) {
            _closeCheckpoint(transcoder_, o, round);
            o.cumulativeFeeFactor += (delegatorsFees * _rewardFactor(o)) / earningStake;
        }
        // The orchestrator's commission is a plain credit: it does not depend on stake, so no claim is needed.
        _delegators[transcoder_].fees += SafeCast.toUint128(fees - delegatorsFees);
        emit TranscoderFees(transcoder_, fees, delegatorsFees, round);
    }

    /// @notice Withdraws `amount` wei of the caller's ETH fees (claimed and pending) to `recipient`.
    function withdrawFees(address payable recipient, uint256 amount) external {
        if (recipient == address(0)) revert ZeroAddress();
        _claimEarnings(msg.sender);
        Delegator storage d = _delegators[msg.sender];
        if (amount > d.fees) revert InsufficientFees(d.fees, amount);
        d.fees -= uint128(amount);
        emit WithdrawFees(msg.sender, recipient, amount);
        minter.trustedWithdrawETH(recipient, amount);
    }

    /// @notice Moves the caller's pending rewards and fees into its bonded stake and fee balance.
    function claimEarnings() external {
        _claimEarnings(msg.sender);
    }

    /// @notice `delegator`'s stake including rewards not yet claimed and stake bonded this round.
    function pendingStake(address delegator) public view returns (uint256 stake) {
        (stake,) = _pendingEarnings(_delegators[delegator]);
    }

    /// @notice `delegator`'s ETH fees including those not yet claimed.
    function pendingFees(address delegator) public view returns (uint256 fees) {
        (, fees) = _pendingEarnings(_delegators[delegator]);
    }

    /// @notice Stake `delegator` bonded during `round` that starts earning in the round after (0 when none).
    function getDelegatorPendingBond(address delegator) external view returns (uint256 amount, uint256 round) {
        Delegator storage d = _delegators[delegator];
        return (d.pendingAmount, d.pendingRound);
    }

    /// @dev Settles a delegator's earnings since its last claim at its delegate's current factors; a pending bond
    ///      from an earlier round joins the earning stake.
    function _claimEarnings(address delegator) internal {
        Delegator storage d = _delegators[delegator];
        if (d.delegateAddress == address(0)) return;
        (uint256 stake, uint256 fees) = _pendingEarnings(d);
        uint256 stakeBefore = uint256(d.bondedAmount) + d.pendingAmount;
        if (stake != stakeBefore || fees != d.fees) {
            emit EarningsClaimed(d.delegateAddress, delegator, stake - stakeBefore, fees - d.fees);
        }
        if (d.pendingAmount > 0 && d.pendingRound < _currentRound()) {
            d.bondedAmount = SafeCast.toUint128(stake); // the matured pending bond joins the earning stake
            d.pendingAmount = 0;
        } else {
            d.bondedAmount = SafeCast.toUint128(stake - d.pendingAmount);
        }
        d.fees = SafeCast.toUint128(fees);
        _snapshotFactors(d, _orchestrators[d.delegateAddress]);
    }

    /// @dev Adds `amount` of `d`'s stake to `transcoder_` as pending for the current round.
    function _addPendingStake(address transcoder_, Delegator storage d, uint256 amount) internal {
        Orchestrator storage o = _orchestrators[transcoder_];
        uint256 round = _currentRound();
        // Pending bonds need the factors at the end of this round: close an earlier checkpoint, open this one.
        _closeCheckpoint(transcoder_, o, round);
        o.openCheckpointRoundPlusOne = uint48(round + 1);
        if (o.pendingStakeRound != round) {
            o.pendingStakeRound = uint48(round);
            o.pendingStake = 0;
        }
        o.pendingStake += SafeCast.toUint128(amount);
        d.pendingAmount += SafeCast.toUint128(amount);
        d.pendingRound = uint48(round);
        _setDelegatedAmount(transcoder_, o.delegatedAmount + amount);
    }

    /// @dev Takes `amount` of `d`'s stake away from `delegate`, pending stake first (it has not earned yet).
    ///      Call after _claimEarnings, which leaves only current-round stake pending. `d.delegateAddress` may already
    ///      be cleared or changed, so that the delegate's registration is re-evaluated correctly.
    function _removeStakeFrom(address delegate, Delegator storage d, uint256 amount) internal {
        Orchestrator storage o = _orchestrators[delegate];
        uint256 fromPending = _min(amount, d.pendingAmount);
        if (fromPending > 0) {
            d.pendingAmount -= uint128(fromPending);
            o.pendingStake -= uint128(fromPending);
        }
        d.bondedAmount -= SafeCast.toUint128(amount - fromPending);
        _setDelegatedAmount(delegate, o.delegatedAmount - amount);
    }

    /// @dev Before `o`'s factors change in `round`, records the factors at the end of an earlier round in which
    ///      stake was added: nothing changed them since, so the current values are that round's end values.
    function _closeCheckpoint(address transcoder_, Orchestrator storage o, uint256 round) internal {
        uint256 openPlusOne = o.openCheckpointRoundPlusOne;
        if (openPlusOne != 0 && openPlusOne - 1 < round) {
            _endOfRoundFactors[transcoder_][openPlusOne - 1] = Factors(_rewardFactor(o), o.cumulativeFeeFactor);
            o.openCheckpointRoundPlusOne = 0;
        }
    }

    function _snapshotFactors(Delegator storage d, Orchestrator storage o) internal {
        d.lastClaimRewardFactor = _rewardFactor(o);
        d.lastClaimFeeFactor = o.cumulativeFeeFactor;
    }

    /// @dev Stake (earning + pending) and fees of `d` at its delegate's current factors.
    function _pendingEarnings(Delegator storage d) internal view returns (uint256 stake, uint256 fees) {
        stake = d.bondedAmount;
        fees = d.fees;
        address delegate = d.delegateAddress;
        if (delegate == address(0)) return (stake + d.pendingAmount, fees);
        Orchestrator storage o = _orchestrators[delegate];
        uint256 rewardFactorNow = _rewardFactor(o);
        if (stake > 0) {
            uint256 lastFactor = d.lastClaimRewardFactor == 0 ? FACTOR_PRECISION : d.lastClaimRewardFactor;
            fees += (stake * (o.cumulativeFeeFactor - d.lastClaimFeeFactor)) / lastFactor;
            stake = (stake * rewardFactorNow) / lastFactor;
        }
        uint256 pending = d.pendingAmount;
        if (pending == 0) return (stake, fees);
        if (d.pendingRound < _currentRound()) {
            Factors memory start = _factorsAtEndOf(delegate, o, d.pendingRound);
            fees += (pending * (o.cumulativeFeeFactor - start.feeFactor)) / start.rewardFactor;
            pending = (pending * rewardFactorNow) / start.rewardFactor;
        }
        stake += pending;
    }

    /// @dev The factors at the end of `round`, a round in which stake was added to `o`: recorded when the factors
    ///      next changed, or still the current ones if they have not changed since.
    function _factorsAtEndOf(address transcoder_, Orchestrator storage o, uint256 round)
        internal
        view
        returns (Factors memory f)
    {
        f = _endOfRoundFactors[transcoder_][round];
        if (f.rewardFactor == 0) f = Factors(_rewardFactor(o), o.cumulativeFeeFactor);
    }

    /// @dev The reward factor starts at 1.0; stored as 0 until the first reward so that bonding stays cheap.
    function _rewardFactor(Orchestrator storage o) internal view returns (uint256) {
        uint256 f = o.cumulativeRewardFactor;
        return f == 0 ? FACTOR_PRECISION : f;
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
