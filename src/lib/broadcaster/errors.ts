// What goes wrong on the broadcaster's side of a session, named like the protocol's errors (ProtocolError: a code,
// the data to act on, and the next step in plain words) so the page shows every failure the same way.
import { ProtocolError } from "../protocol/errors.ts";

/** The orchestrator did not return a segment's result in time; the segment goes to the next orchestrator. */
export class SegmentTimedOut extends ProtocolError<{ orchestrator: string; sequenceNumber: number; timeoutMs: number }> {
  override name = "SegmentTimedOut";

  constructor(data: { orchestrator: string; sequenceNumber: number; timeoutMs: number }) {
    super({
      code: "SEGMENT_TIMED_OUT",
      message: `Orchestrator ${data.orchestrator} returned no result for segment ${data.sequenceNumber} within ${data.timeoutMs} ms.`,
      nextStep: "Nothing to do: the segment is sent to the next orchestrator on the list.",
      data,
    });
  }
}

/** The data channel to an orchestrator closed or failed; its segments in flight go elsewhere. */
export class OrchestratorDisconnected extends ProtocolError<{ orchestrator: string; reason: string }> {
  override name = "OrchestratorDisconnected";

  constructor(data: { orchestrator: string; reason: string }) {
    super({
      code: "ORCHESTRATOR_DISCONNECTED",
      message: `The connection to orchestrator ${data.orchestrator} ended: ${data.reason}.`,
      nextStep: "Nothing to do: the stream continues with the next orchestrator on the list.",
      data,
    });
  }
}

/** Opening a session failed before any segment was sent (no answer, refused offer, no data channel). */
export class SessionNotOpened extends ProtocolError<{ orchestrator: string; reason: string }> {
  override name = "SessionNotOpened";

  constructor(data: { orchestrator: string; reason: string }, options?: ErrorOptions) {
    super(
      {
        code: "SESSION_NOT_OPENED",
        message: `Could not open a session with orchestrator ${data.orchestrator}: ${data.reason}.`,
        nextStep: "Nothing to do: another orchestrator is tried; if none can be reached, check the network and go live again.",
        data,
      },
      options,
    );
  }
}

/** A result that does not hold together: wrong signer, or hashes that do not match what was sent or received. */
export class InvalidResult extends ProtocolError<{ orchestrator: string; sequenceNumber: number; reason: string }> {
  override name = "InvalidResult";

  constructor(data: { orchestrator: string; sequenceNumber: number; reason: string }) {
    super({
      code: "INVALID_RESULT",
      message: `Orchestrator ${data.orchestrator} sent an invalid result for segment ${data.sequenceNumber}: ${data.reason}.`,
      nextStep: "Nothing to do: the orchestrator is dropped and the segment is sent to the next one.",
      data,
    });
  }
}

/** Every candidate was tried and none could take the segment. */
export class NoOrchestratorLeft extends ProtocolError<{ sequenceNumber: number; tried: number }> {
  override name = "NoOrchestratorLeft";

  constructor(data: { sequenceNumber: number; tried: number }) {
    super({
      code: "NO_ORCHESTRATOR_LEFT",
      message: `No orchestrator could transcode segment ${data.sequenceNumber} (${data.tried} tried).`,
      nextStep: "Stop and go live again to discover orchestrators afresh, or raise your price cap.",
      data,
    });
  }
}

/** A spot check found the orchestrator's rendition faulty: it is dropped for good, and the segment is redone elsewhere. */
export class FaultDetected extends ProtocolError<{ orchestrator: string; sequenceNumber: number; rendition: string; check: string; detail: string }> {
  override name = "FaultDetected";

  constructor(data: { orchestrator: string; sequenceNumber: number; rendition: string; check: string; detail: string }) {
    super({
      code: "FAULT_DETECTED",
      message: `Orchestrator ${data.orchestrator} returned a faulty ${data.rendition} for segment ${data.sequenceNumber}: ${data.check} (${data.detail}).`,
      nextStep: "The segment was sent to another orchestrator. Press Challenge on chain to have the fault judged and the orchestrator slashed.",
      data,
    });
  }
}
