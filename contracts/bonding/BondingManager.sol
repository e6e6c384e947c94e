// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {LivepeerToken} from "../token/LivepeerToken.sol";
import {MixinEarnings} from "./mixins/MixinEarnings.sol";
import {BondingManagerStorage} from "./BondingManagerStorage.sol";

/// @title BondingManager
/// @notice Staking: delegators bond LPT to orchestrators, unbond through unbonding locks, rebond, withdraw, and
///         earn LPT rewards and ETH fees; the verifier contract slashes faulty orchestrators. Every operation is
///         O(1) in the number of orchestrators (open active set, cumulative earnings factors).
contract BondingManager is MixinEarnings, Ownable {
    using SafeERC20 for LivepeerToken;

    /// @param unbondingPeriodRounds_ Rounds between unbond and withdrawStake.
    /// @param minActiveStake_ Total stake (LPT wei) at which an orchestrator is active; must be > 0.
    /// @param cutNoticePeriodRounds_ Rounds a worse cut change waits before it takes effect.
    constructor(
        LivepeerToken token_,
        IRoundsManager roundsManager_,
        uint256 unbondingPeriodRounds_,
        uint256 minActiveStake_,
        uint256 cutNoticePeriodRounds_
    ) BondingManagerStorage(token_, roundsManager_) Ownable(msg.sender) {
        _setUnbondingPeriod(unbondingPeriodRounds_);
        _setMinActiveStake(minActiveStake_);
        _setCutNoticePeriod(cutNoticePeriodRounds_);
    }

    // ---------------------------------------------------------------- wiring and governance

    /// @notice Wires the Minter. Once, by the owner.
    function setMinter(IMinter minter_) external onlyOwner {
        if (address(minter) != address(0)) revert ContractAlreadySet("Minter");
        minter = minter_;
        emit ProtocolContractSet("Minter", address(minter_));
    }

    /// @notice Wires the TicketBroker, the only caller of updateTranscoderWithFees. Once, by the owner.
    function setTicketBroker(address ticketBroker_) external onlyOwner {
        if (ticketBroker != address(0)) revert ContractAlreadySet("TicketBroker");
        ticketBroker = ticketBroker_;
        emit ProtocolContractSet("TicketBroker", ticketBroker_);
    }

    /// @notice Sets the fault-verification contract, the only caller of slashTranscoder. By the owner.
    function setVerifier(address verifier_) external onlyOwner {
        verifier = verifier_;
        emit ProtocolContractSet("Verifier", verifier_);
    }

    /// @notice Governance: rounds an unbonding lock waits.
    function setUnbondingPeriod(uint256 rounds) external onlyOwner {
        _setUnbondingPeriod(rounds);
    }

    /// @notice Governance: the active-set threshold. Orchestrators are re-evaluated on their next stake change or
    ///         by anyone through refreshActivation (no loop over the registry).
    function setMinActiveStake(uint256 amount) external onlyOwner {
        _setMinActiveStake(amount);
    }

    /// @notice Governance: notice period for cut changes that are worse for delegators.
    function setCutNoticePeriod(uint256 rounds) external onlyOwner {
        _setCutNoticePeriod(rounds);
    }

    // ---------------------------------------------------------------- delegation

    /// @notice Bonds `amount` more LPT of the caller's to `to`. If the caller is already bonded to another address,
    ///         its whole bond moves to `to` (amount may then be 0). Bonding to oneself registers as an orchestrator.
    ///         Stake added or moved in earns from the next round on.
    function bond(uint256 amount, address to) external currentRoundInitialized {
        if (to == address(0)) revert ZeroAddress();
        _claimEarnings(msg.sender);
        Delegator storage d = _delegators[msg.sender];
        address oldDelegate = d.delegateAddress;
        bool moving = oldDelegate != address(0) && oldDelegate != to;
        if (amount == 0 && !moving) revert ZeroAmount();

        uint256 moved = moving ? uint256(d.bondedAmount) + d.pendingAmount : 0;
        if (moving || oldDelegate == address(0)) {
            // The new delegate is set before the old one is updated, so an orchestrator leaving itself unregisters.
            d.delegateAddress = to;
            d.startRound = uint48(_currentRound() + 1);
        }
        if (moving) _removeStakeFrom(oldDelegate, d, moved);
        if (moving || oldDelegate == address(0)) _snapshotFactors(d, _orchestrators[to]);
        _addPendingStake(to, d, moved + amount);
        _totalBonded += amount;

        emit Bond(to, oldDelegate, msg.sender, amount, uint256(d.bondedAmount) + d.pendingAmount);
        if (amount > 0) token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Unbonds `amount` of the caller's stake into a new unbonding lock, withdrawable after
    ///         unbondingPeriodRounds. Unbonding an orchestrator's whole self-bond unregisters it.
    function unbond(uint256 amount) external currentRoundInitialized {
        if (amount == 0) revert ZeroAmount();
        _claimEarnings(msg.sender);
        Delegator storage d = _delegators[msg.sender];
        address delegate = d.delegateAddress;
        if (delegate == address(0)) revert NotBonded(msg.sender);
        uint256 bonded = uint256(d.bondedAmount) + d.pendingAmount;
        if (amount > bonded) revert InsufficientBond(bonded, amount);

        uint256 lockId = d.nextUnbondingLockId++;
        uint256 withdrawRound = _currentRound() + unbondingPeriodRounds;
        d.unbondingLocks[lockId] = UnbondingLock({amount: amount, withdrawRound: withdrawRound});
        if (amount == bonded) {
            d.delegateAddress = address(0);
            d.startRound = 0;
        }
        // With the delegate cleared first, a full self-unbond also takes the orchestrator out of the active set.
        _removeStakeFrom(delegate, d, amount);
        _totalBonded -= amount;
        emit Unbond(delegate, msg.sender, lockId, amount, withdrawRound);
    }

    /// @notice Bonds an unbonding lock's stake back to the caller's current delegate (earning from the next round).
    function rebond(uint256 unbondingLockId) external currentRoundInitialized {
        Delegator storage d = _delegators[msg.sender];
        if (d.delegateAddress == address(0)) revert NotBonded(msg.sender);
        _claimEarnings(msg.sender);
        _rebond(msg.sender, d, unbondingLockId);
    }

    /// @notice For a fully unbonded caller: bonds an unbonding lock's stake to `to` (earning from the next round).
    function rebondFromUnbonded(address to, uint256 unbondingLockId) external currentRoundInitialized {
        if (to == address(0)) revert ZeroAddress();
        Delegator storage d = _delegators[msg.sender];
        if (d.delegateAddress != address(0)) revert AlreadyBonded(msg.sender, d.delegateAddress);
        if (d.unbondingLocks[unbondingLockId].amount == 0) revert InvalidUnbondingLock(msg.sender, unbondingLockId);
        d.delegateAddress = to;
        d.startRound = uint48(_currentRound() + 1);
        _snapshotFactors(d, _orchestrators[to]);
        _rebond(msg.sender, d, unbondingLockId);
    }

    /// @notice Withdraws an unbonding lock's LPT once its withdraw round has come.
    function withdrawStake(uint256 unbondingLockId) external {
        Delegator storage d = _delegators[msg.sender];
        UnbondingLock memory lock = d.unbondingLocks[unbondingLockId];
        if (lock.amount == 0) revert InvalidUnbondingLock(msg.sender, unbondingLockId);
        uint256 round = _currentRound();
        if (round < lock.withdrawRound) revert UnbondingPeriodNotOver(lock.withdrawRound, round);
        delete d.unbondingLocks[unbondingLockId];
        emit WithdrawStake(msg.sender, unbondingLockId, lock.amount, lock.withdrawRound);
        token.safeTransfer(msg.sender, lock.amount);
    }

    // ---------------------------------------------------------------- slashing

    /// @inheritdoc IBondingManager
    /// @dev Needs the current round initialized, like every stake change: a slash before initialization would lower
    ///      the round's total active stake but not the orchestrator's round-start stake, and the round's rewards
    ///      would then add up to more than the Minter may mint.
    function slashTranscoder(address orchestrator, address finder, uint256 slashAmountPpm, uint256 finderFeePpm)
        external
        currentRoundInitialized
    {
        if (msg.sender != verifier || verifier == address(0)) revert OnlyVerifier(msg.sender);
        if (slashAmountPpm > PPM) revert InvalidPpm(slashAmountPpm);
        if (finderFeePpm > PPM) revert InvalidPpm(finderFeePpm);
        _claimEarnings(orchestrator);
        Delegator storage d = _delegators[orchestrator];
        uint256 penalty = ((uint256(d.bondedAmount) + d.pendingAmount) * slashAmountPpm) / PPM;
        uint256 finderReward = finder == address(0) ? 0 : (penalty * finderFeePpm) / PPM;
        _orchestrators[orchestrator].slashCount += 1;
        if (penalty > 0) {
            address delegate = d.delegateAddress;
            if (penalty == uint256(d.bondedAmount) + d.pendingAmount) d.delegateAddress = address(0);
            _removeStakeFrom(delegate, d, penalty);
            _totalBonded -= penalty;
        }
        emit TranscoderSlashed(orchestrator, finder, penalty, finderReward);
        if (penalty > finderReward) token.burn(penalty - finderReward);
        if (finderReward > 0) token.safeTransfer(finder, finderReward);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IBondingManager
    function isRegisteredTranscoder(address transcoder_) external view returns (bool) {
        return _orchestrators[transcoder_].registered;
    }

    /// @inheritdoc IBondingManager
    function getTotalBonded() external view returns (uint256) {
        return _totalBonded;
    }

    /// @inheritdoc IBondingManager
    function transcoderTotalStake(address transcoder_) external view returns (uint256) {
        return _orchestrators[transcoder_].delegatedAmount;
    }

    /// @notice An orchestrator's state as a UI shows it.
    function getTranscoder(address transcoder_) external view returns (TranscoderInfo memory info) {
        Orchestrator storage o = _orchestrators[transcoder_];
        (info.rewardCutPpm, info.feeSharePpm) = transcoderCuts(transcoder_);
        info.totalStake = o.delegatedAmount;
        info.lastRewardRound = o.lastRewardRound;
        info.cumulativeRewardFactor = _rewardFactor(o);
        info.cumulativeFeeFactor = o.cumulativeFeeFactor;
        info.active = isActiveTranscoder(transcoder_);
        info.registered = _isRegistered(transcoder_);
        info.slashCount = o.slashCount;
    }

    /// @notice A delegator's stored state: bondedAmount (earning and pending stake) and fees as of its last claim
    ///         (see pendingStake/pendingFees for the values with earnings since, getDelegatorPendingBond for the part
    ///         that starts earning next round).
    function getDelegator(address delegator)
        external
        view
        returns (
            uint256 bondedAmount,
            uint256 fees,
            address delegateAddress,
            uint256 startRound,
            uint256 lastClaimRewardFactor,
            uint256 lastClaimFeeFactor,
            uint256 nextUnbondingLockId
        )
    {
        Delegator storage d = _delegators[delegator];
        return (
            uint256(d.bondedAmount) + d.pendingAmount,
            d.fees,
            d.delegateAddress,
            d.startRound,
            d.lastClaimRewardFactor,
            d.lastClaimFeeFactor,
            d.nextUnbondingLockId
        );
    }

    /// @notice An unbonding lock (amount 0 once rebonded or withdrawn).
    function getDelegatorUnbondingLock(address delegator, uint256 unbondingLockId)
        external
        view
        returns (uint256 amount, uint256 withdrawRound)
    {
        UnbondingLock storage lock = _delegators[delegator].unbondingLocks[unbondingLockId];
        return (lock.amount, lock.withdrawRound);
    }

    // ---------------------------------------------------------------- internals

    function _rebond(address delegator, Delegator storage d, uint256 unbondingLockId) private {
        UnbondingLock memory lock = d.unbondingLocks[unbondingLockId];
        if (lock.amount == 0) revert InvalidUnbondingLock(delegator, unbondingLockId);
        delete d.unbondingLocks[unbondingLockId];
        address delegate = d.delegateAddress;
        _addPendingStake(delegate, d, lock.amount);
        _totalBonded += lock.amount;
        emit Rebond(delegate, delegator, unbondingLockId, lock.amount);
    }

    function _setUnbondingPeriod(uint256 rounds) private {
        if (rounds == 0) revert InvalidParameter("unbondingPeriodRounds", rounds);
        unbondingPeriodRounds = rounds;
        emit ParameterUpdate("unbondingPeriodRounds", rounds);
    }

    function _setMinActiveStake(uint256 amount) private {
        if (amount == 0) revert InvalidParameter("minActiveStake", amount);
        minActiveStake = amount;
        emit ParameterUpdate("minActiveStake", amount);
    }

    function _setCutNoticePeriod(uint256 rounds) private {
        cutNoticePeriodRounds = rounds;
        emit ParameterUpdate("cutNoticePeriodRounds", rounds);
    }
}
