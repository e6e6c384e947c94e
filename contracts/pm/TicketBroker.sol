// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {MixinProtocolContracts} from "./mixins/MixinProtocolContracts.sol";
import {MixinWrappers} from "./mixins/MixinWrappers.sol";

/// @title TicketBroker
/// @notice Probabilistic micropayments, ABI-compatible with Livepeer's TicketBroker: senders fund a deposit and a
///         reserve, sign lottery tickets for orchestrators, and orchestrators redeem the winning ones for fees.
/// @dev Assembled from mixins as livepeer/protocol is: MixinReserve (reserve shares), MixinTicketProcessor (what
///      makes a ticket valid), MixinTicketBrokerCore (funding, redemption, unlock), MixinWrappers (batches).
contract TicketBroker is MixinWrappers, Ownable {
    /// @notice The unlock period for unlocks started from now on (also emitted at deployment).
    event UnlockPeriodRoundsUpdated(uint256 unlockPeriodRounds);
    /// @notice The validity period every ticket is checked against from now on (also emitted at deployment).
    event TicketValidityPeriodRoundsUpdated(uint256 ticketValidityPeriodRounds);

    /// @notice The ticket validity period must be at least one round and shorter than the unlock period: otherwise
    ///         a sender could unlock and withdraw while tickets it issued can still be redeemed, and the winners
    ///         would find its funds gone (fee theft).
    error InvalidPeriods(uint256 ticketValidityPeriodRounds, uint256 unlockPeriodRounds);

    /// @param bondingManager_ Credits fees to orchestrators and says who is active.
    /// @param roundsManager_ Protocol time.
    /// @param minter_ Receives redeemed ETH.
    /// @param unlockPeriodRounds_ Rounds from unlock() to withdraw().
    /// @param ticketValidityPeriodRounds_ Rounds a ticket is redeemable from its creation round; below the unlock period.
    constructor(
        IBondingManager bondingManager_,
        IRoundsManager roundsManager_,
        IMinter minter_,
        uint256 unlockPeriodRounds_,
        uint256 ticketValidityPeriodRounds_
    ) MixinProtocolContracts(bondingManager_, roundsManager_, minter_) Ownable(msg.sender) {
        _requireValidPeriods(ticketValidityPeriodRounds_, unlockPeriodRounds_);
        unlockPeriodRounds = unlockPeriodRounds_;
        ticketValidityPeriodRounds = ticketValidityPeriodRounds_;
        emit UnlockPeriodRoundsUpdated(unlockPeriodRounds_);
        emit TicketValidityPeriodRoundsUpdated(ticketValidityPeriodRounds_);
    }

    /// @notice Sets the unlock period for unlocks started from now on. Only the owner.
    /// @param unlockPeriodRounds_ Rounds from unlock() to withdraw(); must exceed ticketValidityPeriodRounds.
    function setUnlockPeriodRounds(uint256 unlockPeriodRounds_) external onlyOwner {
        _requireValidPeriods(ticketValidityPeriodRounds, unlockPeriodRounds_);
        unlockPeriodRounds = unlockPeriodRounds_;
        emit UnlockPeriodRoundsUpdated(unlockPeriodRounds_);
    }

    /// @notice Sets how long tickets stay redeemable, for every ticket from now on (expiry is checked at redemption).
    ///         Only the owner.
    /// @param ticketValidityPeriodRounds_ Rounds a ticket is redeemable; at least 1 and below unlockPeriodRounds.
    function setTicketValidityPeriodRounds(uint256 ticketValidityPeriodRounds_) external onlyOwner {
        _requireValidPeriods(ticketValidityPeriodRounds_, unlockPeriodRounds);
        ticketValidityPeriodRounds = ticketValidityPeriodRounds_;
        emit TicketValidityPeriodRoundsUpdated(ticketValidityPeriodRounds_);
    }

    /// @notice Livepeer's name for unlockPeriodRounds: go-livepeer's client reads it to plan a sender's withdrawal.
    function unlockPeriod() external view returns (uint256) {
        return unlockPeriodRounds;
    }

    /// @notice Livepeer's name for ticketValidityPeriodRounds, for Livepeer tooling.
    function ticketValidityPeriod() external view returns (uint256) {
        return ticketValidityPeriodRounds;
    }

    function _requireValidPeriods(uint256 ticketValidityPeriodRounds_, uint256 unlockPeriodRounds_) private pure {
        if (ticketValidityPeriodRounds_ == 0 || ticketValidityPeriodRounds_ >= unlockPeriodRounds_) {
            revert InvalidPeriods(ticketValidityPeriodRounds_, unlockPeriodRounds_);
        }
    }
}
