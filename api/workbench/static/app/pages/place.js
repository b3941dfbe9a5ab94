// Address dossier: the breadcrumb 区 → 街道 → 社区 → 小区 → 楼栋 → 单元 → 房间, then residents, cases,
// events and the places below, each list paged.
import { get } from "../api.js";
import * as label from "../labels.js";
import { Failure, Pager, usePaged } from "../parts.js";

const { computed, ref, watch, onMounted } = Vue;
const { useRoute } = VueRouter;

const HIDDEN_LEVELS = new Set(["province", "city"]);

export const PlacePage = {
  components: { Failure, Pager },
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
    return { id, view, failure, tab, lists, crumbs, person, event, label, count };
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
            <el-table :data="lists.residents.items" v-loading="lists.residents.loading" empty-text="暂无可见的住户" size="small" data-test="residents">
              <el-table-column label="姓名" width="140">
                <template #default="{ row }"><router-link :to="'/people/' + encodeURIComponent(person(row).person_id)">{{ person(row).name || person(row).person_id }}</router-link></template>
              </el-table-column>
              <el-table-column label="性别" width="70"><template #default="{ row }">{{ label.gender(person(row).gender) }}</template></el-table-column>
              <el-table-column label="出生" width="120"><template #default="{ row }">{{ person(row).birth_date || '—' }}</template></el-table-column>
              <el-table-column label="身份证" width="200"><template #default="{ row }"><span class="mono">{{ person(row).id_number || '—' }}</span></template></el-table-column>
              <el-table-column label="所在房间"><template #default="{ row }">
                <router-link v-if="row.place_id" :to="'/places/' + encodeURIComponent(row.place_id)">{{ row.place_id === view.place.place_id ? '本处' : '查看所在房间' }}</router-link>
              </template></el-table-column>
            </el-table>
            <pager :list="lists.residents" name="residents" />
          </el-tab-pane>
          <el-tab-pane :label="'案件（' + count('cases') + '）'" name="cases">
            <el-table :data="lists.cases.items" v-loading="lists.cases.loading" empty-text="暂无可见的案件" size="small" data-test="place-cases">
              <el-table-column label="案件" width="200"><template #default="{ row }"><router-link :to="'/cases/' + encodeURIComponent(row.case_id)" class="mono">{{ row.case_id }}</router-link></template></el-table-column>
              <el-table-column label="类别"><template #default="{ row }">{{ label.category(row.category) }}</template></el-table-column>
              <el-table-column label="立案" width="170"><template #default="{ row }">{{ label.when(row.opened_at) }}</template></el-table-column>
              <el-table-column label="最近进展" width="170"><template #default="{ row }">{{ label.when(row.last_activity_at) }}</template></el-table-column>
              <el-table-column label="升级" width="80"><template #default="{ row }"><el-tag v-if="row.escalating" type="danger" size="small">升级</el-tag></template></el-table-column>
            </el-table>
            <pager :list="lists.cases" name="cases" />
          </el-tab-pane>
          <el-tab-pane :label="'事件（' + count('events') + '）'" name="events">
            <el-table :data="lists.events.items" v-loading="lists.events.loading" empty-text="暂无可见的事件" size="small" data-test="place-events">
              <el-table-column label="时间" width="150"><template #default="{ row }">{{ label.when(event(row).occurred_at) }}</template></el-table-column>
              <el-table-column label="部门" width="100"><template #default="{ row }"><el-tag size="small">{{ label.source(event(row).source) }}</el-tag></template></el-table-column>
              <el-table-column label="类别" width="200"><template #default="{ row }">{{ label.category(event(row).category) }}</template></el-table-column>
              <el-table-column label="状态" width="80"><template #default="{ row }">{{ label.status(event(row).status) }}</template></el-table-column>
              <el-table-column label="内容" min-width="260"><template #default="{ row }"><span class="desc">{{ event(row).description }}</span></template></el-table-column>
              <el-table-column label="案件" width="90"><template #default="{ row }"><router-link v-if="row.case_id" :to="'/cases/' + encodeURIComponent(row.case_id)">查看</router-link></template></el-table-column>
            </el-table>
            <pager :list="lists.events" name="events" />
          </el-tab-pane>
          <el-tab-pane :label="'下级地点（' + count('places') + '）'" name="places">
            <el-table :data="lists.places.items" v-loading="lists.places.loading" empty-text="没有下级地点" size="small" data-test="place-places">
              <el-table-column label="层级" width="90"><template #default="{ row }">{{ label.level(row.level) }}</template></el-table-column>
              <el-table-column label="地址"><template #default="{ row }"><router-link :to="'/places/' + encodeURIComponent(row.place_id)">{{ row.full_address || row.name }}</router-link></template></el-table-column>
            </el-table>
            <pager :list="lists.places" name="places" />
          </el-tab-pane>
        </el-tabs>
      </el-card>
    </template>
  </div>`,
};
