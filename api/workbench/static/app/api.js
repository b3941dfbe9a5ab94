// The workbench's only way to the hub: the public API, signed in with a bearer token.
const { reactive } = Vue;

const STORE = window.sessionStorage;
const TOKEN = "cityhub.token";
const USER = "cityhub.user";
const PURPOSE = "cityhub.purpose";

function stored(key) {
  try {
    return JSON.parse(STORE.getItem(key) || "null");
  } catch {
    return null;
  }
}

/** Who is signed in (token, user) and the purpose they stated for their look-ups. */
export const session = reactive({
  token: STORE.getItem(TOKEN),
  user: stored(USER),
  purpose: stored(PURPOSE) || { code: "", case_number: "" },
});

/** An API answer other than 2xx: its status and the message shown to the official. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(messageFor(status, detail));
    this.status = status;
    this.detail = detail;
  }
}

const MESSAGES = {
  400: "请求内容有误",
  401: "登录已失效，请重新登录",
  403: "当前角色无权查看此内容",
  404: "未找到该记录",
  409: "该记录已合并或已变更",
  422: "输入内容不符合要求",
  428: "请先选择查询事由",
  429: "请求过于频繁，请稍后再试",
};

function messageFor(status, detail) {
  if (status === 0) return "无法连接到数据融合中心";
  return MESSAGES[status] || `服务出错（${status}）`;
}

let onSignedOut = () => {};
/** Call `handler` when the hub says the session is over (401), e.g. to go to the sign-in page. */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function headers(json) {
  const sent = { Accept: "application/json" };
  if (json) sent["Content-Type"] = "application/json";
  if (session.token) sent.Authorization = `Bearer ${session.token}`;
  return sent;
}

/** The purpose sent with a person look-up: the case number when one is given, else the reason's code. */
export function purposeParam() {
  const { code, case_number: caseNumber } = session.purpose;
  if (caseNumber && caseNumber.trim()) return `case:${caseNumber.trim()}`;
  return code || undefined;
}

const NEEDS_PURPOSE = /^\/(people|match)(\/|$|\?)|^\/graph\/Person\/[^/]+$/;

/** The answer to a request the page's head sent before the app loaded (early.js), taken once. */
function takeEarly(method, url) {
  const early = window.cityhubEarly || {};
  const sent = method === "GET" && session.token ? early[url] : undefined;
  if (sent) delete early[url];
  return sent;
}

async function call(method, path, params, body) {
  if (NEEDS_PURPOSE.test(path)) params = { purpose: purposeParam(), ...(params || {}) };
  const url = path + query(params);
  let response;
  try {
    response = await (takeEarly(method, url) ||
      fetch(url, {
        method,
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      }));
  } catch {
    throw new ApiError(0, "");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && session.token) {
      forget();
      onSignedOut();
    }
    throw new ApiError(response.status, answer.error || "");
  }
  return answer;
}

/** GET a path of the API with query parameters (lists repeat the key). */
export const get = (path, params) => call("GET", path, params);
/** POST a JSON body to a path of the API. */
export const post = (path, body, params) => call("POST", path, params, body ?? {});

function forget() {
  session.token = null;
  session.user = null;
  STORE.removeItem(TOKEN);
  STORE.removeItem(USER);
}

/** Sign in with a username and password; remembers the token for this browser tab. */
export async function signIn(username, password) {
  const answer = await post("/auth/login", { username, password });
  session.token = answer.token;
  session.user = answer.user;
  STORE.setItem(TOKEN, answer.token);
  STORE.setItem(USER, JSON.stringify(answer.user));
  return answer.user;
}

/** End the session at the hub and here. */
export async function signOut() {
  try {
    await post("/auth/logout");
  } catch {
    // signed out here whatever the hub answers
  }
  forget();
}

/** Remember the purpose stated for look-ups (sent with every request). */
export function statePurpose(code, caseNumber) {
  session.purpose = { code, case_number: caseNumber || "" };
  STORE.setItem(PURPOSE, JSON.stringify(session.purpose));
}
