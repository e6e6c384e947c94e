// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title ReceiptProbe
/// @notice Test double: hashes and recovers a transcode receipt as a verifier contract will, so that tests prove that
///         src/lib/protocol/receipt.ts lays a receipt out exactly as Solidity's abi.encode does. Test-only; never
///         deployed by the deploy module.
contract ReceiptProbe {
    /// @notice Domain of every receipt hash; equals RECEIPT_DOMAIN_HASH in receipt.ts.
    bytes32 public constant RECEIPT_DOMAIN_HASH = keccak256("Streamflow receipt v2");

    /// @notice One rendition of a segment and the keccak256 of its bytes.
    struct RenditionOutput {
        string rendition;
        bytes32 hash;
    }

    /// @notice keccak256(abi.encode(RECEIPT_DOMAIN_HASH, streamId, sequenceNumber, inputHash, jobHash, outputs,
    ///         orchestrator, round)), written with loose parameters rather than FaultVerifier's Receipt struct, so that
    ///         the two restate the layout independently.
    function receiptHash(
        string calldata streamId,
        uint64 sequenceNumber,
        bytes32 inputHash,
        bytes32 jobHash,
        RenditionOutput[] calldata outputs,
        address orchestrator,
        uint256 round
    ) public pure returns (bytes32) {
        return keccak256(
            abi.encode(RECEIPT_DOMAIN_HASH, streamId, sequenceNumber, inputHash, jobHash, outputs, orchestrator, round)
        );
    }

    /// @notice The signer of an EIP-191 personal-message signature over a receipt hash; reverts as ECDSA.recover does.
    function recoverReceiptSigner(bytes32 hash, bytes calldata sig) external pure returns (address) {
        return ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(hash), sig);
    }

    /// @notice The content hash of a segment or rendition.
    function contentHash(bytes calldata content) external pure returns (bytes32) {
        return keccak256(content);
    }
}
