// The frame around every page once signed in: the menu, who is signed in, their purpose, sign-out.
import { session, signOut, statePurpose } from "./api.js";
import { usePurposes } from "./parts.js";
import { LaterControl } from "./later.js";

const { computed, ref, watch } = Vue;
const { useRoute, useRouter } = VueRouter;

export const Shell = {
  components: { LaterControl },
  setup() {
    const route = useRoute();
    const router = useRouter();
    const purposes = usePurposes();
    const purpose = ref(session.purpose.code);
    const caseNumber = ref(session.purpose.case_number);
    const active = computed(() => {
      const top = route.path.split("/")[1];
      return { escalating: "/escalating", graph: "/graph", cockpit: "/cockpit" }[top] || "/search";
    });
    watch(
      () => session.purpose,
      (stated) => {
        purpose.value = stated.code;
        caseNumber.value = stated.case_number;
      },
    );
    const keepPurpose = () => statePurpose(purpose.value, caseNumber.value);
    const leave = async () => {
      await signOut();
      router.push("/login");
    };
    const purposeText = computed(() => purposes.value.find((p) => p.code === purpose.value)?.label || "");
    return { session, active, purposes, purpose, purposeText, caseNumber, keepPurpose, leave };
  },
  template: `
  <el-container class="shell">
    <el-header class="topbar">
      <router-link to="/search" class="brand">城市治理数据融合工作台</router-link>
      <el-menu mode="horizontal" router :default-active="active" :ellipsis="false" class="nav">
        <el-menu-item index="/search">综合搜索</el-menu-item>
        <el-menu-item index="/escalating">升级案件</el-menu-item>
        <el-menu-item index="/graph">关系图谱</el-menu-item>
        <el-menu-item index="/cockpit">指挥驾驶舱</el-menu-item>
      </el-menu>
      <div class="purpose" v-if="purposes.length">
        <span class="muted">查询事由</span>
        <later-control :text="purposeText" placeholder="请选择" width="150px" small test="purpose">
          <el-select v-model="purpose" size="small" placeholder="请选择" style="width: 150px"
                     data-test="purpose" @change="keepPurpose">
            <el-option v-for="p in purposes" :key="p.code" :label="p.label" :value="p.code" />
          </el-select>
        </later-control>
        <el-input v-model="caseNumber" size="small" placeholder="案件编号（选填）" style="width: 140px"
                  @change="keepPurpose" />
      </div>
      <div class="who" v-if="session.user" data-test="who">
        <el-tag type="primary" effect="light" data-test="role">{{ session.user.role_label }}</el-tag>
        <span class="name">{{ session.user.name }}</span>
        <span class="muted">{{ session.user.department }}<template v-if="session.user.area"> · {{ session.user.area }}</template></span>
        <el-button link type="primary" @click="leave" data-test="sign-out">退出登录</el-button>
      </div>
    </el-header>
    <el-main class="page"><router-view :key="$route.path" /></el-main>
  </el-container>`,
};
