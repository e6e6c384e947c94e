// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBondingManager
/// @notice What other contracts need from the BondingManager: the active set, fees, snapshots and slashing.
///         Names follow livepeer/protocol so that Livepeer tooling reads them.
interface IBondingManager {
    /// @notice Credits `fees` wei of a redeemed winning ticket to `transcoder`'s earnings pool, split by its feeShare.
    ///         Only TicketBroker. Reverts with NotRegisteredOrchestrator when `transcoder` is not registered.
    function updateTranscoderWithFees(address transcoder, uint256 fees, uint256 round) external;

    /// @notice Called by the RoundsManager at round initialization: the next-round active set becomes current.
    function setCurrentRoundTotalActiveStake() external;

    /// @notice Slashes `orchestrator`'s own bonded stake by `slashAmountPpm`, paying `finder` `finderFeePpm` of the
    ///         penalty; the rest is burned. Only the verifier contract, and only once the current round is initialized
    ///         (CurrentRoundNotInitialized otherwise: call RoundsManager.initializeRound() first).
    function slashTranscoder(address orchestrator, address finder, uint256 slashAmountPpm, uint256 finderFeePpm) external;

    /// @notice Whether `transcoder` is in the active set of the current round (registered, stake >= minActiveStake
    ///         at the start of the round).
    function isActiveTranscoder(address transcoder) external view returns (bool);

    /// @notice Whether `transcoder` is registered: bonded to itself with a non-zero bond.
    function isRegisteredTranscoder(address transcoder) external view returns (bool);

    /// @notice Number of active orchestrators in the current round (reserve shares are split this many ways).
    function getTranscoderPoolSize() external view returns (uint256);

    /// @notice Total stake of active orchestrators in the current round.
    function currentRoundTotalActiveStake() external view returns (uint256);

    /// @notice Total LPT bonded (all delegations, active or not).
    function getTotalBonded() external view returns (uint256);

    /// @notice Stake delegated to `transcoder` right now (its own bond plus its delegators').
    function transcoderTotalStake(address transcoder) external view returns (uint256);

    /// @notice The cuts in force this round for `transcoder`, in parts per million: rewardCut is the share of LPT
    ///         rewards it keeps, feeShare the share of ETH fees it passes to delegators.
    function transcoderCuts(address transcoder) external view returns (uint256 rewardCutPpm, uint256 feeSharePpm);
}
