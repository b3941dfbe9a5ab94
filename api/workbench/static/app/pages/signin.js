// Sign-in: username and password, then back to where the official was going.
import { signIn } from "../api.js";

const { reactive, ref } = Vue;
const { useRoute, useRouter } = VueRouter;

export const SignIn = {
  setup() {
    const route = useRoute();
    const router = useRouter();
    const form = reactive({ username: "", password: "" });
    const busy = ref(false);
    const failure = ref("");
    const submit = async () => {
      if (!form.username || !form.password) {
        failure.value = "请输入用户名和密码";
        return;
      }
      busy.value = true;
      failure.value = "";
      try {
        await signIn(form.username, form.password);
        router.replace(String(route.query.next || "/search"));
      } catch (error) {
        failure.value = error.status === 401 ? "用户名或密码错误" : error.message;
      } finally {
        busy.value = false;
      }
    };
    return { form, busy, failure, submit };
  },
  template: `
  <div class="signin">
    <el-card class="signin-card" shadow="always">
      <h1>城市治理数据融合工作台</h1>
      <p class="muted">12345热线 · 网格平台 · 公安警情 · 信访 —— 一处查询，跨部门融合</p>
      <el-form label-position="top" @submit.prevent="submit">
        <el-form-item label="用户名">
          <el-input v-model="form.username" name="username" autocomplete="username" data-test="username" />
        </el-form-item>
        <el-form-item label="密码">
          <el-input v-model="form.password" name="password" type="password" show-password
                    autocomplete="current-password" data-test="password" @keyup.enter="submit" />
        </el-form-item>
        <el-alert v-if="failure" :title="failure" type="error" show-icon :closable="false" class="gap" />
        <el-button type="primary" native-type="submit" :loading="busy" class="wide" data-test="sign-in">登录</el-button>
      </el-form>
      <p class="muted small">所有查询均记入审计日志；个人身份信息按角色脱敏显示。</p>
    </el-card>
  </div>`,
};
