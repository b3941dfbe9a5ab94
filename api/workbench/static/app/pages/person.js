// Person 360: identities across departments with why each record belongs, addresses, the timeline of
// events and cases, people co-involved, ID changes; review decisions for roles allowed to decide.
import { get, purposeParam, session } from "../api.js";
import * as label from "../labels.js";
import { Failure, Pager, PurposeGate, usePaged } from "../parts.js";
import { Identities } from "./identities.js";

const { ref, reactive, onMounted } = Vue;
const { useRoute } = VueRouter;

export const PersonPage = {
  components: { Failure, Pager, PurposeGate, Identities },
  setup() {
    const route = useRoute();
    const id = String(route.params.id);
    const view = ref(null);
    const failure = ref("");
    const gate = ref(!purposeParam());
    const lists = reactive({ timeline: null, cases: null, together: null });
    let listed = null; // settles once the page's own lists are read

    const listsOf = (personId) => {
      const shown = encodeURIComponent(personId);
      lists.timeline = usePaged(`/people/${shown}/timeline`, {}, 10);
      lists.cases = usePaged(`/people/${shown}/cases`, {}, 8);
      lists.together = usePaged(`/people/${shown}/co-involved`, {}, 8);
    };
    const load = async () => {
      failure.value = "";
      listsOf(id);
      // the person and their timeline side by side: one wait for the hub, not two
      const timeline = lists.timeline.reload();
      try {
        view.value = await get(`/people/${encodeURIComponent(id)}`);
      } catch (error) {
        if (error.status === 422 && !purposeParam()) gate.value = true;
        else failure.value = error.message;
        return;
      }
      const current = view.value.person?.person_id || id;
      listed = (async () => {
        if (current !== id) {
          listsOf(current); // a merged-away id: the lists of the person it went to
          await lists.timeline.reload();
        } else {
          await timeline;
        }
        await Promise.all([lists.cases.reload(), lists.together.reload()]);
      })();
      await listed;
    };
    const stated = () => {
      gate.value = false;
      load();
    };
    onMounted(() => {
      if (!gate.value) load();
    });
    return { id, view, failure, gate, lists, stated, label, session, listed: () => listed };
  },
  template: `
  <div class="person-page" :data-ready="failure || gate || (lists.timeline && !lists.timeline.loading) ? 'yes' : null">
    <purpose-gate v-if="gate" @stated="stated" />
    <failure :text="failure" />
    <template v-if="view && !gate">
      <el-alert v-if="view.merged_into && view.merged_into !== id" type="info" show-icon :closable="false" class="gap"
                data-test="merged" :title="'编号 ' + id + ' 已与其他记录合并，现为 ' + view.merged_into + '，以下显示合并后的人员'" />
      <el-card class="headline" data-test="person-head">
        <div class="headline-row">
          <div>
            <h2 class="big" data-test="person-name">{{ view.person.name || '（姓名未登记）' }}</h2>
            <div class="facts">
              <span>{{ label.gender(view.person.gender) }}</span>
              <span v-if="view.person.birth_date">出生 {{ view.person.birth_date }}</span>
              <span v-if="view.person.id_number" class="mono">身份证 {{ view.person.id_number }}</span>
              <span v-for="p in (view.person.phones || [])" :key="p" class="mono">电话 {{ p }}</span>
              <span>首次出现 {{ label.when(view.person.first_seen) }}</span>
              <span>最近出现 {{ label.when(view.person.last_seen) }}</span>
            </div>
            <div class="facts">
              <span class="muted">涉及部门：</span>
              <el-tag v-for="(count, src) in (view.departments || {})" :key="src" effect="plain" class="gapr">
                {{ label.source(src) }} {{ count }} 件
              </el-tag>
            </div>
          </div>
          <div class="actions">
            <router-link :to="'/graph/Person/' + encodeURIComponent(view.person.person_id)">
              <el-button type="primary" plain data-test="open-graph">关系图谱</el-button>
            </router-link>
          </div>
        </div>
        <div class="mono small muted">人员编号 {{ view.person.person_id }}</div>
      </el-card>

      <el-row :gutter="16">
        <el-col :span="15">
          <el-card class="section" data-test="timeline">
            <template #header>事件与案件时间线<span class="muted small" v-if="lists.timeline"> （共 {{ lists.timeline.total }} 条）</span></template>
            <el-skeleton v-if="!lists.timeline || lists.timeline.loading" :rows="4" animated />
            <failure v-else :text="lists.timeline.failure" />
            <el-timeline v-if="lists.timeline && !lists.timeline.loading">
              <el-timeline-item v-for="item in lists.timeline.items" :key="item.event.event_id + item.role"
                                :timestamp="label.when(item.event.occurred_at)" placement="top">
                <div class="event-line">
                  <el-tag size="small">{{ label.source(item.event.source) }}</el-tag>
                  <b>{{ label.category(item.event.category) }}</b>
                  <el-tag size="small" type="info" effect="plain">{{ label.status(item.event.status) }}</el-tag>
                  <span class="muted">身份：{{ label.eventRole(item.role) }}</span>
                </div>
                <div class="desc">{{ item.event.description }}</div>
                <div class="links">
                  <router-link v-if="item.case_id" :to="'/cases/' + encodeURIComponent(item.case_id)" data-test="case-link">案件 {{ item.case_id }}</router-link>
                  <router-link v-if="item.place_id" :to="'/places/' + encodeURIComponent(item.place_id)">发生地点</router-link>
                </div>
              </el-timeline-item>
            </el-timeline>
            <el-empty v-if="lists.timeline && !lists.timeline.loading && !lists.timeline.items.length" description="暂无可见的事件" />
            <pager v-if="lists.timeline" :list="lists.timeline" name="timeline" />
          </el-card>
        </el-col>
        <el-col :span="9">
          <el-card class="section" data-test="addresses">
            <template #header>住址</template>
            <div v-for="place in (view.addresses || [])" :key="place.place_id" class="row-line">
              <router-link :to="'/places/' + encodeURIComponent(place.place_id)" data-test="address-link">{{ place.full_address || place.name }}</router-link>
              <div class="muted small">{{ label.level(place.level) }} · 最近 {{ label.day(place.last_seen) }}</div>
            </div>
            <el-empty v-if="!(view.addresses || []).length" description="暂无登记住址" :image-size="60" />
          </el-card>
          <el-card class="section" data-test="cases">
            <template #header>关联案件</template>
            <template v-if="lists.cases">
              <div v-for="c in lists.cases.items" :key="c.case_id" class="row-line">
                <router-link :to="'/cases/' + encodeURIComponent(c.case_id)">{{ label.category(c.category) }}</router-link>
                <el-tag v-if="c.escalating" size="small" type="danger" class="gapl">升级</el-tag>
                <div class="muted small">{{ c.case_id }} · {{ label.day(c.opened_at) }} 起</div>
              </div>
              <el-empty v-if="!lists.cases.loading && !lists.cases.items.length" description="暂无案件" :image-size="60" />
              <pager :list="lists.cases" name="cases" />
            </template>
          </el-card>
          <el-card class="section" data-test="together">
            <template #header>共同涉及人员</template>
            <template v-if="lists.together">
              <div v-for="p in lists.together.items" :key="p.person_id" class="row-line">
                <router-link :to="'/people/' + encodeURIComponent(p.person_id)">{{ p.name || p.person_id }}</router-link>
                <span class="muted small">　共同涉及 {{ p.shared_cases }} 个案件</span>
              </div>
              <el-empty v-if="!lists.together.loading && !lists.together.items.length" description="暂无" :image-size="60" />
              <pager :list="lists.together" name="together" />
            </template>
          </el-card>
        </el-col>
      </el-row>
      <identities :person-id="view.person.person_id" :changes="view.id_changes || []" :after="listed()" />
    </template>
  </div>`,
};
