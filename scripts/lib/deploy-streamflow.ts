// Deploys and wires the whole on-chain protocol. Used by scripts/deploy.ts and by the contract tests, so the
// tests exercise exactly what a deployment produces.
import { getContractAddress, type Address, type Hash } from "viem";
import type { ContractReturnType, HardhatViemHelpers, PublicClient } from "@nomicfoundation/hardhat-viem/types";
import { LOCAL_PARAMS, type ProtocolParams } from "./protocol-params.ts";

import type { ContractName } from "../../src/lib/chain/deployments.ts";

export type { ContractName };

export interface Protocol {
  token: ContractReturnType<"LivepeerToken">;
  rounds: ContractReturnType<"RoundsManager">;
  bondingManager: ContractReturnType<"BondingManager">;
  minter: ContractReturnType<"Minter">;
  ticketBroker: ContractReturnType<"TicketBroker">;
  serviceRegistry: ContractReturnType<"ServiceRegistry">;
  faultVerifier: ContractReturnType<"FaultVerifier">;
  params: ProtocolParams;
  deployer: Address;
  addresses: Record<ContractName, Address>;
}

/**
 * Deploys every contract, wires them together, grants the Minter its mint role and makes the FaultVerifier the
 * BondingManager's verifier (its only slasher).
 */
export async function deployStreamflow(viem: HardhatViemHelpers, params: ProtocolParams = LOCAL_PARAMS): Promise<Protocol> {
  const [deployerClient] = await viem.getWalletClients();
  if (!deployerClient) throw new Error("no deployer account: configure one for this network");
  const deployer = deployerClient.account.address;
  const publicClient = await viem.getPublicClient();
  const wait = async (hash: Hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`wiring transaction ${hash} reverted`);
  };

  const token = await viem.deployContract("LivepeerToken", [deployer]);
  const rounds = await viem.deployContract("RoundsManager", [params.roundLengthBlocks]);
  const bondingManager = await viem.deployContract("BondingManager", [
    token.address,
    rounds.address,
    params.unbondingPeriodRounds,
    params.minActiveStake,
    params.cutNoticePeriodRounds,
  ]);
  // The Minter and the TicketBroker name each other immutably (both are on every redemption's path): deploy the
  // broker with the Minter's address predicted from the deployer's next nonce, then the Minter, and check.
  const brokerNonce = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const predictedMinter = getContractAddress({ from: deployer, nonce: BigInt(brokerNonce + 1) });
  const ticketBroker = await viem.deployContract("TicketBroker", [
    bondingManager.address,
    rounds.address,
    predictedMinter,
    params.unlockPeriodRounds,
    params.ticketValidityPeriodRounds,
  ]);
  const minter = await viem.deployContract("Minter", [
    token.address,
    rounds.address,
    bondingManager.address,
    ticketBroker.address,
    params.inflationPpb,
    params.inflationChangePpb,
    params.targetBondingRatePpb,
  ]);
  if (minter.address.toLowerCase() !== predictedMinter.toLowerCase()) {
    throw new Error(`Minter deployed at ${minter.address}, not at ${predictedMinter}: another transaction from ${deployer} interleaved; deploy again`);
  }
  const serviceRegistry = await viem.deployContract("ServiceRegistry", [bondingManager.address]);
  // Deployed last so that every earlier address stays what it was before the FaultVerifier existed.
  const faultVerifier = await viem.deployContract("FaultVerifier", [
    bondingManager.address,
    rounds.address,
    deployer,
    {
      challengeWindowRounds: params.challengeWindowRounds,
      challengeBondWei: params.challengeBondWei,
      verdictWindowRounds: params.verdictWindowRounds,
      slashAmountPpm: params.slashAmountPpm,
      finderFeePpm: params.finderFeePpm,
      quorum: params.verdictQuorum,
    },
    [...params.faultVerifiers],
  ]);

  await wait(await rounds.write.setProtocolContracts([bondingManager.address, minter.address]));
  await wait(await bondingManager.write.setMinter([minter.address]));
  await wait(await bondingManager.write.setTicketBroker([ticketBroker.address]));
  await wait(await bondingManager.write.setVerifier([faultVerifier.address]));
  // Genesis: the deployer mints the initial supply once, then only the Minter can ever mint.
  const minterRole = await token.read.MINTER_ROLE();
  if (params.genesisSupply > 0n) {
    await wait(await token.write.grantRole([minterRole, deployer]));
    await wait(await token.write.mint([deployer, params.genesisSupply]));
    await wait(await token.write.revokeRole([minterRole, deployer]));
  }
  await wait(await token.write.grantRole([minterRole, minter.address]));

  return {
    token,
    rounds,
    bondingManager,
    minter,
    ticketBroker,
    serviceRegistry,
    faultVerifier,
    params,
    deployer,
    addresses: {
      LivepeerToken: token.address,
      RoundsManager: rounds.address,
      BondingManager: bondingManager.address,
      Minter: minter.address,
      TicketBroker: ticketBroker.address,
      ServiceRegistry: serviceRegistry.address,
      FaultVerifier: faultVerifier.address,
    },
  };
}

/** Initializes the current round unless it already is (deploy does this so the protocol is usable at once). */
export async function initializeRoundIfNeeded(protocol: Protocol, publicClient: PublicClient): Promise<bigint> {
  if (!(await protocol.rounds.read.currentRoundInitialized())) {
    const hash = await protocol.rounds.write.initializeRound();
    await publicClient.waitForTransactionReceipt({ hash });
  }
  return protocol.rounds.read.currentRound();
}
