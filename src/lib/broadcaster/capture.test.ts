// Tests of opening the camera: what is asked for, the fallback to video only, and CameraUnavailable's reasons.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CameraUnavailable, startCapture } from "./capture.ts";

const stream = { id: "stream" } as unknown as MediaStream;

function domError(name: string): Error {
  const error = new Error(`${name} from the browser`);
  error.name = name;
  return error;
}

/** Stubs navigator.mediaDevices.getUserMedia with `answer`, returning the mock to inspect its calls. */
function stubGetUserMedia(answer: (constraints: MediaStreamConstraints) => Promise<MediaStream>) {
  const getUserMedia = vi.fn(answer);
  vi.stubGlobal("navigator", { mediaDevices: { getUserMedia } });
  return getUserMedia;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("startCapture", () => {
  it("asks for 1280x720 at 30 fps (ideal, never required) with the microphone", async () => {
    const getUserMedia = stubGetUserMedia(async () => stream);
    expect(await startCapture()).toBe(stream);
    expect(getUserMedia).toHaveBeenCalledExactlyOnceWith({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
      audio: true,
    });
  });

  it("goes on with the camera alone when the microphone is refused or absent", async () => {
    const getUserMedia = stubGetUserMedia(async (c) => {
      if (c.audio) throw domError("NotFoundError");
      return stream;
    });
    expect(await startCapture({ width: 640, height: 480, frameRate: 15 })).toBe(stream);
    expect(getUserMedia).toHaveBeenLastCalledWith({ video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } }, audio: false });
  });

  it("does not ask for the microphone when told not to", async () => {
    const getUserMedia = stubGetUserMedia(async () => stream);
    await startCapture({ audio: false });
    expect(getUserMedia).toHaveBeenCalledOnce();
    expect(getUserMedia.mock.calls[0]![0]).toMatchObject({ audio: false });
  });

  it.each([
    ["NotAllowedError", "denied"],
    ["NotFoundError", "missing"],
    ["NotReadableError", "busy"],
    ["TypeError", "other"],
  ])("names a camera failing with %s as %s, with a next step", async (name, problem) => {
    stubGetUserMedia(async () => {
      throw domError(name);
    });
    const error = await startCapture().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraUnavailable);
    expect((error as CameraUnavailable).data).toMatchObject({ problem, cause: `${name}: ${name} from the browser` });
    expect((error as CameraUnavailable).nextStep).not.toBe("");
  });

  it("says so when the page gets no camera API at all (not https)", async () => {
    vi.stubGlobal("navigator", {});
    const error = await startCapture().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CameraUnavailable);
    expect((error as CameraUnavailable).data.problem).toBe("insecure-context");
    expect((error as CameraUnavailable).nextStep).toContain("https");
  });
});
