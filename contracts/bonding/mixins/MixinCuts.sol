// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BondingManagerStorage} from "../BondingManagerStorage.sol";
import {IBondingManager} from "../../interfaces/IBondingManager.sol";

/// @title MixinCuts
/// @notice rewardCut / feeShare with the delegator-squeezing defence: a change that is worse for delegators (a
///         higher rewardCut or a lower feeShare) is announced and takes effect only `cutNoticePeriodRounds` later,
///         so delegators can leave first. A change that is no worse takes effect at once.
abstract contract MixinCuts is BondingManagerStorage {
    /// @notice Sets the caller's rewardCut (share of LPT rewards it keeps) and feeShare (share of ETH fees passed to
    ///         delegators), both in ppm. The caller must be bonded to itself.
    function transcoder(uint256 rewardCutPpm, uint256 feeSharePpm) external currentRoundInitialized {
        if (!_isRegistered(msg.sender)) revert NotRegisteredOrchestrator(msg.sender);
        if (rewardCutPpm > PPM) revert InvalidPpm(rewardCutPpm);
        if (feeSharePpm > PPM) revert InvalidPpm(feeSharePpm);
        Orchestrator storage o = _orchestrators[msg.sender];
        _applyPendingCuts(msg.sender);

        bool worseForDelegators = rewardCutPpm > o.rewardCutPpm || feeSharePpm < o.feeSharePpm;
        // Unset cuts read as (0%, 0%) to delegators: the first setting is free only while no one else is bonded to the
        // orchestrator, or a delegator that bonded to a 0% rewardCut could be squeezed at once.
        Delegator storage self = _delegators[msg.sender];
        bool hasDelegators = o.delegatedAmount > uint256(self.bondedAmount) + self.pendingAmount;
        // With no notice period a worse change is due at once; announcing it would also store effectiveRound 0 in
        // round 0, which means "no pending change", and lose it.
        if ((o.cutsSet || hasDelegators) && worseForDelegators && cutNoticePeriodRounds > 0) {
            uint256 effectiveRound = _currentRound() + cutNoticePeriodRounds;
            o.pendingRewardCutPpm = uint32(rewardCutPpm);
            o.pendingFeeSharePpm = uint32(feeSharePpm);
            o.pendingCutsEffectiveRound = uint48(effectiveRound);
            o.cutsSet = true;
            emit CutChangeAnnounced(msg.sender, rewardCutPpm, feeSharePpm, effectiveRound);
            return;
        }
        if (o.pendingCutsEffectiveRound != 0) {
            o.pendingCutsEffectiveRound = 0;
            emit CutChangeCancelled(msg.sender);
        }
        o.rewardCutPpm = uint32(rewardCutPpm);
        o.feeSharePpm = uint32(feeSharePpm);
        o.cutsSet = true;
        emit TranscoderUpdate(msg.sender, rewardCutPpm, feeSharePpm);
    }

    /// @notice Applies `transcoder`'s announced cut change once its round has come. Anyone may call; it also
    ///         happens by itself on the orchestrator's next reward, fee or cut change.
    function applyPendingCuts(address transcoder_) external {
        _applyPendingCuts(transcoder_);
    }

    /// @inheritdoc IBondingManager
    function transcoderCuts(address transcoder_) public view returns (uint256 rewardCutPpm, uint256 feeSharePpm) {
        Orchestrator storage o = _orchestrators[transcoder_];
        if (_pendingCutsDue(o)) return (o.pendingRewardCutPpm, o.pendingFeeSharePpm);
        return (o.rewardCutPpm, o.feeSharePpm);
    }

    /// @notice The announced cut change not yet in force (effectiveRound 0 when there is none).
    function pendingCuts(address transcoder_)
        external
        view
        returns (uint256 rewardCutPpm, uint256 feeSharePpm, uint256 effectiveRound)
    {
        Orchestrator storage o = _orchestrators[transcoder_];
        if (o.pendingCutsEffectiveRound == 0 || _pendingCutsDue(o)) return (0, 0, 0);
        return (o.pendingRewardCutPpm, o.pendingFeeSharePpm, o.pendingCutsEffectiveRound);
    }

    function _applyPendingCuts(address transcoder_) internal {
        Orchestrator storage o = _orchestrators[transcoder_];
        if (!_pendingCutsDue(o)) return;
        uint256 effectiveRound = o.pendingCutsEffectiveRound;
        o.rewardCutPpm = o.pendingRewardCutPpm;
        o.feeSharePpm = o.pendingFeeSharePpm;
        o.pendingCutsEffectiveRound = 0;
        emit CutChangeTookEffect(transcoder_, o.rewardCutPpm, o.feeSharePpm, effectiveRound);
    }

    function _pendingCutsDue(Orchestrator storage o) private view returns (bool) {
        return o.pendingCutsEffectiveRound != 0 && _currentRound() >= o.pendingCutsEffectiveRound;
    }
}
