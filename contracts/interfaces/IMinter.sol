// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IMinter
/// @notice Mints per-round LPT rewards (inflation adjusting toward a target bonding rate) and holds ETH fees
///         until delegators withdraw them through the BondingManager.
interface IMinter {
    event SetCurrentRewardTokens(uint256 round, uint256 currentMintableTokens, uint256 inflation);
    event InflationParamsUpdated(uint256 inflationPpb, uint256 inflationChangePpb, uint256 targetBondingRatePpb);
    event FeesDeposited(address indexed from, uint256 amount);
    event FeesWithdrawn(address indexed to, uint256 amount);

    error OnlyBondingManager(address caller);
    error OnlyRoundsManager(address caller);
    error OnlyTicketBroker(address caller);
    error RewardExceedsMintable(uint256 requested, uint256 remaining);
    error EthTransferFailed(address to, uint256 amount);
    error InvalidPpb(uint256 value);

    /// @notice Called by the RoundsManager when a round starts: adjusts inflation and sets this round's mintable LPT.
    function setCurrentRewardTokens() external;

    /// @notice Mints `mintable * fracNum / fracDenom` LPT to the BondingManager and returns the amount. Only BondingManager.
    function createReward(uint256 fracNum, uint256 fracDenom) external returns (uint256);

    /// @notice Receives ETH fees from a redeemed winning ticket. Only TicketBroker.
    function trustedDepositETH() external payable;

    /// @notice Pays out withdrawn ETH fees. Only BondingManager.
    function trustedWithdrawETH(address payable to, uint256 amount) external;

    function currentMintableTokens() external view returns (uint256);
    function currentMintedTokens() external view returns (uint256);
    /// @notice Inflation per round in parts per billion of total supply.
    function inflation() external view returns (uint256);
}
