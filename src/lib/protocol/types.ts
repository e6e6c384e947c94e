// The protocol's core value types, shared by the browser and the orchestrator node. Money is bigint wei throughout.
import type { Address, Hex } from "viem";

/** A probabilistic micropayment ticket in Livepeer's format, exactly as the TicketBroker takes it. */
export interface Ticket {
  recipient: Address;
  sender: Address;
  /** Wei paid if the ticket wins. */
  faceValue: bigint;
  /** Win probability as a fraction of 2^256: the ticket wins iff keccak256(sig, recipientRand) < winProb. */
  winProb: bigint;
  /** Per-recipientRand counter; a recipient accepts each nonce once. */
  senderNonce: bigint;
  recipientRandHash: Hex;
  /** abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash) */
  auxData: Hex;
}

/** A ticket with the sender's EIP-191 signature over its hash. */
export interface SignedTicket {
  ticket: Ticket;
  sig: Hex;
}

/**
 * What an orchestrator hands a broadcaster so that it can make tickets: everything of a ticket but the sender and
 * the nonce, plus when the params stop being accepted.
 */
export interface TicketParams {
  recipient: Address;
  faceValue: bigint;
  winProb: bigint;
  recipientRandHash: Hex;
  /** Public randomness the orchestrator derived recipientRand from (with its secret); echoed back with tickets. */
  seed: Hex;
  /** Last block number at which tickets made with these params are accepted. */
  expirationBlock: bigint;
  creationRound: bigint;
  creationRoundBlockHash: Hex;
}
