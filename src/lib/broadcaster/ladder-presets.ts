// The output ladders a broadcaster can pick: renditions for viewers on different connections, each no larger
// than a 720p camera gives.
import type { RenditionChoice } from "./live-broadcast.ts";

export interface LadderPreset {
  id: string;
  label: string;
  renditions: RenditionChoice[];
}

export const LADDER_PRESETS: readonly LadderPreset[] = [
  {
    id: "480p-360p",
    label: "480p + 360p",
    renditions: [
      { name: "480p", width: 854, height: 480, bitrateKbps: 1200 },
      { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
    ],
  },
  {
    id: "360p-240p",
    label: "360p + 240p (light)",
    renditions: [
      { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
      { name: "240p", width: 426, height: 240, bitrateKbps: 400 },
    ],
  },
  {
    id: "720p-480p-360p",
    label: "720p + 480p + 360p",
    renditions: [
      { name: "720p", width: 1280, height: 720, bitrateKbps: 2500 },
      { name: "480p", width: 854, height: 480, bitrateKbps: 1200 },
      { name: "360p", width: 640, height: 360, bitrateKbps: 800 },
    ],
  },
];

export const DEFAULT_LADDER_PRESET = LADDER_PRESETS[0]!;
