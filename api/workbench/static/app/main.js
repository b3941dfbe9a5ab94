// The workbench: sign-in, then search, person, address, case, graph, escalating-cases and cockpit pages.
import { session, whenSignedOut } from "./api.js";
import { loadCodes } from "./labels.js";
import { Shell } from "./shell.js";
import { SignIn } from "./pages/signin.js";
import { SearchPage } from "./pages/search.js";
import { PersonPage } from "./pages/person.js";
import { PlacePage } from "./pages/place.js";
import { CasePage } from "./pages/case.js";
import { GraphPage } from "./pages/graph.js";
import { EscalatingPage } from "./pages/escalating.js";
import { CockpitPage } from "./pages/cockpit.js";

const { createApp } = Vue;
const { createRouter, createWebHashHistory } = VueRouter;

const routes = [
  { path: "/login", component: SignIn, meta: { open: true, title: "登录" } },
  {
    path: "/",
    component: Shell,
    children: [
      { path: "", redirect: "/search" },
      { path: "search", component: SearchPage, meta: { title: "综合搜索" } },
      { path: "people/:id", component: PersonPage, meta: { title: "人员全景" } },
      { path: "places/:id", component: PlacePage, meta: { title: "地址档案" } },
      { path: "cases/:id", component: CasePage, meta: { title: "案件时间线" } },
      { path: "graph/:label/:key", component: GraphPage, meta: { title: "关系图谱" } },
      { path: "graph", component: GraphPage, meta: { title: "关系图谱" } },
      { path: "escalating", component: EscalatingPage, meta: { title: "升级案件" } },
      { path: "cockpit", component: CockpitPage, meta: { title: "指挥驾驶舱" } },
    ],
  },
  { path: "/:rest(.*)*", redirect: "/search" },
];

const router = createRouter({ history: createWebHashHistory(), routes });

router.beforeEach((to) => {
  if (!to.meta.open && !session.token) return { path: "/login", query: { next: to.fullPath } };
  return true;
});
router.afterEach((to) => {
  document.title = `${to.meta.title || "工作台"} · 城市治理数据融合工作台`;
});

whenSignedOut(() => router.push({ path: "/login", query: { next: router.currentRoute.value.fullPath } }));

loadCodes();
const app = createApp({ template: "<router-view />" });
app.use(router);
app.use(ElementPlus, { locale: ElementPlusLocaleZhCn });
app.mount("#app");
