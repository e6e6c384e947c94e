// The public window of a published stream (jobRequest.publish): the index viewers poll and the paths of its segments, shared by the orchestrator node and the watch page.
import { z } from "zod";
import { InvalidMessage, MessageTooLarge, ProtocolError } from "./errors.ts";
import {
  MAX_MESSAGE_JSON_BYTES,
  MAX_RENDITIONS,
  MAX_SEGMENT_DURATION_MS,
  PROTOCOL_VERSION,
  dimensionSchema,
  invalidMessage,
  renditionNameSchema,
  sequenceNumberSchema,
  streamIdSchema,
  uniqueNames,
} from "./messages.ts";
import { address, boundedInt, missingOr } from "./wire.ts";

/**
 * Most segments one index lists: an orchestrator keeps a window of a few dozen (about a minute); the bound keeps the
 * index small (well under MAX_MESSAGE_JSON_BYTES) whatever an orchestrator is configured to keep.
 */
export const MAX_PUBLIC_WINDOW_SEGMENTS = 600;

const publicRenditionSchema = z.strictObject({ name: renditionNameSchema, width: dimensionSchema, height: dimensionSchema });

const publicSegmentSchema = z.strictObject({
  sequenceNumber: sequenceNumberSchema,
  durationMs: boundedInt(1, MAX_SEGMENT_DURATION_MS),
  /**
   * Where the segment starts on the stream's timeline (the durations of segments 0..sequenceNumber-1 added up), when
   * this orchestrator knows it; a viewer that merges several orchestrators' windows places the others by duration.
   */
  startMs: boundedInt(0, Number.MAX_SAFE_INTEGER).optional(),
});

/**
 * Orchestrator → viewer (GET publicStreamIndexPath(streamId)): the renditions of a published stream and the segments
 * this orchestrator holds now, oldest first. Every segment is there in every rendition listed.
 */
export const publicStreamIndexSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION, { error: missingOr(`must be ${PROTOCOL_VERSION}`) }),
  streamId: streamIdSchema,
  orchestrator: address,
  renditions: z.array(publicRenditionSchema).min(1).max(MAX_RENDITIONS).superRefine(uniqueNames),
  segments: z
    .array(publicSegmentSchema)
    .max(MAX_PUBLIC_WINDOW_SEGMENTS)
    .refine((segments) => segments.every((s, i) => i === 0 || s.sequenceNumber > segments[i - 1]!.sequenceNumber), {
      error: "must be in increasing sequenceNumber order without repeats",
    }),
});

export type PublicStreamIndex = z.output<typeof publicStreamIndexSchema>;
export type PublicSegment = z.output<typeof publicSegmentSchema>;

// ---------------------------------------------------------------------------------------------------- paths

const pathParts = z.strictObject({
  streamId: streamIdSchema,
  rendition: renditionNameSchema,
  sequenceNumber: sequenceNumberSchema,
});

/** Throws InvalidPublicStreamPath naming the first part that cannot be in a public stream path. */
function checkParts(parts: { streamId: unknown; rendition?: unknown; sequenceNumber?: unknown }): void {
  const schema = parts.rendition === undefined && parts.sequenceNumber === undefined ? pathParts.pick({ streamId: true }) : pathParts;
  const parsed = schema.safeParse(parts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidPublicStreamPath({ part: String(issue?.path[0] ?? ""), reason: issue?.message ?? "is invalid" });
  }
}

/** `/streams/<streamId>`: the index of a published stream. Every part is URL-safe as validated, so nothing is escaped. */
export function publicStreamIndexPath(streamId: string): string {
  checkParts({ streamId });
  return `/streams/${streamId}`;
}

/** `/streams/<streamId>/<rendition>/<sequenceNumber>.mp4`: one segment of one rendition (fragmented MP4). */
export function publicSegmentPath(streamId: string, rendition: string, sequenceNumber: number): string {
  checkParts({ streamId, rendition, sequenceNumber });
  return `/streams/${streamId}/${rendition}/${sequenceNumber}.mp4`;
}

/**
 * The sequence number a segment path's last part names ("12.mp4" → 12). Only the form publicSegmentPath writes is
 * taken (no leading zeros, no sign), so that each segment has one URL, and caches one entry.
 * @throws InvalidPublicStreamPath
 */
