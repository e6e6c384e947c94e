// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IServiceRegistry} from "../interfaces/IServiceRegistry.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";

/// @title ServiceRegistry
/// @notice Orchestrators advertise their service URI, services and regions; broadcasters page through every entry
///         with its stake in a few eth_calls. Any address may write its own entry: discovery, not this contract,
///         filters by stake, which is why each page carries the BondingManager's view of every entry.
contract ServiceRegistry is IServiceRegistry {
    /// @notice Most services one orchestrator may advertise; bounds the gas of a page and of a replacement.
    uint256 public constant MAX_SERVICES = 32;
    /// @notice Most regions one orchestrator may advertise.
    uint256 public constant MAX_REGIONS = 16;
    /// @notice Longest service URI, service id or region, in bytes (UTF-8), so that an entry's size stays bounded.
    uint256 public constant MAX_STRING_BYTES = 256;

    /// @dev One orchestrator's advertisement. `listed` records that the address is in `_orchestrators`.
    struct Entry {
        string serviceURI;
        Service[] services;
        string[] regions;
        bool listed;
    }

    /// @notice The BondingManager whose stakes and cuts every page reports.
    IBondingManager public immutable bondingManager;

    mapping(address => Entry) private _entries;
    /// @dev Every address that ever updated its entry, in order of first update; never shrinks, so paging by offset
    ///      is stable while new orchestrators join.
    address[] private _orchestrators;

    /// @param bondingManager_ The BondingManager read for stake, active/registered status and cuts.
    constructor(IBondingManager bondingManager_) {
        bondingManager = bondingManager_;
    }

    // --- writes ---------------------------------------------------------------------------------------------------

    /// @inheritdoc IServiceRegistry
    /// @dev Reverts with ServiceURITooLong above MAX_STRING_BYTES.
    function setServiceURI(string calldata serviceURI) external {
        _list(msg.sender);
        _setServiceURI(msg.sender, serviceURI);
    }

    /// @inheritdoc IServiceRegistry
    /// @dev Reverts with TooManyServices, EmptyServiceId, ServiceIdTooLong or DuplicateServiceId.
    function setServices(Service[] calldata services) external {
        _list(msg.sender);
        _setServices(msg.sender, services);
    }

    /// @inheritdoc IServiceRegistry
    /// @dev Reverts with TooManyRegions, EmptyRegion, RegionTooLong or DuplicateRegion.
    function setRegions(string[] calldata regions) external {
        _list(msg.sender);
        _setRegions(msg.sender, regions);
    }

    /// @inheritdoc IServiceRegistry
    /// @dev Emits ServiceURIUpdate, ServicesUpdate and RegionsUpdate; reverts as the three setters do.
    function register(string calldata serviceURI, Service[] calldata services, string[] calldata regions) external {
        _list(msg.sender);
        _setServiceURI(msg.sender, serviceURI);
        _setServices(msg.sender, services);
        _setRegions(msg.sender, regions);
    }

    // --- views ----------------------------------------------------------------------------------------------------

    /// @inheritdoc IServiceRegistry
    function getServiceURI(address addr) external view returns (string memory) {
        return _entries[addr].serviceURI;
    }

    /// @inheritdoc IServiceRegistry
    function getServices(address addr) external view returns (Service[] memory) {
        return _entries[addr].services;
    }

    /// @inheritdoc IServiceRegistry
    function getRegions(address addr) external view returns (string[] memory) {
        return _entries[addr].regions;
    }

    /// @inheritdoc IServiceRegistry
    function orchestratorCount() external view returns (uint256) {
        return _orchestrators.length;
    }

    /// @inheritdoc IServiceRegistry
    /// @dev Works for any address, listed or not; an unlisted one has empty fields.
    function getOrchestrator(address addr) external view returns (OrchestratorInfo memory) {
        return _info(addr);
    }

    /// @inheritdoc IServiceRegistry
    /// @dev Meant for eth_call: its cost grows with `limit` (about 4 BondingManager calls and the entry's storage per
    ///      orchestrator), so callers pick a page size that fits their node's eth_call gas cap (250 fits 30M gas with
    ///      typical entries). An `offset` at or past the end returns an empty array, so callers may also page until a
    ///      short page instead of reading orchestratorCount first.
    function getOrchestrators(uint256 offset, uint256 limit) external view returns (OrchestratorInfo[] memory page) {
        uint256 count = _orchestrators.length;
        if (offset >= count) return new OrchestratorInfo[](0);
        // Written as a subtraction so that a huge `limit` (type(uint256).max for "all") cannot overflow.
        uint256 size = count - offset < limit ? count - offset : limit;
        page = new OrchestratorInfo[](size);
        for (uint256 i = 0; i < size; ++i) {
            page[i] = _info(_orchestrators[offset + i]);
        }
    }

    // --- internals ------------------------------------------------------------------------------------------------

    /// @dev Appends `addr` to the enumerable list on its first update.
    function _list(address addr) internal {
        Entry storage entry = _entries[addr];
        if (entry.listed) return;
        entry.listed = true;
        _orchestrators.push(addr);
        emit OrchestratorListed(addr, _orchestrators.length - 1);
    }

    function _setServiceURI(address addr, string calldata serviceURI) internal {
        uint256 lengthBytes = bytes(serviceURI).length;
        if (lengthBytes > MAX_STRING_BYTES) revert ServiceURITooLong(lengthBytes, MAX_STRING_BYTES);
        _entries[addr].serviceURI = serviceURI;
        emit ServiceURIUpdate(addr, serviceURI);
    }

    function _setServices(address addr, Service[] calldata services) internal {
        uint256 count = services.length;
        if (count > MAX_SERVICES) revert TooManyServices(count, MAX_SERVICES);
        bytes32[] memory idHashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 lengthBytes = bytes(services[i].id).length;
            if (lengthBytes == 0) revert EmptyServiceId(i);
            if (lengthBytes > MAX_STRING_BYTES) revert ServiceIdTooLong(i, lengthBytes, MAX_STRING_BYTES);
            idHashes[i] = keccak256(bytes(services[i].id));
            // A repeated id would leave two verifiers for one service; which one applies would be ambiguous.
            (bool found, uint256 firstIndex) = _indexOf(idHashes, i);
            if (found) revert DuplicateServiceId(i, firstIndex);
        }

        Service[] storage stored = _entries[addr].services;
        // Legacy codegen cannot copy nested calldata arrays to storage in one statement; replace element-wise.
        delete _entries[addr].services;
        for (uint256 i = 0; i < count; ++i) {
            stored.push(services[i]);
        }
        emit ServicesUpdate(addr, services);
    }

    function _setRegions(address addr, string[] calldata regions) internal {
        uint256 count = regions.length;
        if (count > MAX_REGIONS) revert TooManyRegions(count, MAX_REGIONS);
        bytes32[] memory regionHashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 lengthBytes = bytes(regions[i]).length;
            if (lengthBytes == 0) revert EmptyRegion(i);
            if (lengthBytes > MAX_STRING_BYTES) revert RegionTooLong(i, lengthBytes, MAX_STRING_BYTES);
            regionHashes[i] = keccak256(bytes(regions[i]));
            (bool found, uint256 firstIndex) = _indexOf(regionHashes, i);
            if (found) revert DuplicateRegion(i, firstIndex);
        }
        string[] storage stored = _entries[addr].regions;
        delete _entries[addr].regions;
        for (uint256 i = 0; i < count; ++i) {
            stored.push(regions[i]);
        }
        emit RegionsUpdate(addr, regions);
    }

    /// @dev Whether `hashes[last]` already occurs in `hashes[0:last]`, and where. Quadratic, but bounded by
    ///      MAX_SERVICES (496 comparisons at most), which is cheaper than a storage-backed set.
    function _indexOf(bytes32[] memory hashes, uint256 last) internal pure returns (bool found, uint256 index) {
        for (uint256 j = 0; j < last; ++j) {
            if (hashes[j] == hashes[last]) return (true, j);
        }
        return (false, 0);
    }

    /// @dev An entry with its standing in the BondingManager. An address that is not a registered transcoder gets
    ///      zero stake and cuts without further calls: discovery ignores it anyway, and skipping the calls keeps pages
    ///      cheap when unstaked addresses fill the list.
    function _info(address addr) internal view returns (OrchestratorInfo memory info) {
        Entry storage entry = _entries[addr];
        info.addr = addr;
        info.serviceURI = entry.serviceURI;
        info.services = entry.services;
        info.regions = entry.regions;
        info.registered = bondingManager.isRegisteredTranscoder(addr);
        if (!info.registered) return info;
        info.active = bondingManager.isActiveTranscoder(addr);
        info.totalStake = bondingManager.transcoderTotalStake(addr);
        (info.rewardCutPpm, info.feeSharePpm) = bondingManager.transcoderCuts(addr);
    }
}
