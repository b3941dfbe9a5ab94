// A person's or place's neighbourhood as a graph (Cytoscape.js): expand a node, open its page.
import { get, purposeParam } from "../api.js";
import * as label from "../labels.js";
import { Failure } from "../parts.js";
import { loadScript } from "../scripts.js";

const { ref, reactive, onMounted, onBeforeUnmount } = Vue;
const { useRoute, useRouter } = VueRouter;

// the node colours, shown as the legend too (one table, so a new kind cannot miss its legend)
const COLOURS = { Person: "#409eff", Place: "#67c23a", Case: "#e6a23c", Event: "#909399", Grid: "#9b59b6" };
const PAGES = { Person: "/people/", Place: "/places/", Case: "/cases/" };
const PER_EXPANSION = 40;

const STYLE = [
  {
    selector: "node",
    style: {
      "background-color": (n) => COLOURS[n.data("label")] || "#606266",
      label: "data(title)",
      "font-size": 10,
      "font-family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif",
      "text-valign": "bottom",
      "text-margin-y": 3,
      "text-max-width": 130,
      "text-background-color": "#fafbfc",
      "text-background-opacity": 0.85,
      "text-background-padding": 2,
      "text-wrap": "ellipsis",
      width: 18,
      height: 18,
    },
  },
  { selector: "node[?root]", style: { width: 30, height: 30, "border-width": 3, "border-color": "#303133" } },
  { selector: "node[?expanded]", style: { "border-width": 2, "border-color": "#f56c6c" } },
  { selector: "node:selected", style: { "overlay-opacity": 0.2, "overlay-color": "#409eff" } },
  { selector: "edge", style: { width: 1, "line-color": "#c0c4cc", "curve-style": "haystack" } },
];

const nodeId = (labelName, key) => `${labelName}|${key}`;

/** A node's display title: its kind and what the hub calls it (its key when the hub gives no title). */
function titleOf(item) {
  const text = item.title || item.name || item.key;
  return `${label.entity(item.label)}·${text}`;
}

