// One search box over people, places and cases: tabs, facet filters, highlights, namesake cards.
import { get, purposeParam } from "../api.js";
import { category, source } from "../labels.js";
import { HitCard } from "../hitcard.js";
import { LaterControl } from "../later.js";

const { computed, reactive, ref, watch, onMounted } = Vue;
const { useRoute, useRouter } = VueRouter;

const PAGE = 20;
const TABS = [
  { name: "", label: "全部" },
  { name: "person", label: "人员" },
  { name: "place", label: "地点" },
  { name: "case", label: "案件" },
];
const FILTERS = ["source", "district", "category"];

function fromRoute(query) {
  return {
    q: String(query.q || ""),
    kind: String(query.kind || ""),
    source: String(query.source || ""),
    district: String(query.district || ""),
    category: String(query.category || ""),
    time: query.from && query.to ? [String(query.from), String(query.to)] : null,
    offset: Number(query.offset || 0),
  };
}

/** Facet options: the hub's counts, labelled in Chinese, the chosen value kept even at zero. */
function options(facets, name, chosen, label) {
  const counts = { ...(facets[name] || {}) };
  if (chosen && !(chosen in counts)) counts[chosen] = 0;
  return Object.entries(counts).map(([value, count]) => ({ value, count, label: label(value) }));
}

