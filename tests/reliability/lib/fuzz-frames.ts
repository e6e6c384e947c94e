// Hostile data-channel input for fuzzing (fast-check): each case is the frames of one whole message that is wrong in
// some way — garbage frames, mangled or random JSON headers, payloads unlike their declared length, messages a
// session does not take — so that a receiver owes exactly one answer (an error) per case.
import fc from "fast-check";
import { FLAG_ABORT, FRAME_FORMAT_VERSION, splitIntoFrames } from "../../../src/lib/protocol/framing.ts";
import { encodeMessage } from "../../../src/lib/protocol/messages.ts";
import { message } from "../../../src/lib/protocol/test-message-arbitraries.ts";

/** The frames of one case, given the message id to use (ids must not repeat on a channel). */
export type FrameCase = (messageId: number) => Uint8Array[];

/** A frame whose header no receiver may take: wrong version, unknown flags, or too short. */
const garbageFrame: fc.Arbitrary<FrameCase> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 255 }).filter((v) => v !== FRAME_FORMAT_VERSION), fc.uint8Array({ minLength: 17, maxLength: 4096 }))
    .map(([version, rest]) => () => [Uint8Array.from([version, ...rest])]),
  fc.tuple(fc.integer({ min: 2, max: 255 }).filter((f) => (f & ~FLAG_ABORT) !== 0), fc.uint8Array({ minLength: 16, maxLength: 512 }))
    .map(([flags, rest]) => () => [Uint8Array.from([FRAME_FORMAT_VERSION, flags, ...rest])]),
  fc.uint8Array({ minLength: 1, maxLength: 17 }).map((short) => () => [short]),
  // A well-formed header announcing a 4 GiB message: refused on its first frame, before anything is buffered.
  fc.uint8Array({ minLength: 1, maxLength: 1024 }).map((chunk) => (messageId: number) => {
    const frame = new Uint8Array(18 + chunk.byteLength);
    const view = new DataView(frame.buffer);
    view.setUint8(0, FRAME_FORMAT_VERSION);
    view.setUint32(2, messageId);
    view.setUint32(6, 0); // frameIndex
    view.setUint32(10, 1); // frameCount
    view.setUint32(14, 0xffff_ffff); // bodyByteLength
    frame.set(chunk, 18);
    return [frame];
  }),
);

/** A JSON header that is not a message a session can act on, in well-formed frames. */
const badHeader: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(message, fc.nat()).map(([m, cut]) => {
    const text = encodeMessage(m);
    return text.slice(0, 1 + (cut % text.length));
  }),
  fc.tuple(message, fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([m, at, junk]) => {
    const text = encodeMessage(m);
    const i = at % text.length;
    return text.slice(0, i) + junk + text.slice(i + 1);
  }),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  message.map(encodeMessage), // a real message of any type, its payload missing: unlike the length it declares
);

const framedHeader: fc.Arbitrary<FrameCase> = fc.tuple(badHeader, fc.uint8Array({ maxLength: 40_000 }))
  .map(([header, payload]) => (messageId: number) => splitIntoFrames({ messageId, header, payload }));

export const hostileFrames: fc.Arbitrary<FrameCase> = fc.oneof({ arbitrary: garbageFrame, weight: 1 }, { arbitrary: framedHeader, weight: 3 });
