// Case page: the timeline across departments, the people and places involved, why it is escalating.
import { get, purposeParam } from "../api.js";
import * as label from "../labels.js";
import { Failure, Pager, usePaged } from "../parts.js";

const { computed, ref, onMounted } = Vue;
const { useRoute } = VueRouter;

const PLACES_NAMED = 5;

const PEOPLE_NAMED = 20;

/** The people and places of the case's events: two hops from the case in the graph, as the hub names
 * them (people by name only with a stated purpose). */
async function involvedIn(caseId) {
  const near = await get(`/graph/Case/${encodeURIComponent(caseId)}/neighbours`, {
    depth: 2,
    limit: 100,
    purpose: purposeParam(),
  });
  const items = near.items || [];
  const named = (label, key) => items.filter((n) => n.label === label).map((n) => ({ [key]: n.key, name: n.title }));
  return { people: named("Person", "person_id").slice(0, PEOPLE_NAMED), places: named("Place", "place_id") };
}

export const CasePage = {
  components: { Failure, Pager },
  setup() {
    const route = useRoute();
    const id = String(route.params.id);
    const path = `/cases/${encodeURIComponent(id)}`;
    const view = ref(null);
    const failure = ref("");
    const timeline = usePaged(`${path}/timeline`, {}, 20);
    const places = ref([]);
    const people = ref([]);
    onMounted(async () => {
      const listedTimeline = timeline.reload(); // side by side with the case itself
      const involved = involvedIn(id).catch(() => ({ people: [], places: [] }));
      try {
        view.value = await get(path);
      } catch (error) {
        failure.value = error.message;
        return;
      }
      await listedTimeline;
      const found = await involved;
      people.value = found.people;
      // the places of the timeline first, then the others the graph reaches
      const order = [...new Set([...timeline.items.map((e) => e.place_id), ...found.places.map((p) => p.place_id)])];
      const byId = new Map(found.places.map((p) => [p.place_id, p]));
      places.value = order
        .filter(Boolean)
        .slice(0, PLACES_NAMED)
        .map((placeId) => byId.get(placeId) || { place_id: placeId });
    });
    const theCase = computed(() => view.value?.case || {});
    const reason = computed(() => label.escalationWords(view.value?.escalation_reason || theCase.value.escalation_reason));
    const departments = computed(() => theCase.value.sources || []);
    return { id, view, failure, timeline, places, theCase, reason, people, departments, label };
  },
  template: `
  <div class="case-page" :data-ready="failure || (view && !timeline.loading) ? 'yes' : null">
    <failure :text="failure" />
    <template v-if="view">
      <el-card class="headline" data-test="case-head">
        <div class="headline-row">
          <div>
            <h2 class="big">{{ label.category(theCase.category) }}
              <el-tag v-if="theCase.escalating" type="danger" effect="dark" class="gapl" data-test="escalating">升级案件</el-tag>
            </h2>
            <div class="facts">
              <span class="mono">案件编号 {{ theCase.case_id }}</span>
              <span>立案 {{ label.when(theCase.opened_at) }}</span>
              <span>最近进展 {{ label.when(theCase.last_activity_at) }}</span>
              <span>经办部门：<el-tag v-for="s in departments" :key="s" size="small" effect="plain" class="gapr">{{ label.source(s) }}</el-tag></span>
            </div>
          </div>
        </div>
        <el-alert v-for="line in reason" :key="line" :title="line" type="error" :closable="false" show-icon class="gap" data-test="escalation-reason" />
      </el-card>
      <el-row :gutter="16">
        <el-col :span="16">
          <el-card class="section" data-test="case-timeline">
            <template #header>跨部门处置时间线<span class="muted small">（共 {{ timeline.total }} 条）</span></template>
            <failure :text="timeline.failure" />
            <el-timeline>
              <el-timeline-item v-for="e in timeline.items" :key="e.event_id" :timestamp="label.when(e.occurred_at)" placement="top">
                <div class="event-line">
                  <el-tag size="small">{{ label.source(e.source) }}</el-tag>
                  <b>{{ label.category(e.category) }}</b>
                  <el-tag size="small" type="info" effect="plain">{{ label.status(e.status) }}</el-tag>
                </div>
                <div class="desc">{{ e.description }}</div>
                <router-link v-if="e.place_id" :to="'/places/' + encodeURIComponent(e.place_id)" class="small">发生地点</router-link>
              </el-timeline-item>
            </el-timeline>
            <pager :list="timeline" name="case-timeline" />
          </el-card>
        </el-col>
        <el-col :span="8">
          <el-card class="section" data-test="case-places">
            <template #header>涉及地点</template>
            <div v-for="p in places" :key="p.place_id" class="row-line">
              <router-link :to="'/places/' + encodeURIComponent(p.place_id)" data-test="room-link">{{ p.full_address || p.name || p.place_id }}</router-link>
              <div v-if="p.level" class="muted small">{{ label.level(p.level) }}</div>
            </div>
            <el-empty v-if="!places.length" description="无可见地点" :image-size="60" />
          </el-card>
          <el-card class="section" data-test="case-people">
            <template #header>涉及人员</template>
            <div v-for="p in people" :key="p.person_id" class="row-line">
              <router-link :to="'/people/' + encodeURIComponent(p.person_id)">{{ p.name || p.person_id }}</router-link>
              <span class="muted small" v-if="p.role">　{{ label.eventRole(p.role) }}</span>
            </div>
            <el-empty v-if="!people.length" description="无可见人员" :image-size="60" />
          </el-card>
        </el-col>
      </el-row>
    </template>
  </div>`,
};
