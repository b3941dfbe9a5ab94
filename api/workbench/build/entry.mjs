// The workbench's libraries in one script: Vue's runtime (the app's templates are compiled at build
// time, see build.mjs), Vue Router, and only the Element Plus components, directives and services the
// app uses, with only their CSS. Exposed as the globals the app reads, as the prebuilt
// dist files did: Vue, VueRouter, ElementPlus (its install, plus ElMessage), ElementPlusLocaleZhCn.
import * as Vue from "vue";
import * as VueRouter from "vue-router";
import { makeInstaller } from "element-plus/es/make-installer.mjs";
import zhCn from "element-plus/es/locale/lang/zh-cn.mjs";
import { ElAlert } from "element-plus/es/components/alert/index.mjs";
import { ElBreadcrumb } from "element-plus/es/components/breadcrumb/index.mjs";
import { ElBreadcrumbItem } from "element-plus/es/components/breadcrumb/index.mjs";
import { ElButton } from "element-plus/es/components/button/index.mjs";
import { ElCard } from "element-plus/es/components/card/index.mjs";
import { ElCol } from "element-plus/es/components/col/index.mjs";
import { ElContainer } from "element-plus/es/components/container/index.mjs";
import { ElDatePicker } from "element-plus/es/components/date-picker/index.mjs";
import { ElDialog } from "element-plus/es/components/dialog/index.mjs";
import { ElEmpty } from "element-plus/es/components/empty/index.mjs";
import { ElForm } from "element-plus/es/components/form/index.mjs";
import { ElFormItem } from "element-plus/es/components/form/index.mjs";
import { ElHeader } from "element-plus/es/components/container/index.mjs";
import { ElInput } from "element-plus/es/components/input/index.mjs";
import { ElLink } from "element-plus/es/components/link/index.mjs";
import { ElMain } from "element-plus/es/components/container/index.mjs";
import { ElMenu } from "element-plus/es/components/menu/index.mjs";
import { ElMenuItem } from "element-plus/es/components/menu/index.mjs";
import { ElOption } from "element-plus/es/components/select/index.mjs";
import { ElPagination } from "element-plus/es/components/pagination/index.mjs";
import { ElRow } from "element-plus/es/components/row/index.mjs";
import { ElSelect } from "element-plus/es/components/select/index.mjs";
import { ElSkeleton } from "element-plus/es/components/skeleton/index.mjs";
import { ElStatistic } from "element-plus/es/components/statistic/index.mjs";
import { ElTabPane } from "element-plus/es/components/tabs/index.mjs";
import { ElTable } from "element-plus/es/components/table/index.mjs";
import { ElTableColumn } from "element-plus/es/components/table/index.mjs";
import { ElTabs } from "element-plus/es/components/tabs/index.mjs";
import { ElTag } from "element-plus/es/components/tag/index.mjs";
import { ElTimeline } from "element-plus/es/components/timeline/index.mjs";
import { ElTimelineItem } from "element-plus/es/components/timeline/index.mjs";
import { ElLoading } from "element-plus/es/components/loading/index.mjs";
import { ElMessage } from "element-plus/es/components/message/index.mjs";

import "element-plus/es/components/base/style/css.mjs";
import "element-plus/es/components/alert/style/css.mjs";
import "element-plus/es/components/breadcrumb/style/css.mjs";
import "element-plus/es/components/breadcrumb-item/style/css.mjs";
import "element-plus/es/components/button/style/css.mjs";
import "element-plus/es/components/card/style/css.mjs";
import "element-plus/es/components/col/style/css.mjs";
import "element-plus/es/components/container/style/css.mjs";
import "element-plus/es/components/date-picker/style/css.mjs";
import "element-plus/es/components/dialog/style/css.mjs";
import "element-plus/es/components/empty/style/css.mjs";
import "element-plus/es/components/form/style/css.mjs";
import "element-plus/es/components/form-item/style/css.mjs";
import "element-plus/es/components/header/style/css.mjs";
import "element-plus/es/components/input/style/css.mjs";
import "element-plus/es/components/link/style/css.mjs";
import "element-plus/es/components/main/style/css.mjs";
import "element-plus/es/components/menu/style/css.mjs";
import "element-plus/es/components/menu-item/style/css.mjs";
import "element-plus/es/components/statistic/style/css.mjs";
import "element-plus/es/components/option/style/css.mjs";
import "element-plus/es/components/pagination/style/css.mjs";
import "element-plus/es/components/row/style/css.mjs";
import "element-plus/es/components/select/style/css.mjs";
import "element-plus/es/components/skeleton/style/css.mjs";
import "element-plus/es/components/tab-pane/style/css.mjs";
import "element-plus/es/components/table/style/css.mjs";
import "element-plus/es/components/table-column/style/css.mjs";
import "element-plus/es/components/tabs/style/css.mjs";
import "element-plus/es/components/tag/style/css.mjs";
import "element-plus/es/components/timeline/style/css.mjs";
import "element-plus/es/components/timeline-item/style/css.mjs";
import "element-plus/es/components/loading/style/css.mjs";
import "element-plus/es/components/message/style/css.mjs";

const installer = makeInstaller([
  ElAlert, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElCol, ElContainer, ElDatePicker, ElDialog,
  ElEmpty, ElForm, ElFormItem, ElHeader, ElInput, ElLink, ElMain, ElMenu, ElMenuItem, ElOption,
  ElPagination, ElRow, ElSelect, ElSkeleton, ElStatistic, ElTabPane, ElTable, ElTableColumn, ElTabs, ElTag, ElTimeline,
  ElTimelineItem, ElLoading, ElMessage,
]);

window.Vue = Vue;
window.VueRouter = VueRouter;
window.ElementPlus = { ...installer, ElMessage, ElLoading };
window.ElementPlusLocaleZhCn = zhCn;
