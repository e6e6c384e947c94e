// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ITicketBroker
/// @notice Probabilistic micropayments, ABI-compatible with Livepeer's TicketBroker.
interface ITicketBroker {
    /// @dev auxData = abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash)
    struct Ticket {
        address recipient;
        address sender;
        uint256 faceValue;
        uint256 winProb;
        uint256 senderNonce;
        bytes32 recipientRandHash;
        bytes auxData;
    }

    struct Sender {
        uint256 deposit;
        uint256 withdrawRound;
    }

    struct ReserveInfo {
        uint256 fundsRemaining;
        uint256 claimedInCurrentRound;
    }

    event DepositFunded(address indexed sender, uint256 amount);
    event ReserveFunded(address indexed reserveHolder, uint256 amount);
    event WinningTicketRedeemed(
        address indexed sender,
        address indexed recipient,
        uint256 faceValue,
        uint256 winProb,
        uint256 senderNonce,
        uint256 recipientRand,
        bytes auxData
    );
    event WinningTicketTransfer(address indexed sender, address indexed recipient, uint256 amount);
    event ReserveClaimed(address indexed reserveHolder, address claimant, uint256 amount);
    event Unlock(address indexed sender, uint256 startRound, uint256 endRound);
    event UnlockCancelled(address indexed sender);
    event Withdrawal(address indexed sender, uint256 deposit, uint256 reserve);

    function fundDeposit() external payable;
    function fundReserve() external payable;
    function fundDepositAndReserve(uint256 depositAmount, uint256 reserveAmount) external payable;
    function fundDepositAndReserveFor(address sender, uint256 depositAmount, uint256 reserveAmount) external payable;
    function redeemWinningTicket(Ticket calldata ticket, bytes calldata sig, uint256 recipientRand) external;
    function batchRedeemWinningTickets(Ticket[] calldata tickets, bytes[] calldata sigs, uint256[] calldata recipientRands) external;
    function unlock() external;
    function cancelUnlock() external;
    function withdraw() external;
    function isUnlockInProgress(address sender) external view returns (bool);
    function getSenderInfo(address sender) external view returns (Sender memory sender_, ReserveInfo memory reserve);
    function claimedReserve(address reserveHolder, address claimant) external view returns (uint256);
    function usedTickets(bytes32 ticketHash) external view returns (bool);
}
