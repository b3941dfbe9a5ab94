// A person's source records across departments, each with why it belongs to this person (the match
// explanation in words), and "same person" / "not this person" for roles allowed to decide.
import { get, post, session } from "../api.js";
import * as label from "../labels.js";
import { Failure, Pager, usePaged } from "../parts.js";
import { LiteTable } from "../litetable.js";

const { computed, ref, onMounted } = Vue;

let rolesAsked = null;
/** Whether the signed-in role may record review decisions (`GET /roles`). */
function mayDecide(result) {
  rolesAsked =
    rolesAsked ||
    get("/roles").catch(() => {
      rolesAsked = null;
      return { items: [] };
    });
  rolesAsked.then((answer) => {
    const roles = answer.items || (Array.isArray(answer) ? answer : Object.values(answer.roles || {}));
    const mine = roles.find((role) => role.code === session.user?.role);
    result.value = Boolean(mine && mine.review);
  });
}

/** Reasons as words: the hub's own words, or the explanation's fields turned into words here. */
function reasonsOf(item) {
  if (Array.isArray(item.reasons) && item.reasons.length) {
    return item.reasons.map((text) => (typeof text === "string" ? { text, positive: true } : text));
  }
  return label.explanationWords(item.explanation);
}

export const Identities = {
  components: { Failure, Pager, LiteTable },
  props: { personId: String, changes: Array, after: Object },
  setup(props) {
    const list = usePaged(`/people/${encodeURIComponent(props.personId)}/explanations`, {}, 10);
    const decide = ref(false);
    const dialog = ref({ open: false, record: "", decision: "", note: "" });
    const decided = ref({});
    const failure = ref("");
    onMounted(async () => {
      mayDecide(decide);
      await props.after; // read after the page's first lists, not in their way
      list.reload();
    });
    const ask = (record, decision) => {
      dialog.value = { open: true, record, decision, note: "" };
    };
    const send = async () => {
      const { record, decision, note } = dialog.value;
      try {
        await post("/reviews", { person_id: props.personId, record, decision, note });
        decided.value = { ...decided.value, [record]: decision };
        dialog.value.open = false;
        ElementPlus.ElMessage.success("已记录，下次融合运行将按此决定处理");
      } catch (error) {
        failure.value = error.message;
        dialog.value.open = false;
      }
    };
    const recordKey = (item) => item.record || `${item.source}:${item.record_id}`;
    // one record is the whole person: there is no other record it could be the same as, or not
    const alone = computed(() => !list.loading && list.total === 1);
    const rows = computed(() => list.items.map((item) => ({ ...item, key: recordKey(item), why: reasonsOf(item) })));
    const columns = computed(() => [
      { key: "source", label: "部门", width: 140 },
      { key: "record", label: "来源记录", width: 220 },
      { key: "name", label: "登记姓名", width: 110, prop: "name" },
      { key: "why", label: "为何归为此人" },
      ...(decide.value && !alone.value ? [{ key: "decide", label: "人工核定", width: 200 }] : []),
    ]);
    return { list, rows, columns, decide, alone, dialog, decided, failure, ask, send, label };
  },
  template: `
  <el-card class="section" data-test="identities">
    <template #header>各部门身份记录及归并依据<span class="muted small">（共 {{ list.total }} 条）</span></template>
    <failure :text="list.failure || failure" />
    <lite-table :rows="rows" :columns="columns" row-key="key" v-loading="list.loading" empty-text="暂无可见的来源记录">
      <template #source="{ row }"><span class="el-tag el-tag--primary el-tag--small el-tag--light"><span class="el-tag__content">{{ label.source(row.source) }}</span></span></template>
      <template #record="{ row }"><span class="mono small">{{ row.record_id || row.key }}</span></template>
      <template #why="{ row }">
        <span v-for="why in row.why" :key="why.text" class="reason" :class="{ against: !why.positive }" data-test="reason">{{ why.text }}</span>
        <span v-if="!row.why.length" class="muted">该人员的首条记录</span>
      </template>
      <template #decide="{ row }">
        <el-tag v-if="decided[row.key]" :type="decided[row.key] === 'same' ? 'success' : 'danger'">
          {{ decided[row.key] === 'same' ? '已确认同一人' : '已标记不是此人' }}
        </el-tag>
        <template v-else>
          <el-button size="small" type="success" plain @click="ask(row.key, 'same')" data-test="decide-same">是同一人</el-button>
          <el-button size="small" type="danger" plain @click="ask(row.key, 'not_same')" data-test="decide-not">不是此人</el-button>
        </template>
      </template>
    </lite-table>
    <pager :list="list" name="identities" />
    <div v-if="decide && alone" class="muted small gap" data-test="decide-alone">该人员仅有一条来源记录，无需人工核定</div>
    <div v-if="changes.length" class="gap" data-test="id-changes">
      <h4>编号变更</h4>
      <div v-for="c in changes" :key="c.old_id + c.new_id" class="small">
        {{ label.day(c.at) }}：{{ c.old_id }} → {{ c.new_id }}（{{ c.kind === 'merge' ? '合并' : '拆分' }}）
      </div>
    </div>
    <el-dialog v-model="dialog.open" :title="dialog.decision === 'same' ? '确认是同一人' : '确认不是此人'" width="460px">
      <p>记录 <span class="mono">{{ dialog.record }}</span>
        {{ dialog.decision === 'same' ? '与该人员为同一人' : '不属于该人员' }}。此决定将写入复核记录，下次融合运行时生效。</p>
      <el-input v-model="dialog.note" type="textarea" :rows="2" maxlength="200" placeholder="核定说明（选填）" />
      <template #footer>
        <el-button @click="dialog.open = false">取消</el-button>
        <el-button type="primary" @click="send" data-test="decide-confirm">确定</el-button>
      </template>
    </el-dialog>
  </el-card>`,
};