export const GraphPage = {
  components: { Failure },
  setup() {
    const route = useRoute();
    const router = useRouter();
    const box = ref(null);
    const failure = ref("");
    const picked = ref(null);
    const drawn = ref(false);
    const counts = reactive({ nodes: 0, edges: 0 });
    const finder = reactive({ q: "", hits: [] });
    const start = route.params.label ? { label: String(route.params.label), key: String(route.params.key) } : null;
    let graph = null;
    const more = new Map(); // node id -> next offset of its neighbours

    const expand = async (labelName, key) => {
      const id = nodeId(labelName, key);
      const offset = more.get(id) || 0;
      let answer;
      try {
        answer = await get(`/graph/${encodeURIComponent(labelName)}/${encodeURIComponent(key)}/neighbours`, {
          depth: 1,
          limit: PER_EXPANSION,
          offset,
          purpose: purposeParam(), // with a purpose, the hub names the people too
        });
      } catch (error) {
        failure.value = error.message;
        return;
      }
      const items = answer.items || [];
      const added = [];
      graph.batch(() => {
        for (const item of items) {
          const other = nodeId(item.label, item.key);
          if (!graph.getElementById(other).length) {
            const depth = (graph.getElementById(id).data("depth") || 0) + 1;
            added.push(graph.add({ data: { id: other, label: item.label, key: item.key, depth, title: titleOf(item) } }));
          }
          const edge = [id, other].sort().join("~");
          if (!graph.getElementById(edge).length) graph.add({ data: { id: edge, source: id, target: other } });
        }
        graph.getElementById(id).data("expanded", true);
      });
      more.set(id, answer.next_offset ?? null);
      counts.nodes = graph.nodes().length;
      counts.edges = graph.edges().length;
      // rings by hops from where the view started; readable labels whatever the size
      graph
        .layout({
          name: "concentric",
          concentric: (node) => 10 - (node.data("depth") || 0),
          levelWidth: () => 1,
          minNodeSpacing: 50,
          animate: false,
        })
        .run();
      graph.fit(undefined, 60);
      const zoom = Math.min(1.4, Math.max(0.7, graph.zoom()));
      if (zoom !== graph.zoom()) {
        graph.zoom(zoom);
        graph.center();
      }
      if (picked.value && picked.value.id === id) picked.value = { ...picked.value, expanded: true, more: more.get(id) !== null };
      if (picked.value) pick(graph.getElementById(picked.value.id));
    };

    const pick = (node) => {
      picked.value = {
        id: node.id(),
        label: node.data("label"),
        key: node.data("key"),
        title: node.data("title"),
        expanded: Boolean(node.data("expanded")),
        more: more.has(node.id()) && more.get(node.id()) !== null,
      };
    };

    onMounted(async () => {
      if (!start) return;
      let root;
      try {
        [root] = await Promise.all([
          get(`/graph/${encodeURIComponent(start.label)}/${encodeURIComponent(start.key)}`),
          loadScript("/workbench/vendor/cytoscape.min.js"),
        ]);
      } catch (error) {
        failure.value = error.message;
        return;
      }
      const props = root.properties || root.node || root;
      graph = cytoscape({ container: box.value, style: STYLE, minZoom: 0.2, maxZoom: 3 });
      box.value.cy = graph; // for scripted checks of the drawn graph
      graph.add({
        data: {
          id: nodeId(start.label, start.key),
          label: start.label,
          key: start.key,
          root: true,
          title: titleOf({ label: start.label, key: start.key, title: label.nodeTitle(start.label, props) }),
        },
      });
      graph.on("tap", "node", (event) => pick(event.target));
      graph.on("dbltap", "node", (event) => expand(event.target.data("label"), event.target.data("key")));
      await expand(start.label, start.key);
      drawn.value = true;
      if (!picked.value) pick(graph.getElementById(nodeId(start.label, start.key)));
    });
    onBeforeUnmount(() => graph && graph.destroy());

    const open = () => {
      const to = PAGES[picked.value.label];
      if (to) router.push(to + encodeURIComponent(picked.value.key));
    };
    const find = async () => {
      if (!finder.q.trim()) return;
      const answer = await get("/search", { q: finder.q.trim(), kind: ["person", "place"], limit: 10 });
      finder.hits = answer.items || answer.hits || [];
    };
    const begin = (hit) =>
      router.push(`/graph/${hit.kind === "person" ? "Person" : "Place"}/${encodeURIComponent(hit.id)}`);
    return { box, failure, picked, drawn, counts, start, expand, open, finder, find, begin, label, pages: PAGES, colours: COLOURS };
  },
  template: `
  <div class="graph-page" :data-ready="drawn || failure ? 'yes' : null">
    <failure :text="failure" />
    <el-card v-if="!start" class="section">
      <template #header>关系图谱：选择一个人员或地点作为起点</template>
      <el-input v-model="finder.q" placeholder="输入姓名或地址" @keyup.enter="find" style="max-width: 420px" data-test="graph-find">
        <template #append><el-button @click="find">查找</el-button></template>
      </el-input>
      <div v-for="hit in finder.hits" :key="hit.id" class="row-line">
        <el-link type="primary" @click="begin(hit)">{{ hit.kind === 'person' ? '人员' : '地点' }} · {{ hit.title }}</el-link>
      </div>
    </el-card>
    <el-row v-else :gutter="16">
      <el-col :span="18">
        <el-card class="section" body-class="graph-body">
          <template #header>
            关系图谱 <span class="muted small">（{{ counts.nodes }} 个节点，{{ counts.edges }} 条关系；单击选中，双击展开）</span>
            <span class="legend">
              <span v-for="(c, name) in colours" :key="name" data-test="graph-legend-item">
                <i :style="{ background: c }"></i>{{ label.entity(name) }}
              </span>
            </span>
          </template>
          <div ref="box" class="graph-canvas" data-test="graph-canvas"></div>
        </el-card>
      </el-col>
      <el-col :span="6">
        <el-card class="section" data-test="graph-panel">
          <template #header>选中节点</template>
          <template v-if="picked">
            <div class="big-ish">{{ picked.title }}</div>
            <div class="mono small muted">{{ picked.key }}</div>
            <div class="gap">
              <el-button size="small" type="primary" @click="expand(picked.label, picked.key)" :disabled="picked.expanded && !picked.more" data-test="graph-expand">
                {{ picked.expanded ? (picked.more ? '展开更多' : '已展开') : '展开' }}
              </el-button>
              <el-button size="small" v-if="pages[picked.label]" @click="open" data-test="graph-open">打开页面</el-button>
            </div>
          </template>
          <el-empty v-else description="点击图中的节点" :image-size="60" />
        </el-card>
      </el-col>
    </el-row>
  </div>`,
};