export function parsePublicSegmentFile(file: string): number {
  const match = /^(0|[1-9][0-9]{0,15})\.mp4$/.exec(file);
  const parsed = sequenceNumberSchema.safeParse(match ? Number(match[1]) : Number.NaN);
  if (!parsed.success) throw new InvalidPublicStreamPath({ part: "sequenceNumber", reason: "must be a sequence number followed by .mp4" });
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------------- text

/** The JSON text of an index, validated as a viewer will validate it. @throws InvalidMessage */
export function encodePublicStreamIndex(index: PublicStreamIndex): string {
  const encoded = z.safeEncode(publicStreamIndexSchema, index);
  if (!encoded.success) throw asIndexError(invalidMessage(encoded.error, index));
  return JSON.stringify(encoded.data);
}

/**
 * The index an orchestrator's JSON text holds; addresses come back checksummed. Throws only ProtocolErrors.
 * @throws MessageTooLarge over MAX_MESSAGE_JSON_BYTES characters; InvalidMessage naming the first bad field
 */
export function decodePublicStreamIndex(text: string): PublicStreamIndex {
  if (text.length > MAX_MESSAGE_JSON_BYTES) throw new MessageTooLarge({ what: "json", sizeBytes: text.length, maxBytes: MAX_MESSAGE_JSON_BYTES });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidMessage({ messageType: "publicStreamIndex", field: "", reason: "is not JSON" }, { cause });
  }
  const decoded = z.safeDecode(publicStreamIndexSchema, value as z.input<typeof publicStreamIndexSchema>);
  if (!decoded.success) throw asIndexError(invalidMessage(decoded.error, value));
  return decoded.data;
}

function asIndexError(error: InvalidMessage): InvalidMessage {
  return new InvalidMessage({ ...error.data, messageType: "publicStreamIndex" }, { cause: error.cause });
}

// ---------------------------------------------------------------------------------------------------- errors

const invalidPathData = z.object({ part: z.string().max(32), reason: z.string().max(256) });
export type InvalidPublicStreamPathData = z.output<typeof invalidPathData>;

/** A public stream URL with a part no published stream can have (a bad streamId, rendition or segment file name). */
export class InvalidPublicStreamPath extends ProtocolError<InvalidPublicStreamPathData> {
  override name = "InvalidPublicStreamPath";
  static readonly dataSchema = invalidPathData;

  constructor(data: InvalidPublicStreamPathData, options?: ErrorOptions) {
    super(
      {
        code: "INVALID_PUBLIC_STREAM_PATH",
        message: `Not a public stream path: ${data.part === "" ? "the path" : data.part} ${data.reason}.`,
        nextStep: "Build stream URLs with publicStreamIndexPath and publicSegmentPath, from names the stream's index lists.",
        data,
      },
      options,
    );
  }
}

const notFoundData = z.object({
  streamId: z.string().max(64),
  rendition: z.string().max(32).optional(),
  sequenceNumber: boundedInt(0, Number.MAX_SAFE_INTEGER).optional(),
});
export type PublicStreamNotFoundData = z.output<typeof notFoundData>;

/** This orchestrator holds no such published stream, rendition or segment (never here, forgotten, or out of the window). */
export class PublicStreamNotFound extends ProtocolError<PublicStreamNotFoundData> {
  override name = "PublicStreamNotFound";
  static readonly dataSchema = notFoundData;

  constructor(data: PublicStreamNotFoundData, options?: ErrorOptions) {
    const what =
      data.rendition === undefined
        ? `Stream ${data.streamId} is not published here`
        : `Segment ${data.sequenceNumber ?? "?"} of rendition ${data.rendition} of stream ${data.streamId} is not in this orchestrator's window`;
    super(
      {
        code: "PUBLIC_STREAM_NOT_FOUND",
        message: `${what}.`,
        nextStep:
          data.rendition === undefined
            ? "Check the streamId, and that the broadcaster is live with publish set; a stream is kept a few minutes after it ends."
            : "Fetch the stream's index again and ask for a segment it lists; the window moves on as the stream goes.",
        data,
      },
      options,
    );
  }
}
