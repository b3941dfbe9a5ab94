// Address dossier: the breadcrumb 区 → 街道 → 社区 → 小区 → 楼栋 → 单元 → 房间, then residents, cases,
// events and the places below, each list paged.
import { get } from "../api.js";
import * as label from "../labels.js";
import { Failure, Pager, usePaged } from "../parts.js";
import { LiteTable } from "../litetable.js";

const { computed, ref, watch, onMounted } = Vue;
const { useRoute } = VueRouter;

const HIDDEN_LEVELS = new Set(["province", "city"]);

const COLUMNS = {
  residents: [
    { key: "name", label: "姓名", width: 140 },
    { key: "gender", label: "性别", width: 70 },
    { key: "born", label: "出生", width: 120 },
    { key: "id", label: "身份证", width: 200 },
    { key: "room", label: "所在房间" },
  ],
  cases: [
    { key: "case", label: "案件", width: 200 },
    { key: "category", label: "类别" },
    { key: "opened", label: "立案", width: 170 },
    { key: "last", label: "最近进展", width: 170 },
    { key: "escalating", label: "升级", width: 80 },
  ],
  events: [
    { key: "when", label: "时间", width: 150 },
    { key: "source", label: "部门", width: 100 },
    { key: "category", label: "类别", width: 200 },
    { key: "status", label: "状态", width: 80 },
    { key: "text", label: "内容" },
    { key: "case", label: "案件", width: 90 },
  ],
  places: [
    { key: "level", label: "层级", width: 90 },
    { key: "address", label: "地址" },
  ],
};

