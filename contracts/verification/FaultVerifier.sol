// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IFaultVerifier} from "../interfaces/IFaultVerifier.sol";

/// @title FaultVerifier
/// @notice The verifier contract orchestrators name for their services in the ServiceRegistry, and the BondingManager's
///         `verifier` (the only caller of slashTranscoder). Challenges of signed receipts, judged by a quorum of
///         trusted verifiers; see IFaultVerifier for the rules.
/// @dev ETH is only ever held as bonds of open challenges or as owedWei: the contract's balance is their sum.
contract FaultVerifier is IFaultVerifier, Ownable, ReentrancyGuard {
    /// @notice Denominator of slashAmountPpm and finderFeePpm (the BondingManager's PPM).
    uint256 public constant PPM = 1_000_000;
    /// @notice Domain of every receipt hash; equals RECEIPT_DOMAIN_HASH in src/lib/protocol/receipt.ts.
    bytes32 public constant RECEIPT_DOMAIN_HASH = keccak256("Streamflow receipt v2");

    /// @notice What the constructor sets; each is owner-settable afterwards (see the setters).
    struct Params {
        uint256 challengeWindowRounds;
        uint256 challengeBondWei;
        uint256 verdictWindowRounds;
        uint256 slashAmountPpm;
        uint256 finderFeePpm;
        uint256 quorum;
    }

    /// @notice The BondingManager this contract slashes through (it must name this contract its verifier).
    IBondingManager public immutable bondingManager;
    /// @notice Protocol time: receipts' rounds, windows, and the round a slash needs initialized.
    IRoundsManager public immutable roundsManager;

    /// @inheritdoc IFaultVerifier
    uint256 public challengeWindowRounds;
    /// @inheritdoc IFaultVerifier
    uint256 public challengeBondWei;
    /// @inheritdoc IFaultVerifier
    uint256 public verdictWindowRounds;
    /// @inheritdoc IFaultVerifier
    uint256 public slashAmountPpm;
    /// @inheritdoc IFaultVerifier
    uint256 public finderFeePpm;
    /// @inheritdoc IFaultVerifier
    uint256 public quorum;
    /// @inheritdoc IFaultVerifier
    uint256 public verifierCount;
    /// @inheritdoc IFaultVerifier
    mapping(address account => uint256) public owedWei;

    mapping(address account => bool) private _verifiers;
    mapping(bytes32 id => Challenge) private _challenges;
    mapping(bytes32 id => mapping(address verifier => bool)) private _judged;

    /// @param bondingManager_ The BondingManager to slash through
    /// @param roundsManager_ The RoundsManager whose rounds receipts name
    /// @param owner_ Who sets parameters and the verifier set
    /// @param params The initial parameters (validated as the setters validate them)
    /// @param verifiers The initial verifier set
    constructor(
        IBondingManager bondingManager_,
        IRoundsManager roundsManager_,
        address owner_,
        Params memory params,
        address[] memory verifiers
    ) Ownable(owner_) {
        if (address(bondingManager_) == address(0) || address(roundsManager_) == address(0)) revert ZeroAddress();
        bondingManager = bondingManager_;
        roundsManager = roundsManager_;
        _setChallengeWindowRounds(params.challengeWindowRounds);
        _setChallengeBondWei(params.challengeBondWei);
        _setVerdictWindowRounds(params.verdictWindowRounds);
        _setSlashAmountPpm(params.slashAmountPpm);
        _setFinderFeePpm(params.finderFeePpm);
        _setQuorum(params.quorum);
        for (uint256 i = 0; i < verifiers.length; i++) {
            _addVerifier(verifiers[i]);
        }
    }

    // ---------------------------------------------------------------- challenges

    /// @inheritdoc IFaultVerifier
    function challenge(Receipt calldata receipt, bytes calldata sig, uint256 renditionIndex)
        external
        payable
        returns (bytes32 id)
    {
        id = _receiptHash(receipt);
        (address signer,,) = ECDSA.tryRecover(MessageHashUtils.toEthSignedMessageHash(id), sig);
        if (signer != receipt.orchestrator || signer == address(0)) {
            revert ReceiptNotSignedByOrchestrator(signer, receipt.orchestrator);
        }
        if (!bondingManager.isRegisteredTranscoder(receipt.orchestrator)) {
            revert OrchestratorNotRegistered(receipt.orchestrator);
        }
        uint256 round = roundsManager.currentRound();
        // Checked before the window so that receipt.round + window cannot overflow for a forged far-future round.
        if (receipt.round > round) revert ReceiptFromFutureRound(receipt.round, round);
        if (round - receipt.round > challengeWindowRounds) {
            revert ChallengeWindowClosed(receipt.round, receipt.round + challengeWindowRounds, round);
        }
        if (renditionIndex >= receipt.outputs.length) {
            revert RenditionIndexOutOfRange(renditionIndex, receipt.outputs.length);
        }
        if (msg.value != challengeBondWei) revert WrongChallengeBond(msg.value, challengeBondWei);
        if (_challenges[id].status != ChallengeStatus.None) revert ChallengeExists(id);

        _challenges[id] = Challenge({
            challenger: msg.sender,
            bondWei: uint96(msg.value), // challengeBondWei fits 96 bits (_setChallengeBondWei)
            orchestrator: receipt.orchestrator,
            faultyVerdicts: 0,
            notFaultyVerdicts: 0,
            status: ChallengeStatus.Open,
            filedRound: uint64(round),
            verdictDeadlineRound: uint64(round + verdictWindowRounds)
        });
        _emitChallengeFiled(id, receipt, renditionIndex);
    }

    /// @inheritdoc IFaultVerifier
    function submitVerdict(bytes32 id, bool faulty) external nonReentrant {
        if (!_verifiers[msg.sender]) revert NotVerifier(msg.sender);
        Challenge storage c = _challenges[id];
        if (c.status != ChallengeStatus.Open) revert ChallengeNotOpen(id, c.status);
        uint256 round = roundsManager.currentRound();
        if (round > c.verdictDeadlineRound) revert VerdictWindowClosed(id, c.verdictDeadlineRound, round);
        if (msg.sender == c.challenger || msg.sender == c.orchestrator) revert VerifierIsParty(id, msg.sender);
        if (_judged[id][msg.sender]) revert AlreadyJudged(id, msg.sender);

        _judged[id][msg.sender] = true;
        uint256 agreeing = faulty ? ++c.faultyVerdicts : ++c.notFaultyVerdicts;
        emit VerdictSubmitted(id, msg.sender, faulty);
        if (agreeing < quorum) return;

        // Effects first: the challenge is closed before any call out, so no re-entry can judge or pay it twice.
        address challenger = c.challenger;
        address orchestrator = c.orchestrator;
        uint256 bondWei = c.bondWei;
        c.status = faulty ? ChallengeStatus.Faulty : ChallengeStatus.NotFaulty;
        address bondRecipient = faulty ? challenger : orchestrator;
        emit ChallengeResolved(id, faulty, orchestrator, bondRecipient, bondWei);
        if (faulty) {
            // slashTranscoder needs the current round initialized; nobody may have done it yet this round.
            if (!roundsManager.currentRoundInitialized()) roundsManager.initializeRound();
            bondingManager.slashTranscoder(orchestrator, challenger, slashAmountPpm, finderFeePpm);
        }
        _pay(bondRecipient, bondWei);
    }

    /// @inheritdoc IFaultVerifier
    function withdrawExpiredChallenge(bytes32 id) external nonReentrant {
        Challenge storage c = _challenges[id];
        if (c.status != ChallengeStatus.Open) revert ChallengeNotOpen(id, c.status);
        if (msg.sender != c.challenger) revert NotChallenger(msg.sender, c.challenger);
        uint256 round = roundsManager.currentRound();
        if (round <= c.verdictDeadlineRound) revert VerdictWindowOpen(id, c.verdictDeadlineRound, round);

        c.status = ChallengeStatus.Withdrawn;
        emit ChallengeWithdrawn(id, msg.sender, c.bondWei);
        _pay(msg.sender, c.bondWei);
    }

    /// @inheritdoc IFaultVerifier
    function withdrawOwed() external nonReentrant {
        uint256 amountWei = owedWei[msg.sender];
        if (amountWei == 0) revert NothingOwed(msg.sender);
        owedWei[msg.sender] = 0;
        emit OwedWithdrawn(msg.sender, amountWei);
        (bool ok,) = msg.sender.call{value: amountWei}("");
        if (!ok) revert EthTransferFailed(msg.sender, amountWei);
    }

    // ---------------------------------------------------------------- verifier set and parameters

    /// @inheritdoc IFaultVerifier
    function addVerifier(address verifier) external onlyOwner {
        _addVerifier(verifier);
    }

    /// @inheritdoc IFaultVerifier
    function removeVerifier(address verifier) external onlyOwner {
        if (!_verifiers[verifier]) revert NotVerifier(verifier);
        _verifiers[verifier] = false;
        verifierCount -= 1;
        emit VerifierRemoved(verifier);
    }

    /// @inheritdoc IFaultVerifier
    function setChallengeWindowRounds(uint256 rounds) external onlyOwner {
        _setChallengeWindowRounds(rounds);
    }

    /// @inheritdoc IFaultVerifier
    function setChallengeBondWei(uint256 amountWei) external onlyOwner {
        _setChallengeBondWei(amountWei);
    }

    /// @inheritdoc IFaultVerifier
    function setVerdictWindowRounds(uint256 rounds) external onlyOwner {
        _setVerdictWindowRounds(rounds);
    }

    /// @inheritdoc IFaultVerifier
    function setSlashAmountPpm(uint256 ppm) external onlyOwner {
        _setSlashAmountPpm(ppm);
    }

    /// @inheritdoc IFaultVerifier
    function setFinderFeePpm(uint256 ppm) external onlyOwner {
        _setFinderFeePpm(ppm);
    }

    /// @inheritdoc IFaultVerifier
    function setQuorum(uint256 verdicts) external onlyOwner {
        _setQuorum(verdicts);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IFaultVerifier
    function receiptHash(Receipt calldata receipt) external pure returns (bytes32) {
        return _receiptHash(receipt);
    }

    /// @inheritdoc IFaultVerifier
    function ladderHash(Rendition[] calldata ladder) external pure returns (bytes32) {
        return keccak256(abi.encode(ladder));
    }

    /// @inheritdoc IFaultVerifier
    function getChallenge(bytes32 id) external view returns (Challenge memory) {
        return _challenges[id];
    }

    /// @inheritdoc IFaultVerifier
    function hasJudged(bytes32 id, address verifier) external view returns (bool) {
        return _judged[id][verifier];
    }

    /// @inheritdoc IFaultVerifier
    function isVerifier(address account) external view returns (bool) {
        return _verifiers[account];
    }

    // ---------------------------------------------------------------- internals

    /// @dev abi.encode rather than encodePacked: strings and the outputs array are length-prefixed, so no two
    ///      receipts share an encoding (as in receipt.ts).
    function _receiptHash(Receipt calldata r) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                RECEIPT_DOMAIN_HASH, r.streamId, r.sequenceNumber, r.inputHash, r.jobHash, r.outputs, r.orchestrator, r.round
            )
        );
    }

    /// @dev Its own function so that challenge() stays within the stack limit.
    function _emitChallengeFiled(bytes32 id, Receipt calldata receipt, uint256 renditionIndex) private {
        RenditionOutput calldata output = receipt.outputs[renditionIndex];
        emit ChallengeFiled(
            id,
            msg.sender,
            receipt.orchestrator,
            receipt.inputHash,
            receipt.jobHash,
            output.hash,
            output.rendition,
            receipt.round,
            receipt.streamId,
            receipt.sequenceNumber
        );
    }

    /// @dev Pays at once; a recipient that refuses ETH (or runs out of gas) is owed it instead, so that it cannot
    ///      block a verdict or a withdrawal. No returndata is copied, so a recipient cannot make the caller pay for it.
    function _pay(address to, uint256 amountWei) private {
        if (amountWei == 0) return;
        bool ok;
        assembly ("memory-safe") {
            ok := call(gas(), to, amountWei, 0, 0, 0, 0)
        }
        if (!ok) {
            owedWei[to] += amountWei;
            emit PaymentDeferred(to, amountWei);
        }
    }

    function _addVerifier(address verifier) private {
        if (verifier == address(0)) revert ZeroAddress();
        if (_verifiers[verifier]) revert VerifierExists(verifier);
        _verifiers[verifier] = true;
        verifierCount += 1;
        emit VerifierAdded(verifier);
    }

    function _setChallengeWindowRounds(uint256 rounds) private {
        if (rounds == 0 || rounds > type(uint64).max) revert InvalidParameter("challengeWindowRounds", rounds);
        challengeWindowRounds = rounds;
        emit ParameterUpdate("challengeWindowRounds", rounds);
    }

    function _setChallengeBondWei(uint256 amountWei) private {
        if (amountWei > type(uint96).max) revert InvalidParameter("challengeBondWei", amountWei);
        challengeBondWei = amountWei;
        emit ParameterUpdate("challengeBondWei", amountWei);
    }

    function _setVerdictWindowRounds(uint256 rounds) private {
        // Bounded so that filedRound + window fits the uint64 a challenge stores.
        if (rounds == 0 || rounds > type(uint32).max) revert InvalidParameter("verdictWindowRounds", rounds);
        verdictWindowRounds = rounds;
        emit ParameterUpdate("verdictWindowRounds", rounds);
    }

    function _setSlashAmountPpm(uint256 ppm) private {
        if (ppm > PPM) revert InvalidParameter("slashAmountPpm", ppm);
        slashAmountPpm = ppm;
        emit ParameterUpdate("slashAmountPpm", ppm);
    }

    function _setFinderFeePpm(uint256 ppm) private {
        if (ppm > PPM) revert InvalidParameter("finderFeePpm", ppm);
        finderFeePpm = ppm;
        emit ParameterUpdate("finderFeePpm", ppm);
    }

    function _setQuorum(uint256 verdicts) private {
        if (verdicts == 0 || verdicts > type(uint32).max) revert InvalidParameter("quorum", verdicts);
        quorum = verdicts;
        emit ParameterUpdate("quorum", verdicts);
    }
}
