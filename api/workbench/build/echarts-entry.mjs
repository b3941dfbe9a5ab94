// ECharts with only what the workbench draws: horizontal bar charts on a grid, on a canvas (the
// escalating cases by category). Exposed as the global `echarts`, as its prebuilt dist file did.
import * as echarts from "echarts/core";
import { BarChart } from "echarts/charts";
import { GridComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, GridComponent, CanvasRenderer]);
window.echarts = echarts;
