// The browser's simple-peer: the package's own browser bundle, with no STUN/TURN servers, since broadcaster and
// orchestrator reach each other directly (host candidates) and nothing may be contacted beyond them.
import SimplePeer from "simple-peer/simplepeer.min.js";
import type { CreatePeer } from "./orchestrator-session.ts";

export const createBrowserPeer: CreatePeer = (options) => new SimplePeer({ ...options, config: { iceServers: [] } });
