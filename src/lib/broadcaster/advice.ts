// What the page tells a person about an error: its name, what happened in plain words, the next step, and the
// button that takes that step when there is one (top up funds, go live again).
export type AdviceAction = "topUp" | "goLiveAgain" | "allowCamera" | "none";

export interface Advice {
  name: string;
  message: string;
  nextStep: string;
  action: AdviceAction;
}

const ACTIONS: Record<string, AdviceAction> = {
  LowPMBalance: "topUp",
  SenderUnlocking: "topUp",
  InsufficientFundsToFund: "none",
  NoOrchestratorLeft: "goLiveAgain",
  CameraUnavailable: "allowCamera",
};

/** Advice for any thrown value: named errors keep their own next step; anything else gets a generic one. */
export function adviceFor(error: unknown): Advice {
  const e = error instanceof Error ? error : new Error(String(error));
  const nextStep = "nextStep" in e && typeof e.nextStep === "string" ? e.nextStep : "Try again; if it keeps happening, reload the page.";
  return { name: e.name, message: e.message, nextStep, action: ACTIONS[e.name] ?? "none" };
}
