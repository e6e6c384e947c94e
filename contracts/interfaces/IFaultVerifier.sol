// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IFaultVerifier
/// @notice Fault verification of transcoded segments: anyone holding an orchestrator's signed receipt may challenge
///         one rendition of it with a small ETH bond, within a window of rounds after the round the receipt names;
///         a quorum of trusted verifiers judges it (re-encoding the input to the ladder the receipt names, since
///         encodes are not bit-exact). Faulty: the orchestrator is slashed through the BondingManager, the challenger
///         gets the finder's fee of the penalty and its bond back. Not faulty: the bond goes to the orchestrator.
///         The receipt layout is src/lib/protocol/receipt.ts's ("Streamflow receipt v2").
interface IFaultVerifier {
    /// @notice One rendition of a segment and the keccak256 of its bytes.
    struct RenditionOutput {
        string rendition;
        bytes32 hash;
    }

    /// @notice What an orchestrator signs for one transcoded segment (receipt.ts TranscodeReceipt, field for field).
    /// @param jobHash ladderHash of the ladder the broadcaster asked for
    /// @param round The RoundsManager's current round when the orchestrator signed; the challenge window counts from it
    struct Receipt {
        string streamId;
        uint64 sequenceNumber;
        bytes32 inputHash;
        bytes32 jobHash;
        RenditionOutput[] outputs;
        address orchestrator;
        uint256 round;
    }

    /// @notice One rung of a ladder, as ladderHash encodes it (a jobRequest's `output` item).
    struct Rendition {
        string name;
        uint32 width;
        uint32 height;
        uint32 bitrateKbps;
    }

    /// @notice A challenge's life: None (never filed) → Open → Faulty | NotFaulty | Withdrawn. A receipt is
    ///         challenged at most once, whatever the outcome.
    enum ChallengeStatus {
        None,
        Open,
        Faulty,
        NotFaulty,
        Withdrawn
    }

    /// @notice A stored challenge; its id is the receipt hash.
    struct Challenge {
        address challenger;
        uint96 bondWei; // the bond paid, kept after resolution for the record
        address orchestrator;
        uint32 faultyVerdicts;
        uint32 notFaultyVerdicts;
        ChallengeStatus status;
        uint64 filedRound;
        uint64 verdictDeadlineRound; // last round in which verdicts count; withdrawable after it
    }

    /// @notice Everything at filing a verifier needs to fetch the evidence: the input segment (inputHash), the ladder
    ///         (jobHash), the challenged rendition (its name and hash), and where they live (stream, sequence number).
    event ChallengeFiled(
        bytes32 indexed id,
        address indexed challenger,
        address indexed orchestrator,
        bytes32 inputHash,
        bytes32 jobHash,
        bytes32 renditionHash,
        string rendition,
        uint256 round,
        string streamId,
        uint64 sequenceNumber
    );
    /// @notice `verifier` judged challenge `id`.
    event VerdictSubmitted(bytes32 indexed id, address indexed verifier, bool faulty);
    /// @notice Challenge `id` reached its quorum: `faulty` decides who got the bond (the challenger when faulty, the
    ///         orchestrator otherwise); a faulty verdict also slashed the orchestrator (BondingManager's TranscoderSlashed).
    event ChallengeResolved(
        bytes32 indexed id, bool faulty, address indexed orchestrator, address indexed bondRecipient, uint256 bondWei
    );
    /// @notice No quorum came within the verdict window; the challenger took its bond back.
    event ChallengeWithdrawn(bytes32 indexed id, address indexed challenger, uint256 bondWei);
    /// @notice An ETH payment that `to` refused is kept for it to withdraw with withdrawOwed.
    event PaymentDeferred(address indexed to, uint256 amountWei);
    /// @notice `to` withdrew the ETH kept for it.
    event OwedWithdrawn(address indexed to, uint256 amountWei);
    event VerifierAdded(address indexed verifier);
    event VerifierRemoved(address indexed verifier);
    /// @notice A parameter changed (its name, as the getter is named, and its new value).
    event ParameterUpdate(string param, uint256 value);

    /// @notice The receipt's signature does not recover to `receipt.orchestrator` (`signer` is zero for a malformed
    ///         or malleable signature).
    error ReceiptNotSignedByOrchestrator(address signer, address orchestrator);
    /// @notice The receipt's orchestrator is not registered in the BondingManager: there is no stake to slash.
    error OrchestratorNotRegistered(address orchestrator);
    /// @notice The receipt names a round that has not come yet.
    error ReceiptFromFutureRound(uint256 receiptRound, uint256 currentRound);
    /// @notice The challenge came after the last round of the receipt's challenge window.
    error ChallengeWindowClosed(uint256 receiptRound, uint256 lastRound, uint256 currentRound);
    /// @notice The challenged rendition index is not one of the receipt's outputs.
    error RenditionIndexOutOfRange(uint256 renditionIndex, uint256 outputCount);
    /// @notice msg.value must be the challenge bond exactly.
    error WrongChallengeBond(uint256 sentWei, uint256 requiredWei);
    /// @notice This receipt was challenged before (a receipt is challenged once, whatever became of it).
    error ChallengeExists(bytes32 id);
    /// @notice Only a verifier may judge.
    error NotVerifier(address account);
    /// @notice The address is a verifier already.
    error VerifierExists(address account);
    /// @notice A verifier may not judge a challenge it filed or a receipt it signed.
    error VerifierIsParty(bytes32 id, address verifier);
    /// @notice Challenge `id` is not open (never filed, or resolved or withdrawn).
    error ChallengeNotOpen(bytes32 id, ChallengeStatus status);
    /// @notice `verifier` judged challenge `id` before.
    error AlreadyJudged(bytes32 id, address verifier);
    /// @notice Verdicts on challenge `id` counted until `deadlineRound`.
    error VerdictWindowClosed(bytes32 id, uint256 deadlineRound, uint256 currentRound);
    /// @notice Challenge `id` may still be judged until `deadlineRound`; it can be withdrawn after.
    error VerdictWindowOpen(bytes32 id, uint256 deadlineRound, uint256 currentRound);
    /// @notice Only the challenger withdraws its challenge.
    error NotChallenger(address caller, address challenger);
    /// @notice Nothing is owed to `account`.
    error NothingOwed(address account);
    /// @notice Sending `amountWei` to `to` failed.
    error EthTransferFailed(address to, uint256 amountWei);
    error ZeroAddress();
    /// @notice `value` is not allowed for parameter `param`.
    error InvalidParameter(string param, uint256 value);

