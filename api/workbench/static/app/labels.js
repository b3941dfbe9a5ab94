// Every code the hub sends, in Chinese; times, reasons and match explanations in words.
let codes = {
  categories: {}, departments: {}, sources: {}, statuses: {}, event_roles: {}, levels: {}, genders: {},
  entities: {}, alert_kinds: {}, alert_statuses: {},
};

/** Take the labels of the codes, written into the page by the hub (the same as `GET /labels` gives). */
export function loadCodes() {
  codes = window.cityhubCodes || codes;
  return codes;
}

const pick = (table, code) => (code === null || code === undefined || code === "" ? "—" : table[code] || code);

export const category = (code) => pick(codes.categories, code);
export const source = (code) => pick(codes.sources, code);
export const status = (code) => pick(codes.statuses, code);
export const eventRole = (code) => pick(codes.event_roles, code);
export const level = (code) => pick(codes.levels, code);
export const gender = (code) => pick(codes.genders, code);
export const entity = (label) => pick(codes.entities, label);
export const department = (code) => pick(codes.departments, code);
export const alertKind = (code) => pick(codes.alert_kinds, code);
export const alertStatus = (code) => pick(codes.alert_statuses, code);
export const categories = () => codes.categories;
export const sources = () => codes.sources;

/** A text of the hub with the category codes in it ("land_housing.housing_registration") in Chinese. */
export function codesInWords(text) {
  return String(text || "").replace(/[a-z][a-z_]*(?:\.[a-z][a-z_]*)?/g, (code) => codes.categories[code] || code);
}

/** "2026-01-05T16:28:40" -> "2026-01-05 16:28". */
export function when(value) {
  if (!value) return "—";
  return String(value).replace("T", " ").slice(0, 16);
}

export const day = (value) => (value ? String(value).slice(0, 10) : "—");
export const year = (value) => (value ? String(value).slice(0, 4) : "");

/** The department a record key ("police:J500...") comes from. */
export const recordSource = (key) => String(key || "").split(":", 1)[0];

// "channels: hotline 2026-03-01 > grid 2026-03-04 > police 2026-03-15"
function channelWords(text) {
  const steps = text.split(">").map((step) => step.trim().split(/\s+/));
  const path = steps.map(([code, date]) => `${source(code)}（${date || "日期不详"}）`).join(" → ");
  return `诉求逐级上行：${path}。前一环节未能化解，群众转向更高一级渠道反映。`;
}

// "recurrence: after C-1a2b of 2026-01-20 (same place, same people)"
function recurrenceWords(text) {
  const found = /after\s+(\S+)\s+of\s+(\S+)(?:\s+\((.*)\))?/.exec(text);
  if (!found) return `同类问题反复发生：${text}`;
  const what = (found[3] || "")
    .split(",")
    .map((item) => ({ "same place": "同一地点", "same people": "相同人员" })[item.trim()] || item.trim())
    .filter(Boolean)
    .join("、");
  return `同类问题反复发生：${found[2]} 已有同类案件 ${found[1]}${what ? `（${what}）` : ""}，问题再次出现。`;
}

/** The escalation reason the hub computed, as sentences an official reads. */
export function escalationWords(reason) {
  if (!reason) return [];
  return String(reason)
    .split(";")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      if (part.startsWith("channels:")) return channelWords(part.slice(9).trim());
      if (part.startsWith("recurrence:")) return recurrenceWords(part.slice(11).trim());
      return part;
    });
}

// Agreement levels of the match model (entity_resolution.people.compare.LEVELS) in words.
const LEVEL_WORDS = {
  id: { exact: "身份证号相同", close: "身份证号仅差一两位（疑似录入错误）", conflict: "身份证号不同" },
  name: {
    exact: "姓名相同",
    phonetic: "姓名同音（同音字）",
    fuzzy: "姓名仅差一个字",
    similar: "姓名相近",
    surname_only: "仅姓氏相同",
    title_surname: "仅知姓氏与称呼（如“王先生”）",
    differ: "姓名不同",
  },
  birth: { exact: "出生日期相同", close: "出生日期相近", differ: "出生日期不同" },
  gender: { agree: "性别相同", differ: "性别不同" },
  mobile: { agree: "手机号相同", differ: "手机号不同" },
  landline: { agree: "座机号相同", differ: "座机号不同" },
  address: {
    room: "住址为同一房间",
    building: "住址在同一栋楼",
    place: "住址为同一地点",
    estate: "住址在同一小区",
    estate_other: "住址在同名小区",
    similar: "住址文字相近",
    loosely_similar: "住址文字略有相似",
    differ: "住址不同",
  },
};
const FIELD_WORDS = {
  id: "身份证号", name: "姓名", birth: "出生日期", gender: "性别", mobile: "手机号", landline: "座机号",
  address: "住址",
};
const FIELD_ALIASES = { id_number: "id", phone: "mobile", birth_date: "birth" };

/** Words for one field's evidence: its level when the hub names it, else the sign of its weight. */
export function evidenceWords(field, level, weight) {
  const name = FIELD_ALIASES[field] || field;
  if (level && LEVEL_WORDS[name] && LEVEL_WORDS[name][level]) return LEVEL_WORDS[name][level];
  const label = FIELD_WORDS[name] || field;
  if (weight === undefined || weight === null) return label;
  return weight > 0 ? `${label}一致` : `${label}不一致`;
}

/** An explanation ({field: weight} or {field: {level, weight}}) as phrases, strongest evidence first. */
export function explanationWords(explanation) {
  const items = Object.entries(explanation || {}).map(([field, value]) =>
    typeof value === "object" && value !== null
      ? { field, level: value.level, weight: Number(value.weight ?? 0) }
      : { field, level: null, weight: Number(value) },
  );
  items.sort((a, b) => b.weight - a.weight);
  return items.map((item) => ({
    text: evidenceWords(item.field, item.level, item.weight),
    positive: item.weight >= 0,
  }));
}

/** A graph node's name for people: who, where, what, from its properties. */
export function nodeTitle(labelName, props) {
  const p = props || {};
  if (labelName === "Person") return p.name || p.person_id;
  if (labelName === "Place") return p.full_address || p.name || p.place_id;
  if (labelName === "Case") return `${category(p.category)}（${day(p.opened_at)}）`;
  if (labelName === "Event") return `${source(p.source)} · ${category(p.category)} · ${day(p.occurred_at)}`;
  return p.name || "";
}
