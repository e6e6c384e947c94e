// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BondingManagerStorage} from "../BondingManagerStorage.sol";
import {IBondingManager} from "../../interfaces/IBondingManager.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title MixinActiveSet
/// @notice The open active set (Streamflow option 2): every registered orchestrator whose stake is at least
///         `minActiveStake` is active, with no cap on the set's size. Membership and stake take effect from the next
///         round; the next-round totals are kept incrementally and become current at round initialization, so no
///         operation loops over orchestrators.
abstract contract MixinActiveSet is BondingManagerStorage {
    /// @inheritdoc IBondingManager
    function setCurrentRoundTotalActiveStake() external {
        if (msg.sender != address(roundsManager)) revert OnlyRoundsManager(msg.sender);
        currentRoundTotalActiveStake = nextRoundTotalActiveStake;
        currentRoundActiveCount = nextRoundActiveCount;
    }

    /// @notice Re-evaluates `transcoder`'s membership, e.g. after governance changed minActiveStake. Anyone may call.
    function refreshActivation(address transcoder) external currentRoundInitialized {
        _setDelegatedAmount(transcoder, _orchestrators[transcoder].delegatedAmount);
    }

    /// @inheritdoc IBondingManager
    function isActiveTranscoder(address transcoder) public view returns (bool) {
        Orchestrator storage o = _orchestrators[transcoder];
        return o.lastStakeUpdateRound < _currentRound() ? o.activeNow : o.roundStartActive;
    }

    /// @inheritdoc IBondingManager
    function getTranscoderPoolSize() external view returns (uint256) {
        return currentRoundActiveCount;
    }

    /// @notice `transcoder`'s total stake at the start of the current round (what its reward is computed from).
    function transcoderStakeAtRoundStart(address transcoder) public view returns (uint256) {
        Orchestrator storage o = _orchestrators[transcoder];
        return o.lastStakeUpdateRound < _currentRound() ? o.delegatedAmount : o.roundStartStake;
    }

    /// @dev The one place delegatedAmount changes: snapshots the round-start values on the first change in a round,
    ///      then moves the orchestrator in or out of the next round's active set and totals.
    function _setDelegatedAmount(address transcoder, uint256 newAmount) internal {
        if (transcoder == address(0)) return;
        Orchestrator storage o = _orchestrators[transcoder];
        uint256 round = _currentRound();
        if (o.lastStakeUpdateRound < round) {
            o.roundStartStake = o.delegatedAmount;
            o.roundStartActive = o.activeNow;
            o.lastStakeUpdateRound = uint48(round);
        }
        bool wasActive = o.activeNow;
        // Every change to an orchestrator's own bond passes through here, so this keeps the cached flag exact.
        bool registered = _isRegistered(transcoder);
        if (o.registered != registered) o.registered = registered;
        bool nowActive = newAmount >= minActiveStake && registered;
        if (wasActive) nextRoundTotalActiveStake -= o.delegatedAmount;
        if (nowActive) nextRoundTotalActiveStake += newAmount;
        if (wasActive != nowActive) {
            o.activeNow = nowActive;
            if (nowActive) {
                nextRoundActiveCount += 1;
                emit TranscoderActivated(transcoder, round + 1);
            } else {
                nextRoundActiveCount -= 1;
                emit TranscoderDeactivated(transcoder, round + 1);
            }
        }
        o.delegatedAmount = SafeCast.toUint128(newAmount);
    }
}
