import { h, table } from "./dom.js";

const NAMES = { ciopulse: "CIOPulse API", sirportly: "Sirportly", spicecsm: "SpiceCSM", smartertrack: "SmarterTrack" };

function p99(item) {
  if (item.p99_ms !== null) return `≤ ${item.p99_ms} ms`;
  if (item.p99_over_ms !== undefined) return `> ${item.p99_over_ms} ms`;
  return "–";
}

function lastError(item) {
  if (!item.last_error) return "none";
  return item.last_error.at ? `${item.last_error.detail} at ${item.last_error.at}` : item.last_error.detail;
}

// GET …/integrations/health: calls, errors, p99 and last error of each integration over the last hour.
export function healthPanel(health) {
  const rows = health.integrations.map((item) => [NAMES[item.integration] ?? item.integration, String(item.calls),
    String(item.errors), p99(item), lastError(item)]);
  return [h("h2", {}, `Health (last ${health.window_minutes} minutes, every instance)`),
    table(["Integration", "Calls", "Errors", "p99 latency", "Last error"], rows, { id: "integration-health" })];
}
