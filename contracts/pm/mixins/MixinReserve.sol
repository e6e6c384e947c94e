// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MixinProtocolContracts} from "./MixinProtocolContracts.sol";

/// @title MixinReserve
/// @notice Reserve accounting: the sender's guarantee to orchestrators when its deposit runs short. Each active
///         orchestrator may claim at most an equal share of a reserve per round, so one orchestrator cannot drain a
///         reserve that all of them relied on.
abstract contract MixinReserve is MixinProtocolContracts {
    /// @dev One slot: a claim reads and writes all three together. uint96 holds 7.9e28 wei, far above all ETH.
    struct Reserve {
        uint96 funds; // wei still in the reserve
        uint96 claimedInRound; // wei claimed during `claimRound`
        uint64 claimRound; // the round `claimedInRound` counts for; when it is not the current round, the count is 0
    }

    mapping(address reserveHolder => Reserve) internal _reserves;

    /// @dev Keyed by round so that a new round starts every claimant at zero without clearing anything.
    mapping(address reserveHolder => mapping(uint256 round => mapping(address claimant => uint256 claimedWei))) internal
        _claimedByClaimant;

    /// @notice Wei that `claimant` has claimed from `reserveHolder`'s reserve in the current round.
    /// @param reserveHolder The sender whose reserve it is.
    /// @param claimant An orchestrator.
    function claimedReserve(address reserveHolder, address claimant) external view returns (uint256) {
        return _claimedByClaimant[reserveHolder][roundsManager.currentRound()][claimant];
    }

    /// @notice Wei that `claimant` could still claim from `reserveHolder`'s reserve in the current round: its equal
    ///         share of the reserve less what it already claimed; zero unless it is active this round.
    /// @param reserveHolder The sender whose reserve it is.
    /// @param claimant An orchestrator.
    function claimableReserve(address reserveHolder, address claimant) external view returns (uint256) {
        return _claimableReserve(reserveHolder, claimant, roundsManager.currentRound());
    }

    /// @dev The reserve as ITicketBroker reports it, with the round's claimed total reset once the round has passed.
    function _reserveInfo(address reserveHolder, uint256 round) internal view returns (ReserveInfo memory info) {
        Reserve memory reserve = _reserves[reserveHolder];
        info.fundsRemaining = reserve.funds;
        info.claimedInCurrentRound = _claimedInRound(reserve, round);
    }

    /// @dev Lazy per-round reset: a count recorded for an earlier round reads as zero.
    function _claimedInRound(Reserve memory reserve, uint256 round) private pure returns (uint256) {
        return reserve.claimRound == round ? reserve.claimedInRound : 0;
    }

    function _addReserve(address reserveHolder, uint256 amount) internal {
        Reserve storage reserve = _reserves[reserveHolder];
        reserve.funds = SafeCast.toUint96(reserve.funds + amount);
        emit ReserveFunded(reserveHolder, amount);
    }

    /// @dev Empties the reserve for a withdrawal and returns what was in it. The round's claim counts stay, so the
    ///      share rule holds even if a claim and a withdrawal ever shared a round (they cannot today: claims need
    ///      round < withdrawRound, withdraw needs round >= withdrawRound, and unlock() sets it two or more rounds on).
    function _clearReserve(address reserveHolder) internal returns (uint256 funds) {
        Reserve storage reserve = _reserves[reserveHolder];
        funds = reserve.funds;
        reserve.funds = 0;
    }

    function _remainingReserve(address reserveHolder) internal view returns (uint256) {
        return _reserves[reserveHolder].funds;
    }

    /// @dev claimant's share = (funds + claimed this round) / active pool size, less its own claims this round.
    ///      Adding back what was claimed keeps every claimant's share the same whoever claims first.
    function _claimableReserve(address reserveHolder, address claimant, uint256 round) internal view returns (uint256) {
        if (!bondingManager.isActiveTranscoder(claimant)) return 0;
        uint256 poolSize = bondingManager.getTranscoderPoolSize();
        if (poolSize == 0) return 0;
        Reserve memory reserve = _reserves[reserveHolder];
        uint256 share = (uint256(reserve.funds) + _claimedInRound(reserve, round)) / poolSize;
        uint256 claimed = _claimedByClaimant[reserveHolder][round][claimant];
        // While the addresses reporting active match the pool size, claimed <= share <= claimed + funds. Saturate and
        // cap rather than revert if the BondingManager ever disagrees with itself: a ticket then pays less, never more.
        if (share <= claimed) return 0;
        uint256 claimable = share - claimed;
        return claimable < reserve.funds ? claimable : reserve.funds;
    }

    /// @dev Claims up to `amount` wei for `claimant`, capped at its remaining share this round; returns the wei claimed.
    function _claimFromReserve(address reserveHolder, address claimant, uint256 amount, uint256 round)
        internal
        returns (uint256 claimAmount)
    {
        uint256 claimable = _claimableReserve(reserveHolder, claimant, round);
        claimAmount = amount < claimable ? amount : claimable;
        if (claimAmount == 0) return 0;

        Reserve storage reserve = _reserves[reserveHolder];
        uint256 claimedBefore = _claimedInRound(reserve, round);
        // claimAmount <= funds (see _claimableReserve), so the narrowing is exact.
        reserve.funds -= uint96(claimAmount);
        reserve.claimedInRound = SafeCast.toUint96(claimedBefore + claimAmount);
        reserve.claimRound = SafeCast.toUint64(round);
        _claimedByClaimant[reserveHolder][round][claimant] += claimAmount;

        emit ReserveClaimed(reserveHolder, claimant, claimAmount);
    }
}
