// What the cockpit reads from the hub, panel by panel: each panel knows when its numbers are as of,
// and says so plainly when the caller's role may not see it (403) instead of showing an error.
import { get } from "./api.js";

const { reactive } = Vue;

/** A panel's state: loading, shown, withheld from the role (403) or failed, with its `as_of`. */
export function usePanel(load) {
  const panel = reactive({ loading: true, forbidden: false, failure: "", asOf: null, data: null });
  panel.reload = async (...args) => {
    panel.loading = true;
    try {
      const answer = await load(...args);
      panel.data = answer.data;
      panel.asOf = answer.asOf;
      panel.forbidden = false;
      panel.failure = "";
    } catch (error) {
      panel.data = null;
      panel.forbidden = error.status === 403;
      panel.failure = error.status === 403 ? "" : error.message;
    } finally {
      panel.loading = false;
    }
  };
  return panel;
}

const pad = (n) => String(n).padStart(2, "0");
/** A Date as "YYYY-MM-DD" (the browser's own day). */
export const isoDay = (date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
/** The first day of the month of "YYYY-MM-DD", `back` months earlier. */
export function monthStart(day, back = 0) {
  const [y, m] = day.split("-").map(Number);
  return isoDay(new Date(y, m - 1 - back, 1));
}

/** Every row of a statistics question (up to 100 groups). */
export async function statsRows(params) {
  const answer = await get("/stats", { limit: 100, ...params });
  return { data: answer.items || [], asOf: answer.as_of };
}

/** A rate of the hub (0..1, or null when nothing was counted) in words: "暂无数据" when empty. */
export function rateText(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "暂无数据";
  return `${(Number(value) * 100).toFixed(1)}%`;
}

/** A change ratio (month-on-month, year-on-year) with its sign, "暂无数据" without a base. */
export function changeText(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "暂无数据";
  const percent = Number(value) * 100;
  return `${percent > 0 ? "+" : ""}${percent.toFixed(1)}%`;
}

const ALERT_PAGE = 100;
const ALERTS_KEPT = 30;

/** The latest alerts the caller may see (newest first) and where to resume: one request for the alerts
 * changed last (`latest`), `next_since` after the newest of them. */
export async function latestAlerts() {
  const answer = await get("/alerts", { latest: ALERTS_KEPT });
  const items = (answer.items || []).slice().reverse();
  return { data: { items, since: answer.next_since || null }, asOf: answer.as_of };
}

/** The alerts changed after `since`, merged into `items` (newest first; a changed alert moves up). */
export async function newerAlerts(items, since) {
  const answer = await get("/alerts", { since, limit: ALERT_PAGE });
  const changed = (answer.items || []).slice().reverse();
  const ids = new Set(changed.map((a) => a.alert_id));
  const merged = changed.concat(items.filter((a) => !ids.has(a.alert_id))).slice(0, ALERTS_KEPT);
  return { data: { items: merged, since: answer.next_since || since }, asOf: answer.as_of };
}
