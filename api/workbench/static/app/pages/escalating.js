// Escalating cases, newest first, filterable by district and category, with a chart by category.
import * as label from "../labels.js";
import { Failure, Pager, usePaged } from "../parts.js";
import { loadScript } from "../scripts.js";
import { LaterControl } from "../later.js";
import { LiteTable } from "../litetable.js";

const { computed, reactive, ref, watch, onMounted, onBeforeUnmount, nextTick } = Vue;
const { useRoute, useRouter } = VueRouter;
const COLUMNS = [
  { key: "case", label: "案件", width: 190 },
  { key: "sources", label: "经办部门", width: 200 },
  { key: "category", label: "类别", width: 190 },
  { key: "districts", label: "区县", width: 110 },
  { key: "last", label: "最近进展", width: 150 },
  { key: "reason", label: "升级原因" },
];

export const EscalatingPage = {
  components: { Failure, Pager, LaterControl, LiteTable },
  setup() {
    const route = useRoute();
    const router = useRouter();
    const filters = reactive({ district: String(route.query.district || ""), category: String(route.query.category || "") });
    const params = reactive({ district: filters.district || undefined, category: filters.category || undefined });
    const list = usePaged("/escalations", params, 15);
    const districts = ref(new Set(filters.district ? [filters.district] : []));
    const chartBox = ref(null);
    let chart = null;

    const refresh = async () => {
      params.district = filters.district || undefined;
      params.category = filters.category || undefined;
      router.replace({ path: "/escalating", query: { ...params } });
      list.offset = 0;
      await list.reload();
    };
    const majors = computed(() =>
      Object.entries(label.categories())
        .filter(([code]) => !code.includes("."))
        .map(([value, text]) => ({ value, text })),
    );
    watch(
      () => list.items,
      (items) => {
        const seen = new Set(districts.value);
        items.forEach((item) => (item.districts || [item.district]).forEach((d) => d && seen.add(d)));
        districts.value = seen;
        draw();
      },
      { flush: "post" }, // after the chart's box is shown
    );

    const draw = async () => {
      const counts = {};
      const facet = list.facets?.category;
      if (facet) Object.assign(counts, facet);
      else list.items.forEach((item) => {
        const major = String(item.category || "").split(".")[0];
        counts[major] = (counts[major] || 0) + 1;
      });
      const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
      if (!entries.length || !chartBox.value) return;
      // the list is on screen first; ECharts (bar charts only, half a megabyte) loads once that frame is drawn
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      await loadScript("/workbench/vendor/echarts-charts.js");
      await nextTick();
      if (!chartBox.value) return;
      chart = chart || echarts.init(chartBox.value);
      chart.setOption({
        grid: { left: 110, right: 30, top: 10, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: entries.map(([code]) => label.category(code)) },
        series: [{ type: "bar", data: entries.map(([, n]) => n), itemStyle: { color: "#e6a23c" }, barMaxWidth: 18 }],
        animation: false,
      });
      chart.resize();
    };
    onMounted(list.reload);
    onBeforeUnmount(() => chart && chart.dispose());
    const majorText = computed(() => majors.value.find((c) => c.value === filters.category)?.text || "");
    return { filters, list, districts, majors, majorText, refresh, chartBox, label, columns: COLUMNS };
  },
  template: `
  <div class="escalating-page" :data-ready="!list.loading ? 'yes' : null">
    <el-card class="section">
      <template #header>
        <div class="headline-row">
          <span>升级案件（按最近进展，由新到旧）</span>
          <div class="filters tight">
            <later-control :text="filters.district" placeholder="区县" width="160px" filterable test="esc-district">
              <el-select v-model="filters.district" clearable filterable allow-create placeholder="区县" @change="refresh" style="width: 160px" data-test="esc-district">
                <el-option v-for="d in districts" :key="d" :label="d" :value="d" />
              </el-select>
            </later-control>
            <later-control :text="majorText" placeholder="事项类别" width="180px" test="esc-category">
              <el-select v-model="filters.category" clearable placeholder="事项类别" @change="refresh" style="width: 180px" data-test="esc-category">
                <el-option v-for="c in majors" :key="c.value" :label="c.text" :value="c.value" />
              </el-select>
            </later-control>
          </div>
        </div>
      </template>
      <failure :text="list.failure" />
      <div v-show="list.items.length" class="muted small">{{ list.facets && list.facets.category ? '各类别升级案件数（全部符合条件的案件）' : '本页各类别升级案件数' }}</div>
      <div ref="chartBox" class="chart" v-show="list.items.length" data-test="esc-chart"></div>
      <lite-table :rows="list.items" :columns="columns" row-key="case_id" size="default" v-loading="list.loading" empty-text="没有符合条件的升级案件" data-test="escalations">
        <template #case="{ row }"><router-link :to="'/cases/' + encodeURIComponent(row.case_id)" class="mono">{{ row.case_id }}</router-link></template>
        <template #sources="{ row }"><span v-for="s in (row.sources || [])" :key="s" class="el-tag el-tag--primary el-tag--small el-tag--plain gapr"><span class="el-tag__content">{{ label.source(s) }}</span></span></template>
        <template #category="{ row }">{{ label.category(row.category) }}</template>
        <template #districts="{ row }">{{ (row.districts || [row.district]).filter(Boolean).join('、') || '—' }}</template>
        <template #last="{ row }">{{ label.when(row.last_activity_at) }}</template>
        <template #reason="{ row }"><div v-for="line in label.escalationWords(row.escalation_reason)" :key="line" class="small">{{ line }}</div></template>
      </lite-table>
      <pager :list="list" name="escalations" />
    </el-card>
  </div>`,
};
