// ECharts with only what the workbench draws, on a canvas: bar charts on a grid (the escalating cases
// by category; the cockpit's cases by department), the cockpit's ring of today's intake and its
// monthly trend lines, with their legends and tooltips. Exposed as the global `echarts`, as its
// prebuilt dist file did.
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
