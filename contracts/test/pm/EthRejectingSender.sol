// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITicketBroker} from "../../interfaces/ITicketBroker.sol";

/// @title EthRejectingSender
/// @notice Test double: a ticket sender that is a contract refusing ETH, so withdraw() must fail with
///         EthTransferFailed instead of losing the funds. Test-only; never deployed by the deploy module.
contract EthRejectingSender {
    ITicketBroker private immutable _broker;

    constructor(ITicketBroker broker) {
        _broker = broker;
    }

    /// @notice Funds this contract's deposit with msg.value.
    function fundDeposit() external payable {
        _broker.fundDeposit{value: msg.value}();
    }

    /// @notice Starts this contract's unlock period.
    function unlock() external {
        _broker.unlock();
    }

    /// @notice Tries to withdraw to this contract, which has no receive function.
    function withdraw() external {
        _broker.withdraw();
    }
}