    /// @notice Challenges rendition `renditionIndex` of a receipt signed by its orchestrator, paying exactly
    ///         challengeBondWei. The orchestrator must be registered, the receipt's round must be at most
    ///         challengeWindowRounds behind the current round, and the receipt must not have been challenged before.
    /// @param receipt The receipt as the orchestrator signed it (receipt.ts TranscodeReceipt)
    /// @param sig The orchestrator's 65-byte EIP-191 personal-message signature over receiptHash(receipt)
    /// @param renditionIndex Index into receipt.outputs of the rendition claimed faulty
    /// @return id The challenge id: receiptHash(receipt)
    function challenge(Receipt calldata receipt, bytes calldata sig, uint256 renditionIndex)
        external
        payable
        returns (bytes32 id);

    /// @notice A verifier's verdict on challenge `id`, once per verifier, within the verdict window. The verdict
    ///         that brings either side to `quorum` resolves the challenge: faulty slashes the orchestrator (paying the
    ///         challenger the finder's fee) and returns the bond; not faulty pays the bond to the orchestrator.
    function submitVerdict(bytes32 id, bool faulty) external;

    /// @notice The challenger takes its bond back from a challenge that no quorum judged within the verdict window.
    function withdrawExpiredChallenge(bytes32 id) external;

    /// @notice Withdraws ETH kept for the caller after an ETH payment to it failed.
    function withdrawOwed() external;

    /// @notice Owner: adds a verifier.
    function addVerifier(address verifier) external;

    /// @notice Owner: removes a verifier (its verdicts already given still count).
    function removeVerifier(address verifier) external;

    /// @notice Owner: rounds after a receipt's round during which it may be challenged (at least 1).
    function setChallengeWindowRounds(uint256 rounds) external;

    /// @notice Owner: the exact ETH bond of a challenge, in wei (at most 2^96 - 1). Open challenges keep theirs.
    function setChallengeBondWei(uint256 amountWei) external;

    /// @notice Owner: rounds after filing during which verdicts count (at least 1). Open challenges keep theirs.
    function setVerdictWindowRounds(uint256 rounds) external;

    /// @notice Owner: the share of the orchestrator's own bond slashed for a fault, in ppm (at most 1,000,000).
    function setSlashAmountPpm(uint256 ppm) external;

    /// @notice Owner: the challenger's share of the penalty, in ppm (at most 1,000,000); the rest is burned.
    function setFinderFeePpm(uint256 ppm) external;

    /// @notice Owner: agreeing verdicts that resolve a challenge (at least 1).
    function setQuorum(uint256 verdicts) external;

    /// @notice The hash an orchestrator signs: keccak256(abi.encode(RECEIPT_DOMAIN_HASH, streamId, sequenceNumber,
    ///         inputHash, jobHash, outputs, orchestrator, round)); also the challenge id.
    function receiptHash(Receipt calldata receipt) external pure returns (bytes32);

    /// @notice A receipt's jobHash for a ladder: keccak256(abi.encode(ladder)).
    function ladderHash(Rendition[] calldata ladder) external pure returns (bytes32);

    /// @notice Rounds after a receipt's round during which it may be challenged.
    function challengeWindowRounds() external view returns (uint256);

    /// @notice The exact ETH bond of a new challenge, in wei.
    function challengeBondWei() external view returns (uint256);

    /// @notice Rounds after filing during which verdicts count.
    function verdictWindowRounds() external view returns (uint256);

    /// @notice The share of the orchestrator's own bond slashed for a fault, in ppm.
    function slashAmountPpm() external view returns (uint256);

    /// @notice The challenger's share of the penalty, in ppm.
    function finderFeePpm() external view returns (uint256);

    /// @notice Agreeing verdicts that resolve a challenge.
    function quorum() external view returns (uint256);

    /// @notice Number of verifiers.
    function verifierCount() external view returns (uint256);

    /// @notice ETH kept for `account` after a payment to it failed, in wei.
    function owedWei(address account) external view returns (uint256);

        /// @notice The stored challenge `id` (status None when there is none).
    function getChallenge(bytes32 id) external view returns (Challenge memory);

    /// @notice Whether `verifier` has judged challenge `id`.
    function hasJudged(bytes32 id, address verifier) external view returns (bool);

    /// @notice Whether `account` is a verifier.
    function isVerifier(address account) external view returns (bool);
}
