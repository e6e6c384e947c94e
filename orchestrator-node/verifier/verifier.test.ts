// The verifier's work loop against a fake chain: it waits for evidence, judges once, submits once, survives restarts
// without skipping or double-voting, and gives unsubstantiated or closed challenges the right end.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { contentHash, ladderHash } from "../../src/lib/protocol/receipt.ts";
import { silentLogger } from "../log.ts";
import type { Rendition } from "../transcode/ladder.ts";
import { ChallengeBook, type ChallengeFiled } from "./challenge-book.ts";
import { EvidenceStore } from "./evidence-store.ts";
import type { NativeVerdict } from "./native-checks.ts";
import { VerdictRefused, Verifier, type OnChainStatus, type RenditionCheck, type VerifierChain } from "./verifier.ts";

const LADDER: Rendition[] = [{ name: "360p", width: 640, height: 360, bitrateKbps: 800 }];
const SOURCE = new Uint8Array([1, 2, 3]);
const HONEST = new Uint8Array([4, 5, 6]);
const FAULTY = new Uint8Array([0, 0, 0]);

class FakeChain implements VerifierChain {
  head = 100n;
  round = 10n;
  filed: ChallengeFiled[] = [];
  onChain = new Map<Hex, { status: OnChainStatus; verdictDeadlineRound: bigint }>();
  judged = new Set<Hex>();
  sent: { id: Hex; faulty: boolean }[] = [];
  /** Throws this on the next sendVerdict calls, one per call. */
  failures: Error[] = [];
  scannedRanges: [bigint, bigint][] = [];

  file(f: ChallengeFiled): void {
    this.filed.push(f);
    this.onChain.set(f.id, { status: "open", verdictDeadlineRound: this.round + 20n });
  }
  async blockNumber() {
    return this.head;
  }
  async challengesFiled(from: bigint, to: bigint) {
    this.scannedRanges.push([from, to]);
    return this.filed.filter((f) => f.blockNumber >= from && f.blockNumber <= to);
  }
  async challenge(id: Hex) {
    return this.onChain.get(id) ?? { status: "none" as const, verdictDeadlineRound: 0n };
  }
  async currentRound() {
    return this.round;
  }
  async hasJudged(id: Hex) {
    return this.judged.has(id);
  }
  async sendVerdict(id: Hex, faulty: boolean): Promise<Hex> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (this.judged.has(id)) throw new VerdictRefused("AlreadyJudged", "already judged");
    this.sent.push({ id, faulty });
    this.judged.add(id);
    return `0x${String(this.sent.length).padStart(64, "0")}`;
  }
  async waitForTransaction() {
    return true;
  }
}

let n = 0;
function challengeOf(rendition: Uint8Array, o: Partial<ChallengeFiled> = {}): ChallengeFiled {
  n++;
  return {
    id: `0x${n.toString(16).padStart(64, "a")}`,
    challenger: "0x000000000000000000000000000000000000c0de",
    orchestrator: "0x0000000000000000000000000000000000000001",
    inputHash: contentHash(SOURCE),
    jobHash: ladderHash(LADDER),
    renditionHash: contentHash(rendition),
    rendition: "360p",
    round: 9n,
    streamId: "stream",
    sequenceNumber: 3n,
    blockNumber: 50n,
    ...o,
  };
}

/** Faulty exactly when the rendition starts with 0; counts its calls. */
function fakeCheck(): RenditionCheck & { calls: number } {
  const check = async (_s: Uint8Array, _r: Rendition, bytes: Uint8Array): Promise<NativeVerdict> => {
    check.calls++;
    return bytes[0] === 0
      ? { faulty: true, failures: [{ check: "ssim", expected: "≥ 0.95", found: "0.1" }], ssim: 0.1 }
      : { faulty: false, failures: [], ssim: 0.99 };
  };
  check.calls = 0;
  return check;
}

async function setup(o: { dir?: string; chain?: FakeChain; evidenceWaitMs?: number; now?: () => number; check?: RenditionCheck } = {}) {
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), "streamflow-verifier-")));
  const chain = o.chain ?? new FakeChain();
  const store = await EvidenceStore.open(join(dir, "evidence"));
  const book = await ChallengeBook.open(dir, 40n);
  const check = o.check ?? fakeCheck();
  const verifier = new Verifier({ chain, book, store, log: silentLogger, evidenceWaitMs: o.evidenceWaitMs ?? 60_000, check, now: o.now });
  const pass = async () => {
    await verifier.scan();
    await verifier.processAll();
  };
  return { dir, chain, store, book, verifier, check, pass };
}

async function uploadAll(store: EvidenceStore, rendition: Uint8Array) {
  await store.put(contentHash(SOURCE), SOURCE);
  await store.put(contentHash(rendition), rendition);
  await store.putLadder(ladderHash(LADDER), JSON.stringify({ output: LADDER }));
}

