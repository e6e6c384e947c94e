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

    /// @dev Everything currentRound() reads, packed in one storage slot: every ticket redemption and stake change
    ///      asks for the current round, so one cold read instead of three saves ~4k gas each time.
    struct Clock {
        uint64 roundLength; // blocks per round
        uint64 lastRoundLengthUpdateRound; // the round in which the length last changed…
        uint64 lastRoundLengthUpdateStartBlock; // …and its first block: round numbers stay continuous across changes
        uint64 lastInitializedRound;
    }

    Clock private _clock;

    IBondingManager public bondingManager;
    IMinter public minter;

    mapping(uint256 round => bytes32 blockHash) private _blockHashForRound;

    /// @param roundLengthBlocks Length of a round in blocks (small on a local chain, e.g. 20; ~5760 on L1).
    constructor(uint256 roundLengthBlocks) Ownable(msg.sender) {
        _requireValidRoundLength(roundLengthBlocks);
        _clock = Clock({
            roundLength: uint64(roundLengthBlocks),
            lastRoundLengthUpdateRound: uint64(block.number / roundLengthBlocks),
            lastRoundLengthUpdateStartBlock: uint64((block.number / roundLengthBlocks) * roundLengthBlocks),
            lastInitializedRound: 0
        });
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
        _requireValidRoundLength(roundLengthBlocks);
        uint256 round = currentRound();
        if (!currentRoundInitialized()) revert RoundNotInitialized(round);
        _clock.lastRoundLengthUpdateStartBlock = uint64(currentRoundStartBlock());
        _clock.lastRoundLengthUpdateRound = uint64(round);
        _clock.roundLength = uint64(roundLengthBlocks);
        emit RoundLengthUpdated(roundLengthBlocks);
    }

    /// @inheritdoc IRoundsManager
    function initializeRound() external {
        if (address(bondingManager) == address(0)) revert ProtocolContractsNotSet();
        uint256 round = currentRound();
        if (currentRoundInitialized()) revert RoundAlreadyInitialized(round);
        // The previous block's hash: known to everyone once this block is mined, unknowable before it.
        bytes32 blockHash = blockhash(block.number - 1);
        _clock.lastInitializedRound = uint64(round);
        _blockHashForRound[round] = blockHash;
        bondingManager.setCurrentRoundTotalActiveStake();
        minter.setCurrentRewardTokens();
        emit NewRound(round, blockHash);
    }

    /// @inheritdoc IRoundsManager
    function currentRound() public view returns (uint256) {
        Clock memory c = _clock;
        return c.lastRoundLengthUpdateRound + (block.number - c.lastRoundLengthUpdateStartBlock) / c.roundLength;
    }

    /// @inheritdoc IRoundsManager
    function currentRoundStartBlock() public view returns (uint256) {
        Clock memory c = _clock;
        return c.lastRoundLengthUpdateStartBlock + (currentRound() - c.lastRoundLengthUpdateRound) * c.roundLength;
    }

    /// @inheritdoc IRoundsManager
    function roundLength() external view returns (uint256) {
        return _clock.roundLength;
    }

    /// @inheritdoc IRoundsManager
    function lastInitializedRound() external view returns (uint256) {
        return _clock.lastInitializedRound;
    }

    /// @notice The round in which the round length last changed.
    function lastRoundLengthUpdateRound() external view returns (uint256) {
        return _clock.lastRoundLengthUpdateRound;
    }

    /// @notice The first block of the round in which the round length last changed.
    function lastRoundLengthUpdateStartBlock() external view returns (uint256) {
        return _clock.lastRoundLengthUpdateStartBlock;
    }

    /// @inheritdoc IRoundsManager
    function currentRoundInitialized() public view returns (bool) {
        return _blockHashForRound[currentRound()] != bytes32(0);
    }

    function _requireValidRoundLength(uint256 roundLengthBlocks) private pure {
        if (roundLengthBlocks == 0 || roundLengthBlocks > type(uint64).max) revert InvalidRoundLength(roundLengthBlocks);
    }

    /// @inheritdoc IRoundsManager
    function blockHashForRound(uint256 round) external view returns (bytes32) {
        return _blockHashForRound[round];
    }
}
