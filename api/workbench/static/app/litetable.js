// A read-only table in Element Plus's table look, as a plain HTML table.
//
// ElTable measures and lays out its columns in script (a header table, a body table, widths kept in
// step, scroll bars watched) and makes a component of every cell: thirty alerts took the cockpit
// longer to draw than its three charts. The pages' lists only show rows, so they are plain tables here,
// each column's cell given by a slot named after the column's key (or its `prop` shown as text); rows
// keep ElTable's class names (`el-table__row`), the same grey header, lines and hover.
export const LiteTable = {
  props: {
    rows: { type: Array, default: () => [] },
    // [{ key, label, width, prop }]: a column without a width takes its share of what is left
    columns: { type: Array, required: true },
    rowKey: { type: [String, Function], default: null },
    emptyText: { type: String, default: "暂无数据" },
    maxHeight: { type: [String, Number], default: null },
    size: { type: String, default: "small" }, // small | default, as ElTable's sizes
  },
  setup(props) {
    const keyOf = (row, index) => {
      if (typeof props.rowKey === "function") return props.rowKey(row);
      return props.rowKey ? row[props.rowKey] : index;
    };
    const px = (value) => (value === null || value === undefined || value === "" ? null : /^\d+$/.test(String(value)) ? `${value}px` : String(value));
    return { keyOf, px };
  },
  template: `
  <div :class="['lite-table', 'lite-table--' + size]" :style="maxHeight ? { maxHeight: px(maxHeight), overflowY: 'auto' } : null">
    <table>
      <colgroup><col v-for="c in columns" :key="c.key" :style="c.width ? { width: px(c.width) } : null"></colgroup>
      <thead><tr><th v-for="c in columns" :key="c.key"><div class="cell">{{ c.label }}</div></th></tr></thead>
      <tbody>
        <tr v-for="(row, index) in rows" :key="keyOf(row, index)" class="el-table__row">
          <td v-for="c in columns" :key="c.key"><div class="cell"><slot :name="c.key" :row="row">{{ c.prop ? row[c.prop] : '' }}</slot></div></td>
        </tr>
        <tr v-if="!rows.length" class="lite-empty"><td :colspan="columns.length"><div class="cell">{{ emptyText }}</div></td></tr>
      </tbody>
    </table>
  </div>`,
};
