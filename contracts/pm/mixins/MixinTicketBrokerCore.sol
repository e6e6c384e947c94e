// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MixinReserve} from "./MixinReserve.sol";
import {MixinTicketProcessor} from "./MixinTicketProcessor.sol";

/// @title MixinTicketBrokerCore
/// @notice A sender's money and its life cycle: funding the deposit and reserve, redeeming a winning ticket against
///         them, and the unlock period that must pass before the sender can take back what is left.
/// @dev The broker holds senders' ETH; only a redeemed ticket's amount moves on, to the Minter, which pays it out to
///      the orchestrator and its delegators through the BondingManager.
abstract contract MixinTicketBrokerCore is MixinReserve, MixinTicketProcessor {
    /// @dev One slot, so a redemption reads a sender's deposit and lock state with one SLOAD.
    struct SenderAccount {
        uint128 deposit; // wei available to pay winning tickets first
        uint128 withdrawRound; // round from which withdraw() succeeds; 0 when no unlock is in progress
    }

    mapping(address sender => SenderAccount) internal _senders;

    /// @notice Rounds between unlock() and the first round withdraw() succeeds. Always above the ticket validity
    ///         period, so every ticket issued before unlocking expires before its sender can withdraw.
    uint256 public unlockPeriodRounds;

    /// @notice msg.value must equal depositAmount + reserveAmount.
    error FundingValueMismatch(uint256 msgValue, uint256 depositAmount, uint256 reserveAmount);
    /// @notice The sender's deposit and reserve are both empty: fund them first.
    error SenderHasNoFunds(address sender);
    /// @notice unlock() was already called; cancelUnlock() first to restart the period, or wait for withdrawRound.
    error UnlockAlreadyInProgress(address sender, uint256 withdrawRound);
    /// @notice withdraw() and cancelUnlock() need an unlock in progress: call unlock() first.
    error NoUnlockInProgress(address sender);
    /// @notice The unlock period runs until withdrawRound; tickets may still be redeemed until then.
    error UnlockPeriodNotOver(address sender, uint256 currentRound, uint256 withdrawRound);
    /// @notice The sender's unlock period is over, so its funds belong to it again and its tickets no longer pay.
    error SenderUnlocked(address sender, uint256 withdrawRound);
    /// @notice Sending withdrawn ETH to the sender failed (a contract that rejects ETH).
    error EthTransferFailed(address to, uint256 amount);

    /// @notice Adds msg.value to the caller's deposit. Does not cancel an unlock in progress.
    function fundDeposit() external payable {
        _fundDeposit(msg.sender, msg.value);
    }

    /// @notice Adds msg.value to the caller's reserve. Does not cancel an unlock in progress.
    function fundReserve() external payable {
        _addReserve(msg.sender, msg.value);
    }

    /// @notice Splits msg.value between the caller's deposit and reserve.
    /// @param depositAmount Wei to add to the deposit.
    /// @param reserveAmount Wei to add to the reserve; depositAmount + reserveAmount must equal msg.value.
    function fundDepositAndReserve(uint256 depositAmount, uint256 reserveAmount) external payable {
        _fundDepositAndReserve(msg.sender, depositAmount, reserveAmount);
    }

    /// @notice Splits msg.value between `sender`'s deposit and reserve: a wallet funds a key that signs tickets
    ///         (a browser session key) without ever handing it ETH.
    /// @dev Funding never cancels `sender`'s unlock: otherwise anyone could keep any sender locked for 0 wei.
    /// @param sender The ticket-signing address credited.
    /// @param depositAmount Wei to add to the deposit.
    /// @param reserveAmount Wei to add to the reserve; depositAmount + reserveAmount must equal msg.value.
    function fundDepositAndReserveFor(address sender, uint256 depositAmount, uint256 reserveAmount) external payable {
        if (sender == address(0)) revert ZeroSender();
        _fundDepositAndReserve(sender, depositAmount, reserveAmount);
    }

    /// @notice Redeems one winning ticket: pays min(faceValue, deposit) from the deposit and the rest, up to the
    ///         recipient's per-round share, from the reserve; the amount goes to the Minter and is credited to the
    ///         recipient's fee pool. The ticket is spent even if nothing could be paid.
    /// @param ticket The ticket the sender signed.
    /// @param sig The sender's EIP-191 signature over getTicketHash(ticket).
    /// @param recipientRand The preimage of ticket.recipientRandHash.
    function redeemWinningTicket(Ticket calldata ticket, bytes calldata sig, uint256 recipientRand) external {
        // _redeemWinningTicket checks that the round is initialized, with one lookup fewer than checking here.
        uint256 currentRound = roundsManager.currentRound();
        uint256 amount = _redeemWinningTicket(ticket, sig, recipientRand, currentRound);
        if (amount != 0) {
            // Reverts with the BondingManager's NotRegisteredOrchestrator for a recipient that is not registered.
            bondingManager.updateTranscoderWithFees(ticket.recipient, amount, currentRound);
            minter.trustedDepositETH{value: amount}();
        }
    }

    /// @notice Starts the caller's unlock period: withdraw() succeeds from currentRound + unlockPeriodRounds.
    ///         Tickets stay redeemable until then.
    function unlock() external {
        SenderAccount storage account = _senders[msg.sender];
        if (account.deposit == 0 && _remainingReserve(msg.sender) == 0) revert SenderHasNoFunds(msg.sender);
        if (account.withdrawRound != 0) revert UnlockAlreadyInProgress(msg.sender, account.withdrawRound);

        uint256 currentRound = roundsManager.currentRound();
        uint256 withdrawRound = currentRound + unlockPeriodRounds;
        account.withdrawRound = SafeCast.toUint128(withdrawRound);

        emit Unlock(msg.sender, currentRound, withdrawRound);
    }

    /// @notice Cancels the caller's unlock period; its funds are locked for tickets again.
    function cancelUnlock() external {
        SenderAccount storage account = _senders[msg.sender];
        if (account.withdrawRound == 0) revert NoUnlockInProgress(msg.sender);
        account.withdrawRound = 0;
        emit UnlockCancelled(msg.sender);
    }

    /// @notice Sends the caller its whole deposit and reserve once its unlock period is over. The account starts
    ///         afresh: funding it again locks it for tickets.
    function withdraw() external {
        SenderAccount memory account = _senders[msg.sender];
        uint256 reserve = _remainingReserve(msg.sender);
        if (account.deposit == 0 && reserve == 0) revert SenderHasNoFunds(msg.sender);
        if (account.withdrawRound == 0) revert NoUnlockInProgress(msg.sender);
        uint256 currentRound = roundsManager.currentRound();
        if (currentRound < account.withdrawRound) {
            revert UnlockPeriodNotOver(msg.sender, currentRound, account.withdrawRound);
        }

        delete _senders[msg.sender];
        _clearReserve(msg.sender);
        emit Withdrawal(msg.sender, account.deposit, reserve);

        uint256 amount = account.deposit + reserve;
        (bool sent,) = msg.sender.call{value: amount}("");
        if (!sent) revert EthTransferFailed(msg.sender, amount);
    }

    /// @notice Whether `sender` has called unlock() and not yet cancelled or withdrawn. Orchestrators should stop
    ///         accepting its tickets.
    /// @param sender The ticket sender.
    function isUnlockInProgress(address sender) external view returns (bool) {
        return _senders[sender].withdrawRound != 0;
    }

    /// @notice `sender`'s deposit and withdraw round, and its reserve with the amount claimed in the current round.
    /// @param sender The ticket sender.
    function getSenderInfo(address sender) external view returns (Sender memory sender_, ReserveInfo memory reserve) {
        SenderAccount memory account = _senders[sender];
        sender_ = Sender({deposit: account.deposit, withdrawRound: account.withdrawRound});
        reserve = _reserveInfo(sender, roundsManager.currentRound());
    }

    function _fundDeposit(address sender, uint256 amount) internal {
        SenderAccount storage account = _senders[sender];
        account.deposit = SafeCast.toUint128(account.deposit + amount);
        emit DepositFunded(sender, amount);
    }

    function _fundDepositAndReserve(address sender, uint256 depositAmount, uint256 reserveAmount) private {
        // Written as a subtraction so that amounts summing past 2^256 fail with this error, not a panic.
        if (depositAmount > msg.value || msg.value - depositAmount != reserveAmount) {
            revert FundingValueMismatch(msg.value, depositAmount, reserveAmount);
        }
        _fundDeposit(sender, depositAmount);
        _addReserve(sender, reserveAmount);
    }

    /// @dev Validates and spends one ticket, returning the wei it pays. The caller credits the recipient in the
    ///      BondingManager and moves the ETH to the Minter, so a batch can do both once for all its tickets.
    function _redeemWinningTicket(Ticket calldata ticket, bytes calldata sig, uint256 recipientRand, uint256 currentRound)
        internal
        returns (uint256 amount)
    {
        bytes32 ticketHash = _ticketHash(ticket);
        _requireValidWinningTicket(ticket, ticketHash, sig, recipientRand, currentRound);

        address sender = ticket.sender;
        SenderAccount memory account = _senders[sender];
        // From withdrawRound the sender may take its funds at any moment; paying tickets then would race it.
        if (account.withdrawRound != 0 && currentRound >= account.withdrawRound) {
            revert SenderUnlocked(sender, account.withdrawRound);
        }
        if (account.deposit == 0 && _remainingReserve(sender) == 0) revert SenderHasNoFunds(sender);

        usedTickets[ticketHash] = true;

        uint256 faceValue = ticket.faceValue;
        if (faceValue <= account.deposit) {
            amount = faceValue;
            _senders[sender].deposit = account.deposit - uint128(faceValue);
        } else {
            amount = account.deposit
                + _claimFromReserve(sender, ticket.recipient, faceValue - account.deposit, currentRound);
            if (account.deposit != 0) _senders[sender].deposit = 0;
        }

        if (amount != 0) emit WinningTicketTransfer(sender, ticket.recipient, amount);
        _emitWinningTicketRedeemed(ticket, recipientRand);
    }

    /// @dev Its own frame: the event's seven fields do not fit the stack beside _redeemWinningTicket's locals.
    function _emitWinningTicketRedeemed(Ticket calldata ticket, uint256 recipientRand) private {
        emit WinningTicketRedeemed(
            ticket.sender,
            ticket.recipient,
            ticket.faceValue,
            ticket.winProb,
            ticket.senderNonce,
            recipientRand,
            ticket.auxData
        );
    }
}
