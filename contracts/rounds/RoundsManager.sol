// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IMinter} from "../interfaces/IMinter.sol";

/// @title RoundsManager
/// @notice Protocol time in rounds of `roundLength` blocks. Initializing a round snapshots the active set in the
///         BondingManager and sets the round's mintable LPT in the Minter, so per-round accounting never loops.
contract RoundsManager is IRoundsManager, Ownable {
    error InvalidRoundLength(uint256 roundLength);
    error ProtocolContractsAlreadySet();
    error ProtocolContractsNotSet();

    event ProtocolContractsSet(address bondingManager, address minter);

    /// @notice Round length in blocks.
    uint256 public roundLength;
    /// @notice The round in which the round length last changed, and that round's first block: together they keep
    ///         round numbers continuous across a change of length.
    uint256 public lastRoundLengthUpdateRound;
    uint256 public lastRoundLengthUpdateStartBlock;
    /// @inheritdoc IRoundsManager
    uint256 public lastInitializedRound;

    IBondingManager public bondingManager;
    IMinter public minter;

    mapping(uint256 round => bytes32 blockHash) private _blockHashForRound;

    /// @param roundLengthBlocks Length of a round in blocks (small on a local chain, e.g. 20; ~5760 on L1).
    constructor(uint256 roundLengthBlocks) Ownable(msg.sender) {
        if (roundLengthBlocks == 0) revert InvalidRoundLength(roundLengthBlocks);
        roundLength = roundLengthBlocks;
        lastRoundLengthUpdateStartBlock = (block.number / roundLengthBlocks) * roundLengthBlocks;
        lastRoundLengthUpdateRound = block.number / roundLengthBlocks;
    }

    /// @notice Wires the contracts notified at each round start. Once, by the owner (the deployer).
    function setProtocolContracts(IBondingManager bondingManager_, IMinter minter_) external onlyOwner {
        if (address(bondingManager) != address(0)) revert ProtocolContractsAlreadySet();
        bondingManager = bondingManager_;
        minter = minter_;
        emit ProtocolContractsSet(address(bondingManager_), address(minter_));
    }

    /// @notice Changes the round length from the current round on; the current round must be initialized so its
    ///         start block is settled.
    function setRoundLength(uint256 roundLengthBlocks) external onlyOwner {
        if (roundLengthBlocks == 0) revert InvalidRoundLength(roundLengthBlocks);
        uint256 round = currentRound();
        if (!currentRoundInitialized()) revert RoundNotInitialized(round);
        lastRoundLengthUpdateStartBlock = currentRoundStartBlock();
        lastRoundLengthUpdateRound = round;
        roundLength = roundLengthBlocks;
        emit RoundLengthUpdated(roundLengthBlocks);
    }

    /// @inheritdoc IRoundsManager
    function initializeRound() external {
        if (address(bondingManager) == address(0)) revert ProtocolContractsNotSet();
        uint256 round = currentRound();
        if (currentRoundInitialized()) revert RoundAlreadyInitialized(round);
        // The previous block's hash: known to everyone once this block is mined, unknowable before it.
        bytes32 blockHash = blockhash(block.number - 1);
        lastInitializedRound = round;
        _blockHashForRound[round] = blockHash;
        bondingManager.setCurrentRoundTotalActiveStake();
        minter.setCurrentRewardTokens();
        emit NewRound(round, blockHash);
    }

    /// @inheritdoc IRoundsManager
    function currentRound() public view returns (uint256) {
        return lastRoundLengthUpdateRound + (block.number - lastRoundLengthUpdateStartBlock) / roundLength;
    }

    /// @inheritdoc IRoundsManager
    function currentRoundStartBlock() public view returns (uint256) {
        return lastRoundLengthUpdateStartBlock + (currentRound() - lastRoundLengthUpdateRound) * roundLength;
    }

    /// @inheritdoc IRoundsManager
    function currentRoundInitialized() public view returns (bool) {
        return _blockHashForRound[currentRound()] != bytes32(0);
    }

    /// @inheritdoc IRoundsManager
    function blockHashForRound(uint256 round) external view returns (bytes32) {
        return _blockHashForRound[round];
    }
}
