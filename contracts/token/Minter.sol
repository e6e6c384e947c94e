// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {LivepeerToken} from "./LivepeerToken.sol";

/// @title Minter
/// @notice Per-round LPT inflation that moves toward a target bonding rate, and the vault for ETH fees.
/// @dev Each round, inflation (parts per billion of supply) rises by `inflationChangePpb` while the bonding rate is
///      below target and falls by it while above, as in Livepeer: inflation pays people to stake until enough do.
contract Minter is IMinter, Ownable {
    /// @notice Denominator of every *Ppb value.
    uint256 public constant PPB = 1_000_000_000;

    LivepeerToken public immutable token;
    IRoundsManager public immutable roundsManager;
    IBondingManager public immutable bondingManager;
    /// @dev Immutable (the deploy script predicts the Minter's address for the TicketBroker): every redemption
    ///      deposits here, and a storage read would cost it ~2k gas.
    address public immutable ticketBroker;

    /// @inheritdoc IMinter
    uint256 public inflation;
    uint256 public inflationChange;
    uint256 public targetBondingRate;
    /// @inheritdoc IMinter
    uint256 public currentMintableTokens;
    /// @inheritdoc IMinter
    uint256 public currentMintedTokens;

    modifier onlyBondingManager() {
        if (msg.sender != address(bondingManager)) revert OnlyBondingManager(msg.sender);
        _;
    }

    /// @param ticketBroker_ The TicketBroker, which deposits the ETH of redeemed tickets.
    /// @param inflationPpb Starting inflation per round, parts per billion of total supply.
    /// @param inflationChangePpb How much inflation moves each round toward the target.
    /// @param targetBondingRatePpb Target share of supply bonded, parts per billion.
    constructor(
        LivepeerToken token_,
        IRoundsManager roundsManager_,
        IBondingManager bondingManager_,
        address ticketBroker_,
        uint256 inflationPpb,
        uint256 inflationChangePpb,
        uint256 targetBondingRatePpb
    ) Ownable(msg.sender) {
        token = token_;
        roundsManager = roundsManager_;
        bondingManager = bondingManager_;
        ticketBroker = ticketBroker_;
        _setInflationParams(inflationPpb, inflationChangePpb, targetBondingRatePpb);
    }

    /// @notice Governance: sets inflation, its per-round change and the target bonding rate (all ppb).
    function setInflationParams(uint256 inflationPpb, uint256 inflationChangePpb, uint256 targetBondingRatePpb)
        external
        onlyOwner
    {
        _setInflationParams(inflationPpb, inflationChangePpb, targetBondingRatePpb);
    }

    /// @inheritdoc IMinter
    function setCurrentRewardTokens() external {
        if (msg.sender != address(roundsManager)) revert OnlyRoundsManager(msg.sender);
        _adjustInflation();
        currentMintableTokens = (token.totalSupply() * inflation) / PPB;
        currentMintedTokens = 0;
        emit SetCurrentRewardTokens(roundsManager.currentRound(), currentMintableTokens, inflation);
    }

    /// @inheritdoc IMinter
    function createReward(uint256 fracNum, uint256 fracDenom) external onlyBondingManager returns (uint256) {
        uint256 amount = fracDenom == 0 ? 0 : (currentMintableTokens * fracNum) / fracDenom;
        uint256 remaining = currentMintableTokens - currentMintedTokens;
        if (amount > remaining) revert RewardExceedsMintable(amount, remaining);
        currentMintedTokens += amount;
        if (amount > 0) token.mint(address(bondingManager), amount);
        return amount;
    }

    /// @inheritdoc IMinter
    function trustedDepositETH() external payable {
        if (msg.sender != ticketBroker && msg.sender != address(bondingManager)) revert OnlyTicketBroker(msg.sender);
        emit FeesDeposited(msg.sender, msg.value);
    }

    /// @inheritdoc IMinter
    function trustedWithdrawETH(address payable to, uint256 amount) external onlyBondingManager {
        emit FeesWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert EthTransferFailed(to, amount);
    }

    /// @notice The bonding rate now: bonded LPT per total supply, in ppb.
    function currentBondingRate() public view returns (uint256) {
        uint256 supply = token.totalSupply();
        return supply == 0 ? 0 : (bondingManager.getTotalBonded() * PPB) / supply;
    }

    function _adjustInflation() private {
        uint256 bondingRate = currentBondingRate();
        if (bondingRate < targetBondingRate) {
            inflation += inflationChange;
        } else if (bondingRate > targetBondingRate) {
            inflation = inflationChange > inflation ? 0 : inflation - inflationChange;
        }
    }

    function _setInflationParams(uint256 inflationPpb, uint256 inflationChangePpb, uint256 targetBondingRatePpb)
        private
    {
        if (inflationPpb > PPB) revert InvalidPpb(inflationPpb);
        if (inflationChangePpb > PPB) revert InvalidPpb(inflationChangePpb);
        if (targetBondingRatePpb > PPB) revert InvalidPpb(targetBondingRatePpb);
        inflation = inflationPpb;
        inflationChange = inflationChangePpb;
        targetBondingRate = targetBondingRatePpb;
        emit InflationParamsUpdated(inflationPpb, inflationChangePpb, targetBondingRatePpb);
    }
}
