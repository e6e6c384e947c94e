// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {MixinProtocolContracts} from "./MixinProtocolContracts.sol";

/// @title MixinTicketProcessor
/// @notice What makes a ticket redeemable: its hash, its auxData (creation round and that round's block hash), the
///         sender's signature, the recipient's revealed random number, and the win check. Succeeds or reverts with
///         an error naming the rule the ticket broke.
abstract contract MixinTicketProcessor is MixinProtocolContracts {
    /// @dev auxData = abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash).
    uint256 private constant AUX_DATA_LENGTH_BYTES = 64;
    uint256 private constant AUX_DATA_BLOCK_HASH_OFFSET_BYTES = 32;

    /// @notice Rounds a ticket stays redeemable after its creation round: it expires when
    ///         currentRound >= creationRound + ticketValidityPeriodRounds. Always below the unlock period.
    uint256 public ticketValidityPeriodRounds;

    /// @notice Whether the ticket with this hash has been redeemed (or tried with no funds paid: it is spent either way).
    mapping(bytes32 ticketHash => bool) public usedTickets;

    error ZeroRecipient();
    error ZeroSender();
    /// @notice auxData must be abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash).
    error InvalidAuxDataLength(uint256 length);
    /// @notice The creation round was never initialized, so no block hash exists for it (a future or skipped round).
    error UnknownCreationRound(uint256 creationRound);
    /// @notice The ticket's block hash is not the one RoundsManager recorded for its creation round.
    error CreationRoundBlockHashMismatch(uint256 creationRound, bytes32 expected, bytes32 actual);
    /// @notice The ticket's validity period has passed; it can no longer be redeemed.
    error TicketExpired(uint256 creationRound, uint256 currentRound);
    /// @notice keccak256(recipientRand) differs from the ticket's recipientRandHash: the wrong preimage was revealed.
    error RecipientRandMismatch(bytes32 recipientRandHash, bytes32 revealedHash);
    error TicketAlreadyUsed(bytes32 ticketHash);
    /// @notice The signature is malformed (not 65 bytes), malleable (high s) or otherwise unrecoverable.
    error InvalidSignature(bytes32 ticketHash, ECDSA.RecoverError recoverError);
    /// @notice The signature is valid but was made by another key than the ticket's sender.
    error SignerNotSender(address signer, address sender);
    /// @notice keccak256(sig, recipientRand) >= winProb: the ticket did not win and pays nothing.
    error TicketDidNotWin(bytes32 ticketHash, uint256 winProb);

    /// @notice The hash a sender signs: keccak256 of the ticket's fields packed in declaration order.
    /// @param ticket The ticket.
    function getTicketHash(Ticket calldata ticket) external pure returns (bytes32) {
        return _ticketHash(ticket);
    }

    function _ticketHash(Ticket calldata ticket) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                ticket.recipient,
                ticket.sender,
                ticket.faceValue,
                ticket.winProb,
                ticket.senderNonce,
                ticket.recipientRandHash,
                ticket.auxData
            )
        );
    }

    /// @dev Cheap checks first so a bad ticket costs its redeemer as little as possible; ecrecover comes last but one.
    ///      Also reverts with RoundNotInitialized unless the current round is initialized.
    function _requireValidWinningTicket(
        Ticket calldata ticket,
        bytes32 ticketHash,
        bytes calldata sig,
        uint256 recipientRand,
        uint256 currentRound
    ) internal view {
        if (ticket.recipient == address(0)) revert ZeroRecipient();
        if (ticket.sender == address(0)) revert ZeroSender();
        _requireValidAuxData(ticket.auxData, currentRound);

        bytes32 revealedHash = keccak256(abi.encodePacked(recipientRand));
        if (revealedHash != ticket.recipientRandHash) {
            revert RecipientRandMismatch(ticket.recipientRandHash, revealedHash);
        }
        if (usedTickets[ticketHash]) revert TicketAlreadyUsed(ticketHash);

        _requireSenderSignature(ticket.sender, sig, ticketHash);

        if (!_isWinningTicket(sig, recipientRand, ticket.winProb)) revert TicketDidNotWin(ticketHash, ticket.winProb);
    }

    /// @dev The block hash ties a ticket to a round that has really begun, so a sender cannot date a ticket into a
    ///      future round whose validity would outlast its withdrawal.
    function _requireValidAuxData(bytes calldata auxData, uint256 currentRound) private view {
        if (auxData.length != AUX_DATA_LENGTH_BYTES) revert InvalidAuxDataLength(auxData.length);
        uint256 creationRound = uint256(bytes32(auxData[:AUX_DATA_BLOCK_HASH_OFFSET_BYTES]));
        bytes32 creationRoundBlockHash = bytes32(auxData[AUX_DATA_BLOCK_HASH_OFFSET_BYTES:]);

        bytes32 blockHash = roundsManager.blockHashForRound(creationRound);
        // Redemption needs the current round initialized. A ticket of the current round proves it with its own block
        // hash, which saves the common case a second lookup.
        if (creationRound != currentRound) _requireRoundInitialized(currentRound);
        if (blockHash == bytes32(0)) {
            if (creationRound == currentRound) revert RoundNotInitialized(currentRound);
            revert UnknownCreationRound(creationRound);
        }
        if (creationRoundBlockHash != blockHash) {
            revert CreationRoundBlockHashMismatch(creationRound, blockHash, creationRoundBlockHash);
        }
        // A recorded block hash means creationRound <= currentRound, so this sum cannot overflow in practice.
        if (currentRound >= creationRound + ticketValidityPeriodRounds) revert TicketExpired(creationRound, currentRound);
    }

    /// @dev EIP-191 personal message over the 32-byte hash, as wallets sign with personal_sign / signMessage({raw}).
    ///      tryRecover rejects high-s (malleable) signatures, so one ticket has exactly one valid signature and the
    ///      win check keccak256(sig, recipientRand) cannot be re-rolled by flipping s.
    function _requireSenderSignature(address sender, bytes calldata sig, bytes32 ticketHash) private pure {
        (address signer, ECDSA.RecoverError recoverError,) =
            ECDSA.tryRecoverCalldata(MessageHashUtils.toEthSignedMessageHash(ticketHash), sig);
        if (recoverError != ECDSA.RecoverError.NoError) revert InvalidSignature(ticketHash, recoverError);
        if (signer != sender) revert SignerNotSender(signer, sender);
    }

    function _isWinningTicket(bytes calldata sig, uint256 recipientRand, uint256 winProb) private pure returns (bool) {
        return uint256(keccak256(abi.encodePacked(sig, recipientRand))) < winProb;
    }
}
