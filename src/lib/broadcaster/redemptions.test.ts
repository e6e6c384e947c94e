import { describe, expect, it } from "vitest";
import { winsBySegment, type RedeemedTicket } from "./redemptions.ts";

const redeemed = (senderNonce: bigint): RedeemedTicket => ({
  recipient: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", senderNonce, faceValueWei: 10n ** 15n, blockNumber: 1n,
});

describe("winsBySegment", () => {
  it("counts each redeemed ticket for the segment that paid with its nonce, and ignores other streams' tickets", () => {
    const segmentOfNonce = new Map([[11n, 0], [12n, 1], [13n, 1]]);
    expect(winsBySegment([redeemed(12n), redeemed(13n), redeemed(11n), redeemed(99n)], segmentOfNonce)).toEqual(new Map([[1, 2], [0, 1]]));
  });
});
