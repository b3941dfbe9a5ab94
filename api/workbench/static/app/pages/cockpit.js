// The cockpit: one screen of today's intake by channel, open and overdue cases and the handling rates
// by department, month-on-month and year-on-year changes, hot spots and the latest alerts, each panel
// with the time its numbers are as of. Everything is read from the public statistics and alerts API.
import * as label from "../labels.js";
import { get, purposeParam, session } from "../api.js";
import { barOption, disposeCharts, drawChart, lineOption, preloadCharts, ringOption } from "../charts.js";
import {
  changeText, isoDay, latestAlerts, monthStart, newerAlerts, rateText, statsRows, usePanel,
} from "../cockpit-data.js";
import { LaterControl } from "../later.js";
import { LiteTable } from "../litetable.js";

const { computed, ref, watch, onMounted, onBeforeUnmount } = Vue;
const { useRoute, useRouter } = VueRouter;
const ALERT_POLL_MS = 15000;
const RATE_COLUMNS = [
  { key: "name", label: "部门", prop: "name" },
  { key: "cases", label: "案件", prop: "cases", width: 70 },
  { key: "completion", label: "办结率", width: 90 },
  { key: "on_time", label: "按时办结率", width: 100 },
  { key: "satisfaction", label: "满意率", width: 90 },
];
const PLACE_COLUMNS = [
  { key: "name", label: "地点" },
  { key: "cases", label: "案件", prop: "cases", width: 70 },
  { key: "last", label: "最近发生", width: 110 },
];
const PEOPLE_COLUMNS = [
  { key: "name", label: "姓名" },
  { key: "born", label: "出生", width: 90 },
  { key: "cases", label: "案件", prop: "cases", width: 70 },
  { key: "last", label: "最近发生", width: 110 },
];
const ALERT_COLUMNS = [
  { key: "kind", label: "类型", width: 110 },
  { key: "title", label: "预警内容" },
  { key: "status", label: "状态", width: 80 },
  { key: "updated", label: "更新时间", width: 140 },
];

/** A panel's head: its title and when its numbers are as of. */
const PanelHead = {
  props: { title: String, panel: Object, scope: String },
  template: `
  <div class="panel-head">
    <span class="panel-title">{{ title }}</span>
    <span class="muted small" data-test="as-of"><template v-if="scope">{{ scope }} · </template>数据截至 {{ panel.asOf ? label.when(panel.asOf) : '—' }}</span>
  </div>`,
  setup: () => ({ label }),
};

/** What a panel shows when it has nothing to draw: withheld from the role, failed, or empty. */
const PanelNote = {
  props: { panel: Object, empty: Boolean },
  template: `
  <div v-if="panel.forbidden" class="panel-note" data-test="not-for-role">当前角色（{{ role }}）无权查看此项统计。</div>
  <div v-else-if="panel.failure" class="panel-note failed">{{ panel.failure }}</div>
  <el-empty v-else-if="empty && !panel.loading" description="暂无数据" :image-size="60" />`,
  setup: () => ({ role: computed(() => session.user?.role_label || "") }),
};

