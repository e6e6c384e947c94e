// The chain the invariant suite plays on: the deployed protocol (the deploy module's own), its participants with their
// keys, and the public client that reads balances. Restored from one snapshot at the start of every sequence.
import { getAddress, maxUint256, parseEther, toHex, type Address } from "viem";
import { privateKeyToAccount, type HDAccount, type PrivateKeyAccount } from "viem/accounts";
import type { HardhatViemHelpers, PublicClient, WalletClient } from "@nomicfoundation/hardhat-viem/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { advanceRounds, deployProtocol, LPT, type TestProtocol } from "../helpers/fixture.ts";
import { devKeyOf } from "../helpers/receipts.ts";
import { STAKING_TEST_PARAMS, testWallets } from "../bonding/helpers.ts";
import { LOCAL_FAULT_VERIFIER } from "../../../scripts/lib/protocol-params.ts";

/** LPT each staker starts with, and ETH each sender's first deposit and reserve hold. */
export const STAKER_LPT = 100_000n * LPT;
export const SENDER_START_DEPOSIT = parseEther("2");
export const SENDER_START_RESERVE = parseEther("3");
/** The orchestrators' starting self-bonds and cuts (rewardCut, feeShare in ppm): different, to hit every split. */
const ORCHESTRATOR_SETUP: readonly [bigint, bigint, bigint][] = [
  [1_000n * LPT, 100_000n, 500_000n],
  [500n * LPT, 0n, 1_000_000n],
  [300n * LPT, 1_000_000n, 0n],
];

export interface World {
  p: TestProtocol;
  client: PublicClient;
  /** Three registered orchestrators, then three delegators; the first delegator may register itself. */
  stakers: WalletClient[];
  /** The addresses stake may be bonded to: the three orchestrators and the first delegator. */
  bondTargets: Address[];
  /** Files challenges (and receives the finder's fee of a slash). */
  challenger: WalletClient;
  /** The FaultVerifier's one trusted verifier (dev account #8, as deployed). */
  verifier: WalletClient;
  /** The orchestrators' (and delegator 0's) local keys, which sign transcode receipts as a node does. */
  receiptKeys: HDAccount[];
  /** Ticket senders (broadcasters), with the keys their tickets are signed with. */
  senders: { wallet: WalletClient; key: PrivateKeyAccount }[];
  /** Every address that may ever hold LPT: with the BondingManager, their balances make up the whole supply. */
  lptHolders: Address[];
  genesisSupply: bigint;
}

/** The local key of a dev wallet as a private-key account, the kind tickets are signed with. */
function ticketKeyOf(wallet: WalletClient): PrivateKeyAccount {
  const privateKey = devKeyOf(wallet).getHdKey().privateKey;
  if (!privateKey) throw new Error(`no private key for ${wallet.account.address}`);
  return privateKeyToAccount(toHex(privateKey));
}

/**
 * Deploys with 1,000-block rounds (rounds pass only when a sequence says so), registers three orchestrators, hands out
 * LPT and approvals, funds two senders and starts a fresh, initialized round.
 */
export async function buildWorld(viem: HardhatViemHelpers, networkHelpers: NetworkHelpers): Promise<World> {
  const p = await deployProtocol(viem, networkHelpers, STAKING_TEST_PARAMS);
  const client = await viem.getPublicClient();
  const wallets = await testWallets(viem, 10);
  const stakers = wallets.slice(0, 6);
  const [challenger, verifier] = [wallets[6]!, wallets[7]!];
  if (getAddress(verifier.account.address) !== LOCAL_FAULT_VERIFIER) throw new Error("dev account #8 is not the verifier");
  const senders = wallets.slice(8, 10).map((wallet) => ({ wallet, key: ticketKeyOf(wallet) }));

  for (const { account } of [...stakers, challenger]) {
    await p.token.write.transfer([account.address, STAKER_LPT]);
    await p.token.write.approve([p.bondingManager.address, maxUint256], { account });
  }
  for (const [i, [stake, rewardCutPpm, feeSharePpm]] of ORCHESTRATOR_SETUP.entries()) {
    const { account } = stakers[i]!;
    await p.bondingManager.write.bond([stake, account.address], { account });
    await p.bondingManager.write.transcoder([rewardCutPpm, feeSharePpm], { account });
  }
  for (const { wallet } of senders) {
    await p.ticketBroker.write.fundDepositAndReserve([SENDER_START_DEPOSIT, SENDER_START_RESERVE], {
      account: wallet.account,
      value: SENDER_START_DEPOSIT + SENDER_START_RESERVE,
    });
  }
  await advanceRounds(p, 1);
  const addressOf = (w: WalletClient) => getAddress(w.account.address);
  return {
    p,
    client,
    stakers,
    bondTargets: [...stakers.slice(0, 4)].map(addressOf),
    // Derived once: deriving a key from the mnemonic costs a few hundred milliseconds.
    receiptKeys: stakers.slice(0, 4).map(devKeyOf),
    challenger,
    verifier,
    senders,
    lptHolders: [p.deployer, ...stakers, challenger].map((h) => (typeof h === "string" ? getAddress(h) : addressOf(h))),
    genesisSupply: p.params.genesisSupply,
  };
}
