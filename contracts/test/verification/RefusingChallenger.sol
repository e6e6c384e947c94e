// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IFaultVerifier} from "../../interfaces/IFaultVerifier.sol";

/// @title RefusingChallenger
/// @notice Test double: a challenger that is a contract refusing ETH until told otherwise, so that a verdict paying
///         it its bond must neither revert nor lose the ETH (it is owed instead). Test-only; never deployed by the
///         deploy module.
contract RefusingChallenger {
    error Refused();

    IFaultVerifier private immutable _verifier;
    bool private _accepting;

    constructor(IFaultVerifier verifier) {
        _verifier = verifier;
    }

    /// @notice Files a challenge with msg.value as the bond.
    function challenge(IFaultVerifier.Receipt calldata receipt, bytes calldata sig, uint256 renditionIndex)
        external
        payable
        returns (bytes32)
    {
        return _verifier.challenge{value: msg.value}(receipt, sig, renditionIndex);
    }

    /// @notice Starts or stops accepting ETH.
    function setAccepting(bool accepting) external {
        _accepting = accepting;
    }

    /// @notice Withdraws what the FaultVerifier owes this contract.
    function withdrawOwed() external {
        _verifier.withdrawOwed();
    }

    receive() external payable {
        if (!_accepting) revert Refused();
    }
}
