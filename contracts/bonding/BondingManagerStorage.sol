// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {LivepeerToken} from "../token/LivepeerToken.sol";

/// @title BondingManagerStorage
/// @notice State, constants, events and errors shared by the BondingManager's mixins.
abstract contract BondingManagerStorage is IBondingManager {
    /// @notice Denominator of rewardCut, feeShare and slashing fractions.
    uint256 public constant PPM = 1_000_000;
    /// @notice Fixed-point scale of the cumulative reward and fee factors (LIP-36 style earnings pools).
    uint256 internal constant FACTOR_PRECISION = 1e27;
    /// @notice Earning stake at or below this many wei (10^-12 LPT) is treated as rounding dust: the floor divisions of
    ///         earnings claims leave a few wei in an orchestrator's total that no delegator owns (found by the
    ///         invariant suite, contracts/test/invariants).
    uint256 internal constant EARNING_STAKE_DUST_WEI = 1_000_000;

    /// @dev One per address that was ever delegated to. The earnings factors grow forever, so a delegator's earnings
    ///      since its last claim are a ratio of two factor readings: claiming never loops over rounds.
    ///      Stake added during a round is pending: it counts in delegatedAmount (and in the next round's active set)
    ///      but earns nothing until the next round, so a bond moved in mid-round cannot take a share of that round's
    ///      reward or fees (stake hopping). Fields are packed so the redemption path reads few slots.
    struct Orchestrator {
        uint128 delegatedAmount; // total stake bonded to it now, its own and pending stake included
        uint128 pendingStake; // stake added during pendingStakeRound (not earning in that round)
        uint256 cumulativeRewardFactor; // stake multiplier since registration, scaled by FACTOR_PRECISION (0 = 1.0)
        uint256 cumulativeFeeFactor; // ETH fees per unit of normalized stake, scaled by FACTOR_PRECISION
        uint128 roundStartStake; // delegatedAmount at the start of lastStakeUpdateRound
        uint48 lastStakeUpdateRound; // last round in which delegatedAmount or activity changed
        bool roundStartActive; // was active at the start of lastStakeUpdateRound
        uint48 lastRewardRound;
        uint32 rewardCutPpm;
        uint32 feeSharePpm;
        bool activeNow; // in the active set from the next round on
        bool registered; // cached _isRegistered, kept by _setDelegatedAmount: the fee path reads one slot less
        bool cutsSet;
        uint48 pendingCutsEffectiveRound; // 0 = no pending change
        uint48 pendingStakeRound;
        uint48 openCheckpointRoundPlusOne; // round + 1 whose end-of-round factors pending bonds still need; 0 = none
        uint32 pendingRewardCutPpm;
        uint32 pendingFeeSharePpm;
        uint32 slashCount;
    }

    /// @dev Reward and fee factors at the end of a round in which stake was added (where pending bonds start earning).
    struct Factors {
        uint256 rewardFactor;
        uint256 feeFactor;
    }

    /// @notice What getTranscoder returns.
    struct TranscoderInfo {
        uint256 totalStake;
        uint256 rewardCutPpm;
        uint256 feeSharePpm;
        uint256 lastRewardRound;
        uint256 cumulativeRewardFactor;
        uint256 cumulativeFeeFactor;
        bool active;
        bool registered;
        uint256 slashCount;
    }

    struct UnbondingLock {
        uint256 amount;
        uint256 withdrawRound;
    }

    struct Delegator {
        uint128 bondedAmount; // earning stake as of the last claim
        uint128 fees; // ETH fees claimed into the account, withdrawable
        uint256 lastClaimRewardFactor; // delegate's cumulativeRewardFactor at the last claim
        uint256 lastClaimFeeFactor; // delegate's cumulativeFeeFactor at the last claim
        address delegateAddress;
        uint48 startRound;
        uint32 nextUnbondingLockId;
        uint128 pendingAmount; // stake bonded during pendingRound: earns from the round after
        uint48 pendingRound;
        mapping(uint256 lockId => UnbondingLock) unbondingLocks;
    }

    LivepeerToken public immutable token;
    IRoundsManager public immutable roundsManager;
    IMinter public minter;
    address public ticketBroker;
    /// @notice The fault-verification contract allowed to slash.
    address public verifier;

    /// @notice Rounds an unbonding lock waits before its stake can be withdrawn.
    uint256 public unbondingPeriodRounds;
    /// @notice Stake at which an orchestrator joins the active set (open active set: no cap on its size).
    uint256 public minActiveStake;
    /// @notice Rounds between the announcement of a cut change worse for delegators and its effect.
    uint256 public cutNoticePeriodRounds;

    uint256 internal _totalBonded;
    uint256 public nextRoundTotalActiveStake;
    uint256 public nextRoundActiveCount;
    /// @inheritdoc IBondingManager
    uint256 public currentRoundTotalActiveStake;
    uint256 public currentRoundActiveCount;

    mapping(address => Orchestrator) internal _orchestrators;
    mapping(address => Delegator) internal _delegators;
    mapping(address transcoder => mapping(uint256 round => Factors)) internal _endOfRoundFactors;

    // ---- events (everything a UI shows) ----
    event Bond(
        address indexed newDelegate,
        address indexed oldDelegate,
        address indexed delegator,
        uint256 additionalAmount,
        uint256 bondedAmount
    );
    event Unbond(
        address indexed delegate, address indexed delegator, uint256 unbondingLockId, uint256 amount, uint256 withdrawRound
    );
    event Rebond(address indexed delegate, address indexed delegator, uint256 unbondingLockId, uint256 amount);
    event WithdrawStake(address indexed delegator, uint256 unbondingLockId, uint256 amount, uint256 withdrawRound);
    event WithdrawFees(address indexed delegator, address recipient, uint256 amount);
    event EarningsClaimed(address indexed delegate, address indexed delegator, uint256 rewards, uint256 fees);
    event Reward(address indexed transcoder, uint256 amount, uint256 round);
    event TranscoderFees(address indexed transcoder, uint256 fees, uint256 delegatorsFees, uint256 round);
    event TranscoderUpdate(address indexed transcoder, uint256 rewardCut, uint256 feeShare);
    event CutChangeAnnounced(address indexed transcoder, uint256 rewardCut, uint256 feeShare, uint256 effectiveRound);
    event CutChangeTookEffect(address indexed transcoder, uint256 rewardCut, uint256 feeShare, uint256 effectiveRound);
    event CutChangeCancelled(address indexed transcoder);
    event TranscoderActivated(address indexed transcoder, uint256 activationRound);
    event TranscoderDeactivated(address indexed transcoder, uint256 deactivationRound);
    event TranscoderSlashed(address indexed transcoder, address finder, uint256 penalty, uint256 finderReward);
    event ParameterUpdate(string param, uint256 value);
    event ProtocolContractSet(string name, address addr);

    // ---- errors (named, with the data needed to act on them) ----
    error CurrentRoundNotInitialized(uint256 round);
    error ZeroAmount();
    error ZeroAddress();
    error InsufficientBond(uint256 bonded, uint256 requested);
    error NotBonded(address delegator);
    error AlreadyBonded(address delegator, address delegate);
    error InvalidUnbondingLock(address delegator, uint256 unbondingLockId);
    error UnbondingPeriodNotOver(uint256 withdrawRound, uint256 currentRound);
    error InsufficientFees(uint256 available, uint256 requested);
    error NotRegisteredOrchestrator(address transcoder);
    error NotActiveOrchestrator(address transcoder, uint256 round);
    error RewardAlreadyCalled(address transcoder, uint256 round);
    error InvalidPpm(uint256 value);
    error OnlyTicketBroker(address caller);
    error OnlyRoundsManager(address caller);
    error OnlyVerifier(address caller);
    error ContractAlreadySet(string name);
    error InvalidParameter(string param, uint256 value);

    modifier currentRoundInitialized() {
        if (!roundsManager.currentRoundInitialized()) revert CurrentRoundNotInitialized(roundsManager.currentRound());
        _;
    }

    constructor(LivepeerToken token_, IRoundsManager roundsManager_) {
        token = token_;
        roundsManager = roundsManager_;
    }

    function _currentRound() internal view returns (uint256) {
        return roundsManager.currentRound();
    }

    /// @dev Stake delegated to `o` that earns in `round`: everything but what was added during `round`.
    function _earningStake(Orchestrator storage o, uint256 round) internal view returns (uint256) {
        return o.delegatedAmount - (o.pendingStakeRound == round ? o.pendingStake : 0);
    }

    /// @dev Registered = bonded to itself with a non-zero bond (Livepeer's rule).
    function _isRegistered(address addr) internal view returns (bool) {
        Delegator storage d = _delegators[addr];
        return d.delegateAddress == addr && (d.bondedAmount > 0 || d.pendingAmount > 0);
    }
}
