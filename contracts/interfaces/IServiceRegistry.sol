// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IServiceRegistry
/// @notice Where orchestrators advertise how to reach them (service URI), what they offer (services) and where they
///         run (regions), and where broadcasters read all of it, with stakes, in a few paged calls.
///         `setServiceURI`/`getServiceURI`/`ServiceURIUpdate` keep Livepeer's names so that Livepeer tooling reads them.
interface IServiceRegistry {
    /// @notice One offered service: `id` names it (`GPUTranscoding`, `SegmentVerification`, `H264 1080p->720p`);
    ///         `verifier` is the contract that checks its work, or the zero address when none does.
    struct Service {
        string id;
        address verifier;
    }

    /// @notice Everything a broadcaster needs to choose an orchestrator: what it advertises here and its standing
    ///         in the BondingManager. Stake fields are zero when `registered` is false (see getOrchestrators).
    struct OrchestratorInfo {
        address addr;
        string serviceURI;
        Service[] services;
        string[] regions;
        uint256 totalStake;
        bool active;
        bool registered;
        uint256 rewardCutPpm;
        uint256 feeSharePpm;
    }

    /// @notice `addr` set its service URI.
    event ServiceURIUpdate(address indexed addr, string serviceURI);
    /// @notice `addr` replaced its list of services.
    event ServicesUpdate(address indexed addr, Service[] services);
    /// @notice `addr` replaced its list of regions.
    event RegionsUpdate(address indexed addr, string[] regions);
    /// @notice `addr` made its first update and now appears at `index` in the enumerable list.
    event OrchestratorListed(address indexed addr, uint256 index);

    /// @notice More services than an orchestrator may advertise.
    error TooManyServices(uint256 count, uint256 maxServices);
    /// @notice More regions than an orchestrator may advertise.
    error TooManyRegions(uint256 count, uint256 maxRegions);
    /// @notice The service URI is longer than allowed.
    error ServiceURITooLong(uint256 lengthBytes, uint256 maxBytes);
    /// @notice The service at `index` has an empty id.
    error EmptyServiceId(uint256 index);
    /// @notice The id of the service at `index` is longer than allowed.
    error ServiceIdTooLong(uint256 index, uint256 lengthBytes, uint256 maxBytes);
    /// @notice The service at `index` repeats the id of the service at `firstIndex`.
    error DuplicateServiceId(uint256 index, uint256 firstIndex);
    /// @notice The region at `index` is empty.
    error EmptyRegion(uint256 index);
    /// @notice The region at `index` is longer than allowed.
    error RegionTooLong(uint256 index, uint256 lengthBytes, uint256 maxBytes);
    /// @notice The region at `index` repeats the region at `firstIndex`.
    error DuplicateRegion(uint256 index, uint256 firstIndex);

    /// @notice Sets the caller's service URI (an empty URI withdraws it).
    function setServiceURI(string calldata serviceURI) external;

    /// @notice Replaces the caller's list of services.
    function setServices(Service[] calldata services) external;

    /// @notice Replaces the caller's list of regions.
    function setRegions(string[] calldata regions) external;

    /// @notice Sets the caller's service URI, services and regions in one transaction.
    function register(string calldata serviceURI, Service[] calldata services, string[] calldata regions) external;

    /// @notice The service URI of `addr`, empty when it has none.
    function getServiceURI(address addr) external view returns (string memory);

    /// @notice The services of `addr`, empty when it has none.
    function getServices(address addr) external view returns (Service[] memory);

    /// @notice The regions of `addr`, empty when it has none.
    function getRegions(address addr) external view returns (string[] memory);

    /// @notice How many addresses have ever updated their entry (the length of the enumerable list).
    function orchestratorCount() external view returns (uint256);

    /// @notice The entry of `addr` with its standing in the BondingManager.
    function getOrchestrator(address addr) external view returns (OrchestratorInfo memory);

    /// @notice Up to `limit` entries of the enumerable list starting at `offset`, with their standing in the
    ///         BondingManager; fewer (or none) when the list ends first.
    function getOrchestrators(uint256 offset, uint256 limit) external view returns (OrchestratorInfo[] memory);
}
