// The spot checker's own named errors (ProtocolError: a code, the data to act on, the next step in plain words); a
// rendition that fails a check is not an error but a result (types.ts).
import { ProtocolError } from "../../protocol/errors.ts";

/** The VerificationRate is not a whole number of segments per check, at least 1. */
export class InvalidVerificationRate extends ProtocolError<{ verificationRate: number }> {
  override name = "InvalidVerificationRate";

  constructor(data: { verificationRate: number }) {
    super({
      code: "INVALID_VERIFICATION_RATE",
      message: `A VerificationRate of ${data.verificationRate} is not a whole number of at least 1.`,
      nextStep: "Set the VerificationRate to 1 (check every segment) or a larger whole number N (check 1 segment in N).",
      data,
    });
  }
}

/** ffmpeg.wasm could not be loaded in the spot checker's worker: no checks can run. */
export class SpotCheckerUnavailable extends ProtocolError<{ coreURL: string; reason: string }> {
  override name = "SpotCheckerUnavailable";

  constructor(data: { coreURL: string; reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "SPOT_CHECKER_UNAVAILABLE",
        message: `The spot checker could not load ffmpeg.wasm from ${data.coreURL}: ${data.reason}.`,
        nextStep:
          "The stream goes on unchecked. Reload the page; if it keeps failing, the app is served without its " +
          "ffmpeg core files (/ffmpeg/): rebuild it with `npm run build`.",
        data,
      },
      options,
    );
  }
}

/** A check stopped half-way for a reason of the checker's own (its worker died, or it ran past its time limit). */
export class SpotCheckAborted extends ProtocolError<{ sequenceNumber: number; reason: string }> {
  override name = "SpotCheckAborted";

  constructor(data: { sequenceNumber: number; reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "SPOT_CHECK_ABORTED",
        message: `The spot check of segment ${data.sequenceNumber} stopped: ${data.reason}.`,
        nextStep: "Nothing to do: the segment counts as unchecked, and the checker starts afresh for the next one.",
        data,
      },
      options,
    );
  }
}