export const PlacePage = {
  components: { Failure, Pager, LiteTable },
  setup() {
    const route = useRoute();
    const id = String(route.params.id);
    const path = `/places/${encodeURIComponent(id)}`;
    const view = ref(null);
    const failure = ref("");
    const tab = ref("residents");
    const lists = {
      residents: usePaged(`${path}/residents`, {}, 10),
      cases: usePaged(`${path}/cases`, {}, 10),
      events: usePaged(`${path}/events`, {}, 10),
      places: usePaged(`${path}/places`, {}, 10),
    };
    // each list costs the hub a dossier: only the tab in view is read, the others when opened
    const opened = new Set();
    const open = (name) => {
      if (!opened.has(name)) {
        opened.add(name);
        lists[name].reload();
      }
    };
    watch(tab, open);
    onMounted(async () => {
      open(tab.value); // side by side with the place itself
      try {
        view.value = await get(path);
      } catch (error) {
        failure.value = error.message;
      }
    });
    const count = (name) => (opened.has(name) ? lists[name].total : view.value?.counts?.[name] ?? "…");
    const crumbs = computed(() => {
      if (!view.value) return [];
      const above = [...(view.value.ancestors || [])].reverse();
      return [...above, view.value.place].filter((p) => !HIDDEN_LEVELS.has(p.level));
    });
    const person = (row) => row.person || row;
    const event = (row) => row.event || row;
    return { id, view, failure, tab, lists, crumbs, person, event, label, count, columns: COLUMNS };
  },
  template: `
  <div class="place-page" :data-ready="failure || (view && !lists.residents.loading) ? 'yes' : null">
    <failure :text="failure" />
    <template v-if="view">
      <el-card class="headline" data-test="place-head">
        <el-breadcrumb separator="→" class="crumbs" data-test="breadcrumb">
          <el-breadcrumb-item v-for="p in crumbs" :key="p.place_id">
            <router-link v-if="p.place_id !== view.place.place_id" :to="'/places/' + encodeURIComponent(p.place_id)">
              <span class="muted small">{{ label.level(p.level) }}</span> {{ p.name }}
            </router-link>
            <b v-else><span class="muted small">{{ label.level(p.level) }}</span> {{ p.name }}</b>
          </el-breadcrumb-item>
        </el-breadcrumb>
        <div class="headline-row">
          <h2 class="big" data-test="place-name">{{ view.place.full_address || view.place.name }}</h2>
          <router-link :to="'/graph/Place/' + encodeURIComponent(view.place.place_id)">
            <el-button type="primary" plain data-test="open-graph">关系图谱</el-button>
          </router-link>
        </div>
        <div class="facts">
          <span>层级：{{ label.level(view.place.level) }}</span>
          <span v-if="view.place.grid_id">网格 {{ view.place.grid_id }}</span>
          <span>首次出现 {{ label.when(view.place.first_seen) }}</span>
          <span>最近出现 {{ label.when(view.place.last_seen) }}</span>
          <span class="mono small muted">地点编号 {{ view.place.place_id }}</span>
        </div>
      </el-card>
      <el-card class="section">
        <el-tabs v-model="tab">
          <el-tab-pane :label="'住户（' + count('residents') + '）'" name="residents">
            <lite-table :rows="lists.residents.items" :columns="columns.residents" v-loading="lists.residents.loading" empty-text="暂无可见的住户" data-test="residents">
              <template #name="{ row }"><router-link :to="'/people/' + encodeURIComponent(person(row).person_id)">{{ person(row).name || person(row).person_id }}</router-link></template>
              <template #gender="{ row }">{{ label.gender(person(row).gender) }}</template>
              <template #born="{ row }">{{ person(row).birth_date || '—' }}</template>
              <template #id="{ row }"><span class="mono">{{ person(row).id_number || '—' }}</span></template>
              <template #room="{ row }"><router-link v-if="row.place_id" :to="'/places/' + encodeURIComponent(row.place_id)">{{ row.place_id === view.place.place_id ? '本处' : '查看所在房间' }}</router-link></template>
            </lite-table>
            <pager :list="lists.residents" name="residents" />
          </el-tab-pane>
          <el-tab-pane :label="'案件（' + count('cases') + '）'" name="cases">
            <lite-table :rows="lists.cases.items" :columns="columns.cases" v-loading="lists.cases.loading" empty-text="暂无可见的案件" data-test="place-cases">
              <template #case="{ row }"><router-link :to="'/cases/' + encodeURIComponent(row.case_id)" class="mono">{{ row.case_id }}</router-link></template>
              <template #category="{ row }">{{ label.category(row.category) }}</template>
              <template #opened="{ row }">{{ label.when(row.opened_at) }}</template>
              <template #last="{ row }">{{ label.when(row.last_activity_at) }}</template>
              <template #escalating="{ row }"><span v-if="row.escalating" class="el-tag el-tag--danger el-tag--small el-tag--light"><span class="el-tag__content">升级</span></span></template>
            </lite-table>
            <pager :list="lists.cases" name="cases" />
          </el-tab-pane>
          <el-tab-pane :label="'事件（' + count('events') + '）'" name="events">
            <lite-table :rows="lists.events.items" :columns="columns.events" v-loading="lists.events.loading" empty-text="暂无可见的事件" data-test="place-events">
              <template #when="{ row }">{{ label.when(event(row).occurred_at) }}</template>
              <template #source="{ row }"><span class="el-tag el-tag--primary el-tag--small el-tag--light"><span class="el-tag__content">{{ label.source(event(row).source) }}</span></span></template>
              <template #category="{ row }">{{ label.category(event(row).category) }}</template>
              <template #status="{ row }">{{ label.status(event(row).status) }}</template>
              <template #text="{ row }"><span class="desc">{{ event(row).description }}</span></template>
              <template #case="{ row }"><router-link v-if="row.case_id" :to="'/cases/' + encodeURIComponent(row.case_id)">查看</router-link></template>
            </lite-table>
            <pager :list="lists.events" name="events" />
          </el-tab-pane>
          <el-tab-pane :label="'下级地点（' + count('places') + '）'" name="places">
            <lite-table :rows="lists.places.items" :columns="columns.places" v-loading="lists.places.loading" empty-text="没有下级地点" data-test="place-places">
              <template #level="{ row }">{{ label.level(row.level) }}</template>
              <template #address="{ row }"><router-link :to="'/places/' + encodeURIComponent(row.place_id)">{{ row.full_address || row.name }}</router-link></template>
            </lite-table>
            <pager :list="lists.places" name="places" />
          </el-tab-pane>
        </el-tabs>
      </el-card>
    </template>
  </div>`,
};
