// A Livepeer-format ticket byte for byte as the TicketBroker reads it: auxData, hash, sender's signature and win check.
import { encodePacked, hexToBigInt, isAddressEqual, isHex, keccak256, size, slice, type Address, type Hex, type LocalAccount } from "viem";
import { ProtocolError } from "./errors.ts";
import { recoverHashSigner, signHash, type DigestSignerRecovery } from "./signature.ts";
import type { SignedTicket, Ticket, TicketParams } from "./types.ts";

/** auxData = abi.encodePacked(uint256 creationRound, bytes32 creationRoundBlockHash): two words. */
export const AUX_DATA_LENGTH_BYTES = 64;

export interface InvalidAuxDataData {
  auxData: Hex;
  /** The byte length found, or undefined when auxData is not hex at all. */
  lengthBytes: number | undefined;
}

/** auxData that is not the two words the TicketBroker expects; the contract reverts InvalidAuxDataLength on it. */
export class InvalidAuxData extends ProtocolError<InvalidAuxDataData> {
  override name = "InvalidAuxData";

  constructor(data: InvalidAuxDataData, options?: ErrorOptions) {
    super(
      {
        code: "INVALID_AUX_DATA",
        message:
          `auxData must be ${AUX_DATA_LENGTH_BYTES} bytes of hex (uint256 creationRound ‖ bytes32 creationRoundBlockHash); ` +
          `got ${data.lengthBytes === undefined ? "text that is not hex" : `${data.lengthBytes} bytes`}.`,
        nextStep: "Make tickets with makeTicket, which encodes auxData from the ticket params' creation round.",
        data,
      },
      options,
    );
  }
}

export interface SignerNotSenderData {
  signer: Address;
  sender: Address;
}

/** A ticket signed by another key than its sender's; the contract would revert SignerNotSender on it. */
export class SignerNotSender extends ProtocolError<SignerNotSenderData> {
  override name = "SignerNotSender";

  constructor(data: SignerNotSenderData, options?: ErrorOptions) {
    super(
      {
        code: "SIGNER_NOT_SENDER",
        message: `Ticket sender is ${data.sender} but the signing account is ${data.signer}, so it could never be redeemed.`,
        nextStep: "Make the ticket with the signing account's address as its sender: makeTicket(params, account.address, nonce).",
        data,
      },
      options,
    );
  }
}

export function encodeAuxData(creationRound: bigint, creationRoundBlockHash: Hex): Hex {
  return encodePacked(["uint256", "bytes32"], [creationRound, creationRoundBlockHash]);
}

/** @throws InvalidAuxData unless `auxData` is exactly two words */
export function decodeAuxData(auxData: Hex): { creationRound: bigint; creationRoundBlockHash: Hex } {
  if (!isHex(auxData, { strict: true })) throw new InvalidAuxData({ auxData, lengthBytes: undefined });
  const lengthBytes = size(auxData);
  if (lengthBytes !== AUX_DATA_LENGTH_BYTES) throw new InvalidAuxData({ auxData, lengthBytes });
  return { creationRound: hexToBigInt(slice(auxData, 0, 32)), creationRoundBlockHash: slice(auxData, 32, 64) };
}

/** keccak256(abi.encodePacked(recipient, sender, faceValue, winProb, senderNonce, recipientRandHash, auxData)), as TicketBroker.getTicketHash. */
export function ticketHash(ticket: Ticket): Hex {
  return keccak256(
    encodePacked(
      ["address", "address", "uint256", "uint256", "uint256", "bytes32", "bytes"],
      [
        ticket.recipient,
        ticket.sender,
        ticket.faceValue,
        ticket.winProb,
        ticket.senderNonce,
        ticket.recipientRandHash,
        ticket.auxData,
      ],
    ),
  );
}

/** keccak256(abi.encodePacked(uint256 recipientRand)): the commitment a ticket carries to the recipient's secret. */
export function recipientRandHash(recipientRand: bigint): Hex {
  return keccak256(encodePacked(["uint256"], [recipientRand]));
}

/** The ticket a sender makes from an orchestrator's params: the params' terms, the sender's address and a fresh nonce. */
export function makeTicket(params: TicketParams, sender: Address, senderNonce: bigint): Ticket {
  return {
    recipient: params.recipient,
    sender,
    faceValue: params.faceValue,
    winProb: params.winProb,
    senderNonce,
    recipientRandHash: params.recipientRandHash,
    auxData: encodeAuxData(params.creationRound, params.creationRoundBlockHash),
  };
}

/**
 * Signs `ticket` as its sender: an EIP-191 personal message over ticketHash, in the low-s form the contract accepts.
 * @throws SignerNotSender when `account` is not `ticket.sender`, since such a ticket could never be redeemed
 */
export async function signTicket(account: LocalAccount, ticket: Ticket): Promise<SignedTicket> {
  if (!isAddressEqual(account.address, ticket.sender)) throw new SignerNotSender({ signer: account.address, sender: ticket.sender });
  return { ticket, sig: await signHash(account, ticketHash(ticket)) };
}

/**
 * The address the TicketBroker would recover from a signed ticket; the ticket is valid only if it is the sender.
 * @throws InvalidSignature (from signature.ts) with the ECDSA.RecoverError the contract would revert with
 */
export async function recoverTicketSigner(signed: SignedTicket, recover?: DigestSignerRecovery): Promise<Address> {
  return recoverHashSigner(ticketHash(signed.ticket), signed.sig, recover);
}

/** The TicketBroker's win check: uint256(keccak256(abi.encodePacked(sig, recipientRand))) < winProb. */
export function isWinningTicket(sig: Hex, recipientRand: bigint, winProb: bigint): boolean {
  return hexToBigInt(keccak256(encodePacked(["bytes", "uint256"], [sig, recipientRand]))) < winProb;
}
