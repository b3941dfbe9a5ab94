// ECharts on a page: loaded from the hub when first needed, one chart per box, disposed with the page.
import { loadScript } from "./scripts.js";

const { nextTick } = Vue;

/** Start loading ECharts (a megabyte of script) while a page waits for its data. */
export const preloadCharts = () => loadScript("/workbench/vendor/echarts-charts.js").catch(() => {});

/** Draw `option` in the element `box` (an ECharts instance kept on it), loading ECharts once. */
export async function drawChart(box, option) {
  if (!box) return null;
  await loadScript("/workbench/vendor/echarts-charts.js");
  await nextTick();
  const chart = echarts.getInstanceByDom(box) || echarts.init(box);
  // a chart made now has its box's size; resizing one that already has it would draw it all again
  if (chart.getWidth() !== box.clientWidth || chart.getHeight() !== box.clientHeight) chart.resize();
  chart.setOption({ animation: false, ...option }, true);
  return chart;
}

/** Dispose the charts drawn in these boxes (when the page goes). */
export function disposeCharts(boxes) {
  if (typeof echarts === "undefined") return;
  boxes.forEach((box) => box && echarts.getInstanceByDom(box)?.dispose());
}

/** Bars by label: one series per [name, values, colour]. */
export function barOption(labels, series, horizontal = false) {
  const category = { type: "category", data: labels, axisLabel: { interval: 0, width: 150, overflow: "truncate" } };
  const value = { type: "value", minInterval: 1 };
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: horizontal ? 160 : 40, right: 20, top: 30, bottom: 30 },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? { ...category, inverse: true } : value,
    series: series.map(([name, data, color]) => ({
      name, type: "bar", data, itemStyle: { color }, barMaxWidth: 22,
    })),
  };
}

/** A ring of shares by label. */
export function ringOption(entries) {
  return {
    tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
    legend: { orient: "vertical", left: 0, top: "middle" },
    series: [{
      type: "pie", radius: ["45%", "70%"], center: ["65%", "50%"],
      label: { formatter: "{c} 件" },
      data: entries.map(([name, value]) => ({ name, value })),
    }],
  };
}

/** Lines over months. */
export function lineOption(months, series) {
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "category", data: months },
    yAxis: { type: "value", minInterval: 1 },
    series: series.map(([name, data, color]) => ({ name, type: "line", data, itemStyle: { color }, smooth: true })),
  };
}