describe("Verifier", () => {
  it("waits for the evidence, then judges and submits its verdict once", async () => {
    const { chain, store, book, pass } = await setup();
    const c = challengeOf(FAULTY);
    chain.file(c);
    await pass();
    expect(book.get(c.id)).toMatchObject({ status: "waiting-for-evidence", missing: ["source", "rendition", "ladder"] });
    expect(chain.scannedRanges[0]).toEqual([40n, 100n]);

    await store.put(contentHash(SOURCE), SOURCE);
    await pass();
    expect(book.get(c.id)?.missing).toEqual(["rendition", "ladder"]);

    await uploadAll(store, FAULTY);
    await pass();
    expect(chain.sent).toEqual([{ id: c.id, faulty: true }]);
    expect(book.get(c.id)).toMatchObject({ status: "verdict-submitted", verdict: { faulty: true, reason: "ssim: expected ≥ 0.95, found 0.1", ssim: 0.1 } });
    expect(book.get(c.id)?.txHash).toMatch(/^0x0+1$/);
    await pass();
    expect(chain.sent).toHaveLength(1);
  });

  it("judges an honest rendition not faulty", async () => {
    const { chain, store, book, pass } = await setup();
    const c = challengeOf(HONEST);
    chain.file(c);
    await uploadAll(store, HONEST);
    await pass();
    expect(chain.sent).toEqual([{ id: c.id, faulty: false }]);
    expect(book.get(c.id)?.verdict?.reason).toMatch(/360p matches its source \(640x360, SSIM 0.9900\)/);
  });

  it("neither skips nor re-judges across a restart, and reads on from where it stopped", async () => {
    const first = await setup();
    const a = challengeOf(FAULTY);
    first.chain.file(a);
    await uploadAll(first.store, FAULTY);
    await first.pass();
    expect(first.chain.sent).toHaveLength(1);

    const b = challengeOf(HONEST, { blockNumber: 120n });
    first.chain.file(b);
    first.chain.head = 130n;
    const second = await setup({ dir: first.dir, chain: first.chain });
    await uploadAll(second.store, HONEST);
    await second.pass();
    expect(first.chain.scannedRanges.at(-1)).toEqual([101n, 130n]);
    expect(first.chain.sent).toEqual([{ id: a.id, faulty: true }, { id: b.id, faulty: false }]);
    expect(second.book.get(a.id)?.status).toBe("verdict-submitted");
    expect((second.check as ReturnType<typeof fakeCheck>).calls).toBe(1);
  });

  it("does not vote again when it crashed after sending but before recording", async () => {
    const first = await setup();
    const c = challengeOf(FAULTY);
    first.chain.file(c);
    await uploadAll(first.store, FAULTY);
    await first.verifier.scan();
    await first.book.update(c.id, { status: "submitting", verdict: { faulty: true, reason: "x", failures: [] } });
    first.chain.judged.add(c.id); // the transaction was mined; the book never heard of it

    const second = await setup({ dir: first.dir, chain: first.chain });
    await second.pass();
    expect(first.chain.sent).toEqual([]);
    expect(second.book.get(c.id)?.status).toBe("verdict-submitted");
  });

  it("judges a challenge whose evidence never came not faulty once the wait is over", async () => {
    let now = 1_000_000;
    const { chain, store, book, pass } = await setup({ evidenceWaitMs: 30_000, now: () => now });
    const c = challengeOf(FAULTY);
    chain.file(c);
    await store.put(contentHash(SOURCE), SOURCE);
    await pass();
    expect(chain.sent).toEqual([]);
    now += 31_000;
    await pass();
    expect(chain.sent).toEqual([{ id: c.id, faulty: false }]);
    expect(book.get(c.id)?.verdict).toMatchObject({ faulty: false, reason: "evidence missing after 31 s: rendition, ladder" });
  });

  it("judges with what it has when the verdict window's last round comes before the wait is over", async () => {
    const { chain, pass, book } = await setup({ evidenceWaitMs: 3_600_000 });
    const c = challengeOf(FAULTY);
    chain.file(c);
    await pass();
    expect(book.get(c.id)?.status).toBe("waiting-for-evidence");
    chain.round = chain.onChain.get(c.id)!.verdictDeadlineRound;
    await pass();
    expect(chain.sent).toEqual([{ id: c.id, faulty: false }]);
  });

  it("closes without voting a challenge that was resolved or withdrawn meanwhile", async () => {
    const { chain, store, book, pass } = await setup();
    const c = challengeOf(FAULTY);
    chain.file(c);
    chain.onChain.set(c.id, { status: "faulty", verdictDeadlineRound: 30n });
    await uploadAll(store, FAULTY);
    await pass();
    expect(chain.sent).toEqual([]);
    expect(book.get(c.id)).toMatchObject({ status: "closed", error: "the challenge is faulty on chain" });
  });

  it("blames an orchestrator for a rendition its job never asked for", async () => {
    const { chain, store, book, pass } = await setup();
    const c = challengeOf(HONEST, { rendition: "1080p" });
    chain.file(c);
    await uploadAll(store, HONEST);
    await pass();
    expect(chain.sent).toEqual([{ id: c.id, faulty: true }]);
    expect(book.get(c.id)?.verdict?.failures).toEqual([{ check: "ladder", expected: "one of 360p", found: "1080p" }]);
  });

  it("retries a verdict the RPC failed to send, and takes AlreadyJudged as done", async () => {
    let now = 0;
    const { chain, store, book, pass } = await setup({ now: () => now });
    const c = challengeOf(FAULTY);
    chain.file(c);
    await uploadAll(store, FAULTY);
    chain.failures.push(new Error("connection refused"));
    await pass();
    expect(book.get(c.id)).toMatchObject({ status: "failed", attempts: 1, error: "connection refused" });
    await pass(); // backing off: nothing sent
    expect(chain.sent).toEqual([]);
    now += 10_000;
    await pass();
    expect(chain.sent).toEqual([{ id: c.id, faulty: true }]);
    expect(book.get(c.id)?.status).toBe("verdict-submitted");

    const d = challengeOf(HONEST, { blockNumber: 101n });
    chain.file(d);
    chain.head = 101n;
    await store.put(contentHash(HONEST), HONEST);
    chain.failures.push(new VerdictRefused("AlreadyJudged", "judged by this key elsewhere"));
    await pass();
    expect(book.get(d.id)?.status).toBe("verdict-submitted");
  });
});
