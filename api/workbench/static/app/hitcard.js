// A search hit as a card; people show what tells namesakes apart (birth year, district, masked ID,
// departments seen in), places their address, cases their category and departments.
import { category, source, gender, year } from "./labels.js";

const { computed } = Vue;

/** The hub's highlight markup kept (<em>), everything else shown as text. */
export function safeHighlight(html) {
  const text = String(html ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
  return text.replace(/&lt;em&gt;/g, "<em>").replace(/&lt;\/em&gt;/g, "</em>");
}

const FIELD_LABELS = {
  names: "涉及人员", address: "地址", addresses: "地址", title: "事项", description: "内容", descriptions: "内容",
  phones: "电话", categories: "类别",
};

const plain = (value) => String(value || "").replace(/<[^>]+>/g, "");

function facts(hit) {
  const shown = { ...(hit.display || {}), ...hit };
  const districts = shown.districts || (shown.district ? [shown.district] : []);
  return {
    birthYear: shown.birth_year || year(shown.birth_date),
    gender: shown.gender,
    districts: Array.isArray(districts) ? districts : [districts],
    idMask: shown.id_mask || shown.id_number,
    sources: shown.sources || shown.departments || [],
    categories: shown.categories || (shown.category ? [shown.category] : []),
    address: shown.address || shown.full_address,
  };
}

export const HitCard = {
  props: { hit: Object, namesakes: Array },
  setup(props) {
    const link = computed(() => {
      const to = { person: "/people/", place: "/places/", case: "/cases/" }[props.hit.kind] || "/search?q=";
      return to + encodeURIComponent(props.hit.id);
    });
    const kindLabel = computed(() => ({ person: "人员", place: "地点", case: "案件" })[props.hit.kind] || "");
    const kindTag = computed(() => ({ case: "warning", place: "success" })[props.hit.kind] || "primary");
    const shared = computed(
      () =>
        props.hit.kind === "person" &&
        (props.namesakes || []).filter((h) => h.kind === "person" && plain(h.title) === plain(props.hit.title))
          .length > 1,
    );
    const title = computed(() => safeHighlight(props.hit.highlights?.name || props.hit.title));
    const lines = computed(() =>
      Object.entries(props.hit.highlights || {})
        .filter(([field]) => field !== "name")
        .map(([field, html]) => ({ field, label: FIELD_LABELS[field] || "", html: safeHighlight(html) })),
    );
    return { link, kindLabel, kindTag, shared, title, lines, f: computed(() => facts(props.hit)), category, source, gender };
  },
  // Element Plus's card and tag markup written out (the same classes, so the same look): twenty cards of
  // a few tags each are the search page's largest part, and as components they cost its first render most.
  template: `
  <div class="el-card is-hover-shadow hit" :data-kind="hit.kind" :data-id="hit.id" data-test="hit"><div class="el-card__body">
    <div class="hit-top">
      <span :class="['el-tag', 'el-tag--small', 'el-tag--light', 'el-tag--' + kindTag]"><span class="el-tag__content">{{ kindLabel }}</span></span>
      <router-link :to="link" class="hit-title" v-html="title" data-test="hit-link" />
      <span v-if="shared" class="el-tag el-tag--danger el-tag--small el-tag--plain"><span class="el-tag__content">同名</span></span>
    </div>
    <div class="hit-facts" v-if="hit.kind === 'person'">
      <span v-if="f.gender">{{ gender(f.gender) }}</span>
      <span v-if="f.birthYear" data-test="birth-year">{{ f.birthYear }}年生</span>
      <span v-for="d in f.districts" :key="d">{{ d }}</span>
      <span v-if="f.idMask" class="mono">身份证 {{ f.idMask }}</span>
      <span v-if="shared && !f.birthYear && !f.idMask" class="muted small">选择查询事由后显示出生年份、区县、证件号等区分信息</span>
      <span v-if="f.sources.length">见于：<span v-for="s in f.sources" :key="s" class="el-tag el-tag--primary el-tag--small el-tag--plain gapr"><span class="el-tag__content">{{ source(s) }}</span></span></span>
    </div>
    <div class="hit-facts" v-else-if="hit.kind === 'case'">
      <span v-for="c in f.categories" :key="c">{{ category(c) }}</span>
      <span v-if="f.sources.length">经办：<span v-for="s in f.sources" :key="s" class="el-tag el-tag--primary el-tag--small el-tag--plain gapr"><span class="el-tag__content">{{ source(s) }}</span></span></span>
      <span v-for="d in f.districts" :key="d">{{ d }}</span>
    </div>
    <div class="hit-facts" v-else>
      <span v-for="d in f.districts" :key="d">{{ d }}</span>
    </div>
    <div class="hit-lines">
      <div v-for="line in lines" :key="line.field" class="hl"><span class="muted" v-if="line.label">{{ line.label }}：</span><span v-html="line.html" /></div>
    </div>
    <div class="muted small mono">{{ hit.id }}</div>
  </div></div>`,
};
