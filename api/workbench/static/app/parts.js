// Pieces the pages share: a paged list read from the hub, the purpose picker, a failure line.
import { get, session, statePurpose } from "./api.js";

const { reactive, ref, onMounted } = Vue;

/** A paged list of the hub (`{items, total, limit, offset, next_offset}`), `turn(page)` to move. */
export function usePaged(path, params = {}, limit = 20) {
  const list = reactive({ items: [], total: 0, offset: 0, limit, loading: true, failure: "" });
  const load = async () => {
    list.loading = true;
    try {
      const answer = await get(path, { ...params, limit, offset: list.offset });
      list.items = answer.items || [];
      list.total = answer.total ?? list.items.length;
      list.facets = answer.facets || null;
      list.failure = "";
    } catch (error) {
      list.failure = error.message;
      list.items = [];
    } finally {
      list.loading = false;
    }
  };
  list.turn = (page) => {
    list.offset = (page - 1) * limit;
    return load();
  };
  list.reload = load;
  return list;
}

/** The pager under a paged list; hidden when everything fits on one page. */
export const Pager = {
  props: { list: Object, name: String },
  template: `
  <div class="pager-row" v-if="list.total > list.limit">
    <el-pagination background layout="total, prev, pager, next" :page-size="list.limit" :total="list.total"
                   :current-page="list.offset / list.limit + 1" @current-change="list.turn"
                   :data-test="'pager-' + (name || 'list')" />
  </div>`,
};

const purposes = ref([]);
let asked = null;
/** The reasons a person look-up may state (`GET /purposes`), read once. */
export function usePurposes() {
  if (!asked) {
    asked = get("/purposes")
      .then((answer) => {
        purposes.value = answer.items || [];
      })
      .catch(() => {
        asked = null;
      });
  }
  return purposes;
}

/** Asks for the purpose of a person look-up before the page reads it; emits `stated` once given. */
export const PurposeGate = {
  emits: ["stated"],
  setup(_props, { emit }) {
    const choices = usePurposes();
    const form = reactive({ code: session.purpose.code, caseNumber: session.purpose.case_number });
    const go = () => {
      if (!form.code && !form.caseNumber) return;
      statePurpose(form.code, form.caseNumber);
      emit("stated");
    };
    onMounted(usePurposes);
    return { choices, form, go };
  },
  template: `
  <el-card class="gate" data-test="purpose-gate">
    <h3>查询人员信息须说明事由</h3>
    <p class="muted">依据《个人信息保护法》，每次查看人员信息都会连同事由记入审计日志。</p>
    <el-form inline @submit.prevent="go">
      <el-form-item label="事由">
        <el-select v-model="form.code" placeholder="请选择" style="width: 200px" data-test="gate-purpose">
          <el-option v-for="p in choices" :key="p.code" :label="p.label" :value="p.code" />
        </el-select>
      </el-form-item>
      <el-form-item label="或案件编号">
        <el-input v-model="form.caseNumber" placeholder="如 C-16dd1e1f132a4de1" style="width: 220px" />
      </el-form-item>
      <el-button type="primary" @click="go" data-test="gate-go">确定并查看</el-button>
    </el-form>
  </el-card>`,
};

/** A failure line with the hub's status said in Chinese. */
export const Failure = {
  props: { text: String },
  template: `<el-alert v-if="text" :title="text" type="error" show-icon :closable="false" class="gap" />`,
};
