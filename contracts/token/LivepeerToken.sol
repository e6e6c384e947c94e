// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title LivepeerToken (LPT)
/// @notice The staking token. Only holders of MINTER_ROLE (the Minter contract) create new tokens;
///         anyone may burn their own (the BondingManager burns slashed stake).
contract LivepeerToken is ERC20, ERC20Burnable, AccessControl {
    /// @notice Role allowed to mint; granted to the Minter at deployment.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin Account that may grant and revoke roles (the deployer, later governance).
    constructor(address admin) ERC20("Livepeer Token", "LPT") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mints `amount` LPT to `to`. Only MINTER_ROLE.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }
}