export const CockpitPage = {
  components: { PanelHead, PanelNote, LaterControl, LiteTable },
  setup() {
    const route = useRoute();
    const router = useRouter();
    const day = ref(String(route.query.day || isoDay(new Date())));
    const boxes = { intake: ref(null), departments: ref(null), trend: ref(null) };

    const intake = usePanel(() => statsRows({ by: "source", from: day.value, to: day.value }));
    const departments = usePanel(() => statsRows({ by: "department" }));
    const change = usePanel(async () => {
      const answer = await get("/stats", { compare: true, from: monthStart(day.value), to: day.value });
      return { data: (answer.items || [])[0] || null, asOf: answer.as_of };
    });
    const trend = usePanel(() => statsRows({ by: "month", from: monthStart(day.value, 11), to: day.value }));
    const places = usePanel(async () => {
      const answer = await get("/stats/hotspots", { kind: "place", limit: 8 });
      return { data: answer.items || [], asOf: answer.as_of };
    });
    const purpose = computed(() => purposeParam());
    const people = usePanel(async () => {
      const answer = await get("/stats/hotspots", { kind: "person", purpose: purpose.value, limit: 8 });
      return { data: answer.items || [], asOf: answer.as_of };
    });
    const alerts = usePanel(latestAlerts);

    const intakeRows = computed(() => (intake.data || []).filter((r) => r.events > 0));
    const intakeTotal = computed(() => intakeRows.value.reduce((sum, r) => sum + r.events, 0));
    // Before the handling columns (status, due, on time, satisfaction) reach the warehouse, no case is
    // closed, overdue or rated anywhere: the rates are then unknown, not 0 %.
    const handlingKnown = computed(() =>
      (departments.data || []).some((r) => r.closed || r.on_time || r.overdue || r.rated),
    );
    const shownRate = (value) => (handlingKnown.value ? rateText(value) : "暂无数据");
    const departmentRows = computed(() =>
      (departments.data || [])
        .filter((r) => r.cases > 0)
        .map((r) => ({
          ...r,
          name: r.department_name || label.department(r.department),
          open: r.cases - r.closed,
        }))
        .sort((a, b) => b.open - a.open),
    );

    const drawAll = async () => {
      const drawn = [];
      const rows = intakeRows.value;
      if (rows.length) {
        drawn.push(drawChart(boxes.intake.value, ringOption(rows.map((r) => [label.source(r.source), r.events]))));
      }
      const depts = departmentRows.value.slice(0, 12);
      if (depts.length) {
        drawn.push(drawChart(
          boxes.departments.value,
          barOption(depts.map((r) => r.name), [
            [handlingKnown.value ? "在办案件" : "案件（办结情况未汇入）", depts.map((r) => r.open), "#409eff"],
            ["超期案件", depts.map((r) => r.overdue), "#f56c6c"],
          ], true),
        ));
      }
      const months = trend.data || [];
      if (months.length) {
        drawn.push(drawChart(
          boxes.trend.value,
          lineOption(months.map((r) => String(r.month).slice(0, 7)), [
            ["事件数", months.map((r) => r.events), "#409eff"],
            ["案件数", months.map((r) => r.cases), "#e6a23c"],
          ]),
        ));
      }
      await Promise.all(drawn);
    };

    let poll = null;
    const followAlerts = () => {
      clearInterval(poll);
      poll = setInterval(async () => {
        if (!alerts.data || alerts.loading) return;
        const { items, since } = alerts.data;
        try {
          const answer = await newerAlerts(items, since);
          alerts.data = answer.data;
          alerts.asOf = answer.asOf || alerts.asOf;
        } catch {
          // the next poll tries again; the list shown stays
        }
      }, ALERT_POLL_MS);
    };

    const load = async () => {
      preloadCharts(); // alongside the data, not after it
      const asked = [intake, departments, change, trend, places, alerts].map((p) => p.reload());
      if (purpose.value) asked.push(people.reload());
      else people.loading = false;
      await Promise.all(asked);
      if (departments.forbidden) {
        // a role that reads no records (the auditor) is shown no alerts either: say so, as for the rest
        Object.assign(alerts, { forbidden: true, data: null });
        return;
      }
      await drawAll();
      followAlerts();
    };
    watch(purpose, (stated) => (stated ? people.reload() : null));
    const chooseDay = (chosen) => router.replace({ path: "/cockpit", query: { day: chosen || isoDay(new Date()) } });
    watch(
      () => route.query.day,
      async (chosen) => {
        if (!chosen || chosen === day.value) return;
        day.value = String(chosen);
        await Promise.all([intake, change, trend].map((p) => p.reload()));
        await drawAll();
        shownDay.value = day.value;
      },
    );

    const ready = ref(false);
    const shownDay = ref(null); // the day whose numbers are on screen
    onMounted(async () => {
      await load();
      shownDay.value = day.value;
      ready.value = true;
    });
    const resize = () => typeof echarts !== "undefined" &&
      Object.values(boxes).forEach((box) => box.value && echarts.getInstanceByDom(box.value)?.resize());
    window.addEventListener("resize", resize);
    onBeforeUnmount(() => {
      clearInterval(poll);
      window.removeEventListener("resize", resize);
      disposeCharts(Object.values(boxes).map((box) => box.value));
    });
    return {
      label, day, chooseDay, ready, shownDay, purpose, intake, intakeRows, intakeTotal, departments, departmentRows,
      change, trend, places, people, alerts, shownRate, changeText, handlingKnown, alertTitle: label.codesInWords,
      intakeBox: boxes.intake, departmentsBox: boxes.departments, trendBox: boxes.trend,
      rateColumns: RATE_COLUMNS, placeColumns: PLACE_COLUMNS, peopleColumns: PEOPLE_COLUMNS, alertColumns: ALERT_COLUMNS,
    };
  },
  template: `
  <div class="cockpit-page" :data-ready="ready ? 'yes' : null" :data-day="shownDay">
    <div class="headline-row section">
      <h2 class="cockpit-title">指挥驾驶舱</h2>
      <div class="filters tight">
        <span class="muted">统计日</span>
        <later-control kind="date" :text="day" width="160px" test="cockpit-day">
          <el-date-picker v-model="day" type="date" value-format="YYYY-MM-DD" :clearable="false"
                          @change="chooseDay" style="width: 160px" data-test="cockpit-day" />
        </later-control>
      </div>
    </div>
    <el-row :gutter="16">
      <el-col :span="8">
        <el-card class="section panel" data-test="panel-intake">
          <template #header><panel-head title="当日受理（按渠道）" :panel="intake" :scope="day" /></template>
          <panel-note :panel="intake" :empty="!intakeRows.length" />
          <el-statistic v-if="intakeRows.length" title="受理事件合计（件）" :value="intakeTotal" />
          <div ref="intakeBox" class="chart" v-show="intakeRows.length" data-test="chart-intake"></div>
          <div v-if="intakeRows.length" data-test="intake-sources">
            <el-tag v-for="r in intakeRows" :key="r.source" effect="plain" class="gapr" disable-transitions>{{ label.source(r.source) }} {{ r.events }} 件</el-tag>
          </div>
        </el-card>
      </el-col>
      <el-col :span="16">
        <el-card class="section panel" data-test="panel-change">
          <template #header><panel-head title="本月累计与环比、同比" :panel="change" :scope="day.slice(0, 7) + ' 月初至 ' + day" /></template>
          <panel-note :panel="change" :empty="!change.data" />
          <el-row v-if="change.data" :gutter="12" class="change-row">
            <el-col :span="4"><el-statistic title="事件数" :value="change.data.events" /></el-col>
            <el-col :span="4"><div class="stat"><div class="muted small">事件环比</div><div class="stat-value" data-test="events-mom">{{ changeText(change.data.events_mom) }}</div></div></el-col>
            <el-col :span="4"><div class="stat"><div class="muted small">事件同比</div><div class="stat-value" data-test="events-yoy">{{ changeText(change.data.events_yoy) }}</div></div></el-col>
            <el-col :span="4"><el-statistic title="案件数" :value="change.data.cases" /></el-col>
            <el-col :span="4"><div class="stat"><div class="muted small">案件环比</div><div class="stat-value">{{ changeText(change.data.cases_mom) }}</div></div></el-col>
            <el-col :span="4"><div class="stat"><div class="muted small">案件同比</div><div class="stat-value">{{ changeText(change.data.cases_yoy) }}</div></div></el-col>
          </el-row>
          <div class="muted small gap">近十二个月走势</div>
          <panel-note :panel="trend" :empty="!(trend.data || []).length" />
          <div ref="trendBox" class="chart short" v-show="(trend.data || []).length" data-test="chart-trend"></div>
        </el-card>
      </el-col>
    </el-row>
    <el-row :gutter="16">
      <el-col :span="12">
        <el-card class="section panel" data-test="panel-departments">
          <template #header><panel-head title="各部门在办与超期案件" :panel="departments" scope="全部案件" /></template>
          <panel-note :panel="departments" :empty="!departmentRows.length" />
          <div ref="departmentsBox" class="chart tall" v-show="departmentRows.length" data-test="chart-departments"></div>
        </el-card>
      </el-col>
      <el-col :span="12">
        <el-card class="section panel" data-test="panel-rates">
          <template #header><panel-head title="各部门办结率、按时办结率、满意率" :panel="departments" scope="全部案件" /></template>
          <panel-note :panel="departments" :empty="!departmentRows.length" />
          <div v-if="departmentRows.length && !handlingKnown" class="panel-note" data-test="no-handling">各部门办理情况（办结、超期、评价）尚未汇入，办结率、按时办结率与满意率暂无数据。</div>
          <lite-table v-if="departmentRows.length" :rows="departmentRows" :columns="rateColumns" row-key="department" max-height="300" data-test="rates">
            <template #completion="{ row }"><span :class="{ muted: !handlingKnown || row.completion_rate == null }">{{ shownRate(row.completion_rate) }}</span></template>
            <template #on_time="{ row }"><span :class="{ muted: !handlingKnown || row.on_time_rate == null }">{{ shownRate(row.on_time_rate) }}</span></template>
            <template #satisfaction="{ row }"><span :class="{ muted: !handlingKnown || row.satisfaction_rate == null }">{{ shownRate(row.satisfaction_rate) }}</span></template>
          </lite-table>
        </el-card>
      </el-col>
    </el-row>
    <el-row :gutter="16">
      <el-col :span="12">
        <el-card class="section panel" data-test="panel-hotspots">
          <template #header><panel-head title="热点地点（两件及以上案件）" :panel="places" scope="全部案件" /></template>
          <panel-note :panel="places" :empty="!(places.data || []).length" />
          <lite-table v-if="(places.data || []).length" :rows="places.data" :columns="placeColumns" row-key="entity_id" data-test="hot-places">
            <template #name="{ row }"><router-link :to="'/places/' + encodeURIComponent(row.entity_id)">{{ row.name || row.entity_id }}</router-link></template>
            <template #last="{ row }">{{ label.day(row.last_day) }}</template>
          </lite-table>
          <div class="muted small gap">重点人员</div>
          <div v-if="!purpose" class="panel-note" data-test="people-need-purpose">查看重点人员须先在页首选择查询事由（查看将记入审计日志）。</div>
          <template v-else>
            <panel-note :panel="people" :empty="!(people.data || []).length" />
            <lite-table v-if="(people.data || []).length" :rows="people.data" :columns="peopleColumns" row-key="entity_id" data-test="hot-people">
              <template #name="{ row }"><router-link :to="'/people/' + encodeURIComponent(row.entity_id)">{{ row.name || row.entity_id }}</router-link></template>
              <template #born="{ row }">{{ label.year(row.birth_date) || '—' }}</template>
              <template #last="{ row }">{{ label.day(row.last_day) }}</template>
            </lite-table>
          </template>
        </el-card>
      </el-col>
      <el-col :span="12">
        <el-card class="section panel" data-test="panel-alerts">
          <template #header><panel-head title="最新预警（每15秒更新）" :panel="alerts" /></template>
          <panel-note :panel="alerts" :empty="!(alerts.data && alerts.data.items.length)" />
          <lite-table v-if="alerts.data && alerts.data.items.length" :rows="alerts.data.items" :columns="alertColumns" row-key="alert_id" max-height="420" data-test="alerts">
            <template #kind="{ row }"><span :class="['el-tag', 'el-tag--small', 'el-tag--light', row.severity === 'high' ? 'el-tag--danger' : 'el-tag--warning']"><span class="el-tag__content">{{ label.alertKind(row.kind) }}</span></span></template>
            <template #title="{ row }"><span :class="{ muted: row.status === 'cleared' }">{{ alertTitle(row.title) }}</span></template>
            <template #status="{ row }">{{ label.alertStatus(row.status) }}</template>
            <template #updated="{ row }">{{ label.when(row.updated_at) }}</template>
          </lite-table>
        </el-card>
      </el-col>
    </el-row>
  </div>`,
};