export const SearchPage = {
  components: { HitCard, LaterControl },
  setup() {
    const route = useRoute();
    const router = useRouter();
    const form = reactive(fromRoute(route.query));
    const answer = ref(null);
    const loading = ref(false);
    const failure = ref("");
    let asked = 0;

    const run = async () => {
      const mine = ++asked;
      const text = form.q.trim();
      if (!text) {
        answer.value = null;
        return;
      }
      loading.value = true;
      try {
        const found = await get("/search", {
          q: text,
          kind: form.kind || undefined,
          source: form.source,
          district: form.district,
          category: form.category,
          time_from: form.time ? form.time[0] : undefined,
          time_to: form.time ? form.time[1] : undefined,
          limit: PAGE,
          offset: form.offset,
          // with a stated purpose, person hits carry birth year and ID number (as the role sees them)
          purpose: purposeParam(),
        });
        if (mine !== asked) return; // a later keystroke's answer wins
        answer.value = { ...found, query: text };
        failure.value = "";
      } catch (error) {
        if (mine === asked) failure.value = error.message;
      } finally {
        if (mine === asked) loading.value = false;
      }
    };

    const remember = () => {
      const query = { q: form.q || undefined, kind: form.kind || undefined, offset: form.offset || undefined };
      for (const name of FILTERS) query[name] = form[name] || undefined;
      if (form.time) Object.assign(query, { from: form.time[0], to: form.time[1] });
      router.replace({ path: "/search", query });
    };

    let typing = null;
    const typed = () => {
      form.offset = 0;
      clearTimeout(typing);
      typing = setTimeout(() => {
        run(); // every keystroke asks at once; a later answer replaces an earlier one
        remember();
      }, 0);
    };
    const refine = () => {
      form.offset = 0;
      run();
      remember();
    };
    const turn = (page) => {
      form.offset = (page - 1) * PAGE;
      run();
      remember();
      window.scrollTo(0, 0);
    };
    onMounted(run);
    // a link or the back button that changes the query: search what it says
    watch(
      () => route.query.q,
      (q) => {
        if (String(q || "") !== form.q) {
          Object.assign(form, fromRoute(route.query));
          run();
        }
      },
    );

    const facets = computed(() => answer.value?.facets || {});
    const hits = computed(() => answer.value?.items || answer.value?.hits || []);
    const exact = computed(() => hits.value.some((hit) => isExact(hit, answer.value?.query)));
    const sourceOptions = computed(() => options(facets.value, "source", form.source, source));
    const districtOptions = computed(() => options(facets.value, "district", form.district, (v) => v));
    const categoryOptions = computed(() => options(facets.value, "category", form.category, category));
    // what each filter shows closed: the chosen option's label, as the select itself writes it
    const chosen = (list, value) => {
      const option = value ? list.find((o) => o.value === value) : null;
      return option ? `${option.label}（${option.count}）` : "";
    };
    return {
      form, answer, loading, failure, hits, exact, tabs: TABS, page: PAGE, chosen,
      sourceOptions, districtOptions, categoryOptions, typed, refine, turn,
    };
  },
  template: `
  <div class="search-page">
    <el-input v-model="form.q" size="large" clearable autofocus class="searchbox" data-test="search-box"
              placeholder="输入姓名、地址、案件编号或事由，如：张伟、观澜公馆、噪音"
              @input="typed" @clear="typed" />
    <el-tabs v-model="form.kind" @tab-change="refine" class="kind-tabs">
      <el-tab-pane v-for="tab in tabs" :key="tab.name" :name="tab.name" :label="tab.label" />
    </el-tabs>
    <div class="filters">
      <later-control :text="chosen(sourceOptions, form.source)" placeholder="部门" width="170px" test="facet-source">
        <el-select v-model="form.source" clearable placeholder="部门" @change="refine" data-test="facet-source" style="width: 170px">
          <el-option v-for="o in sourceOptions" :key="o.value" :value="o.value" :label="o.label + '（' + o.count + '）'" />
        </el-select>
      </later-control>
      <later-control :text="chosen(districtOptions, form.district)" placeholder="区县" width="170px" test="facet-district">
        <el-select v-model="form.district" clearable placeholder="区县" @change="refine" data-test="facet-district" style="width: 170px">
          <el-option v-for="o in districtOptions" :key="o.value" :value="o.value" :label="o.label + '（' + o.count + '）'" />
        </el-select>
      </later-control>
      <later-control :text="chosen(categoryOptions, form.category)" placeholder="事项类别" width="200px" test="facet-category">
        <el-select v-model="form.category" clearable placeholder="事项类别" @change="refine" data-test="facet-category" style="width: 200px">
          <el-option v-for="o in categoryOptions" :key="o.value" :value="o.value" :label="o.label + '（' + o.count + '）'" />
        </el-select>
      </later-control>
      <later-control kind="daterange" :range="form.time" width="260px" start-placeholder="开始日期" end-placeholder="结束日期">
        <el-date-picker v-model="form.time" type="daterange" value-format="YYYY-MM-DD" unlink-panels
                        range-separator="至" start-placeholder="开始日期" end-placeholder="结束日期"
                        @change="refine" style="width: 260px" />
      </later-control>
    </div>
    <el-alert v-if="failure" :title="failure" type="error" show-icon :closable="false" />
    <el-alert v-if="answer && answer.notice" :title="answer.notice" type="warning" show-icon :closable="false" class="gap" />
    <template v-if="answer">
      <div class="result-head" data-test="result-head">
        <span>共找到 <b>{{ answer.total }}</b> 条结果</span>
        <el-tag v-if="hits.length && !exact" type="warning" effect="plain" data-test="no-exact">没有完全匹配，以下为相近结果</el-tag>
      </div>
      <el-empty v-if="!hits.length" description="没有完全匹配，也没有相近结果。可换个写法、减少筛选条件再试。" data-test="no-hits" />
      <div class="hits" data-test="hits" :data-query="answer.query">
        <hit-card v-for="hit in hits" :key="hit.kind + hit.id" :hit="hit" :namesakes="hits" />
      </div>
      <el-pagination v-if="answer.total > page" layout="prev, pager, next" :page-size="page"
                     :total="Math.min(answer.total, 1000)" :current-page="form.offset / page + 1"
                     @current-change="turn" class="pager" />
    </template>
    <div v-else class="hint muted">在上方输入即可搜索；结果按人员、地点、案件分类，可按部门、区县、类别和时间筛选。</div>
  </div>`,
};

/** Whether a hit matches the query exactly (its title, or the name/address it was found by). */
export function isExact(hit, text) {
  if (!text) return false;
  const plain = (value) => String(value || "").replace(/<[^>]+>/g, "");
  if (plain(hit.title) === text || plain(hit.title).split(" ").includes(text)) return true;
  return Object.values(hit.highlights || {}).some((value) => plain(value) === text);
}
