// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBondingManager} from "../../interfaces/IBondingManager.sol";
import {IRoundsManager} from "../../interfaces/IRoundsManager.sol";
import {IMinter} from "../../interfaces/IMinter.sol";
import {ITicketBroker} from "../../interfaces/ITicketBroker.sol";

/// @title MixinProtocolContracts
/// @notice The TicketBroker's neighbours, fixed at deployment, and the round check every redemption starts with.
/// @dev Immutables rather than a Controller lookup (as Livepeer does): a redemption calls each neighbour at least once,
///      and an immutable costs nothing to read where a registry lookup costs a cold SLOAD and a call.
abstract contract MixinProtocolContracts is ITicketBroker {
    /// @notice Credits redeemed fees to orchestrators and says who is active.
    IBondingManager public immutable bondingManager;
    /// @notice Protocol time: the current round and the block hash each round's tickets carry.
    IRoundsManager public immutable roundsManager;
    /// @notice Holds redeemed ETH fees until delegators withdraw them.
    IMinter public immutable minter;

    /// @notice A neighbour contract address given at deployment was zero.
    error ZeroAddress();
    /// @notice Redemption needs the current round initialized (its active set and block hash are fixed then);
    ///         call RoundsManager.initializeRound() and retry.
    error RoundNotInitialized(uint256 round);

    constructor(IBondingManager bondingManager_, IRoundsManager roundsManager_, IMinter minter_) {
        if (
            address(bondingManager_) == address(0) || address(roundsManager_) == address(0)
                || address(minter_) == address(0)
        ) revert ZeroAddress();
        bondingManager = bondingManager_;
        roundsManager = roundsManager_;
        minter = minter_;
    }

    /// @dev The current round, reverting unless it has been initialized: the pool size and active set that reserve
    ///      claims use are only snapshotted at initialization.
    function _initializedCurrentRound() internal view returns (uint256 round) {
        round = roundsManager.currentRound();
        _requireRoundInitialized(round);
    }

    /// @dev A round has a block hash iff it was initialized; asking for it directly saves recomputing the round.
    function _requireRoundInitialized(uint256 round) internal view {
        if (roundsManager.blockHashForRound(round) == bytes32(0)) revert RoundNotInitialized(round);
    }
}
