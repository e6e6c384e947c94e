// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MixinTicketBrokerCore} from "./MixinTicketBrokerCore.sol";

/// @title MixinWrappers
/// @notice Batch redemption: redeems every valid ticket of a batch and skips (and reports) the invalid ones, then
///         credits each recipient's fees in the BondingManager once and sends the batch's ETH to the Minter in one
///         transfer.
abstract contract MixinWrappers is MixinTicketBrokerCore {
    /// @dev Fees owed per recipient while a batch runs; a batch usually pays one recipient, so a list is enough.
    struct FeeCredits {
        address[] recipients;
        uint256[] amounts;
        uint256 count;
        uint256 total;
    }

    /// @notice Ticket `index` of a batch was not redeemed; `reason` is its revert data (decode it with this ABI) so
    ///         the redeemer can tell a spent or expired ticket from a retryable one.
    event WinningTicketSkipped(uint256 indexed index, bytes32 indexed ticketHash, bytes reason);

    error BatchLengthMismatch(uint256 tickets, uint256 sigs, uint256 recipientRands);
    /// @notice redeemWinningTicketForBatch is the batch's own entry point; it credits and pays nothing itself.
    error OnlySelf(address caller);
    /// @notice The ticket would pay a recipient that is not a registered orchestrator, so its fees could not be
    ///         credited. (A single redemption reverts with the BondingManager's NotRegisteredOrchestrator instead.)
    error RecipientNotRegistered(address recipient);

    /// @notice Redeems each ticket as redeemWinningTicket would; a ticket that would revert is skipped with a
    ///         WinningTicketSkipped event while the others redeem. Reverts as a whole only if the arrays differ in
    ///         length or the current round is not initialized.
    /// @param tickets The tickets.
    /// @param sigs sigs[i] is the sender's signature over tickets[i].
    /// @param recipientRands recipientRands[i] is the preimage of tickets[i].recipientRandHash.
    function batchRedeemWinningTickets(
        Ticket[] calldata tickets,
        bytes[] calldata sigs,
        uint256[] calldata recipientRands
    ) external {
        if (tickets.length != sigs.length || tickets.length != recipientRands.length) {
            revert BatchLengthMismatch(tickets.length, sigs.length, recipientRands.length);
        }
        uint256 currentRound = _initializedCurrentRound();

        FeeCredits memory credits = FeeCredits(new address[](tickets.length), new uint256[](tickets.length), 0, 0);
        for (uint256 i = 0; i < tickets.length; ++i) {
            // An external self-call is the only way to roll back one ticket's partial effects and keep the rest.
            try this.redeemWinningTicketForBatch(tickets[i], sigs[i], recipientRands[i], currentRound) returns (
                uint256 amount
            ) {
                if (amount != 0) _addCredit(credits, tickets[i].recipient, amount);
            } catch (bytes memory reason) {
                emit WinningTicketSkipped(i, _ticketHash(tickets[i]), reason);
            }
        }

        // One BondingManager call per recipient rather than per ticket: about 3k gas a ticket less, net of the
        // registration check each ticket makes instead.
        for (uint256 j = 0; j < credits.count; ++j) {
            bondingManager.updateTranscoderWithFees(credits.recipients[j], credits.amounts[j], currentRound);
        }
        if (credits.total != 0) minter.trustedDepositETH{value: credits.total}();
    }

    /// @notice One ticket of a batch, callable only by this contract: it validates and spends the ticket and returns
    ///         the wei it pays, which the batch credits and sends to the Minter with the rest.
    /// @param ticket The ticket.
    /// @param sig The sender's signature over getTicketHash(ticket).
    /// @param recipientRand The preimage of ticket.recipientRandHash.
    /// @param currentRound The initialized current round, read once by the batch.
    /// @return amount Wei this ticket pays.
    function redeemWinningTicketForBatch(
        Ticket calldata ticket,
        bytes calldata sig,
        uint256 recipientRand,
        uint256 currentRound
    ) external returns (uint256 amount) {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        amount = _redeemWinningTicket(ticket, sig, recipientRand, currentRound);
        // The BondingManager refuses unregistered recipients; find out now, while reverting undoes just this ticket,
        // rather than in the batch's final credit, where it would undo them all.
        if (amount != 0 && !bondingManager.isRegisteredTranscoder(ticket.recipient)) {
            revert RecipientNotRegistered(ticket.recipient);
        }
    }

    function _addCredit(FeeCredits memory credits, address recipient, uint256 amount) private pure {
        credits.total += amount;
        for (uint256 k = 0; k < credits.count; ++k) {
            if (credits.recipients[k] == recipient) {
                credits.amounts[k] += amount;
                return;
            }
        }
        credits.recipients[credits.count] = recipient;
        credits.amounts[credits.count] = amount;
        ++credits.count;
    }
}
