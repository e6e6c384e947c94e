// Assembles a running fault verifier from its settings: key, chain, evidence store, challenge book, work loop and HTTP
// server — and takes it all down again in order.
import { join } from "node:path";
import type { Address } from "viem";
import { loadDeploymentsFile } from "../../src/lib/chain/deployments-file.ts";
import { createChainClients } from "../chain/clients.ts";
import { InvalidConfig } from "../config.ts";
import { loadNodeKey } from "../keys/node-key.ts";
import type { Logger } from "../log.ts";
import { ChallengeBook } from "./challenge-book.ts";
import { keySettings, type VerifierConfig } from "./config.ts";
import { EvidenceStore } from "./evidence-store.ts";
import { createVerifierHttpServer } from "./http.ts";
import { Verifier, type VerifierChain } from "./verifier.ts";
import { assertInVerifierSet, viemVerifierChain } from "./verifier-chain.ts";

export interface RunningVerifier {
  address: Address;
  url: string;
  verifier: Verifier;
  stop(): Promise<void>;
}

export async function startVerifier(config: VerifierConfig, log: Logger, o: { chain?: VerifierChain } = {}): Promise<RunningVerifier> {
  const deployments = await loadDeploymentsFile(config.deployments);
  const faultVerifierAddress = deployments.contracts.FaultVerifier;
  if (!faultVerifierAddress) {
    throw new InvalidConfig(`the deployments file ${config.deployments} names no FaultVerifier: deploy the contracts again with this release`);
  }
  const privateKey = await loadNodeKey(keySettings(config), deployments.chainId);
  const clients = createChainClients({ rpcUrl: config.rpcUrl, privateKey, deployments });
  const address = clients.account.address;
  await assertInVerifierSet(clients, faultVerifierAddress);
  log.info({ verifier: address, faultVerifier: faultVerifierAddress, chainId: deployments.chainId }, "starting fault verifier");

  const store = await EvidenceStore.open(join(config.dataDir, "evidence"), {
    maxItemBytes: config.maxEvidenceBytes,
    maxTotalBytes: config.maxEvidenceTotalBytes,
  });
  // Challenges cannot predate the contracts: reading starts at their deploy block the first time, then where it stopped.
  const book = await ChallengeBook.open(config.dataDir, BigInt(deployments.deployedAtBlock ?? 0));
  const verifier = new Verifier({
    chain: o.chain ?? viemVerifierChain(clients, faultVerifierAddress),
    book,
    store,
    log,
    evidenceWaitMs: config.evidenceWaitMs,
    pollIntervalMs: config.pollIntervalMs,
    checkOptions: { ssimThreshold: config.ssimThreshold },
  });

  const app = await createVerifierHttpServer({ store, book, log, verifier: address, onEvidence: () => verifier.nudge() });
  await app.listen({ host: config.host, port: config.port });
  const bound = app.server.address();
  const url = `http://${config.host}:${typeof bound === "object" && bound ? bound.port : config.port}`;

  const abort = new AbortController();
  const loop = verifier.run(abort.signal);
  log.info({ url, scannedThroughBlock: book.scannedThroughBlock.toString(), pending: book.unfinished().length }, "fault verifier ready");

  return {
    address,
    url,
    verifier,
    async stop() {
      log.info({}, "stopping the fault verifier");
      await app.close();
      abort.abort();
      await loop;
      await book.flush();
    },
  };
}
