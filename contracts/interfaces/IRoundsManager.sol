// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRoundsManager
/// @notice Protocol time: rounds of `roundLength` blocks. Stake-changing actions require the current round to be
///         initialized, so per-round snapshots taken at initialization are exact.
interface IRoundsManager {
    event NewRound(uint256 indexed round, bytes32 blockHash);
    event RoundLengthUpdated(uint256 roundLength);

    error RoundAlreadyInitialized(uint256 round);
    error RoundNotInitialized(uint256 round);

    /// @notice Initializes the current round: snapshots the active set, sets the round's mintable tokens and
    ///         records the block hash tickets of this round must carry. Anyone may call it once per round.
    function initializeRound() external;

    /// @notice The current round number: block.number / roundLength.
    function currentRound() external view returns (uint256);

    /// @notice First block of the current round.
    function currentRoundStartBlock() external view returns (uint256);

    /// @notice Whether initializeRound() has run for the current round.
    function currentRoundInitialized() external view returns (bool);

    /// @notice The last round that was initialized.
    function lastInitializedRound() external view returns (uint256);

    /// @notice Block hash recorded when `round` was initialized (zero if it never was).
    function blockHashForRound(uint256 round) external view returns (bytes32);

    /// @notice Round length in blocks.
    function roundLength() external view returns (uint256);
}
