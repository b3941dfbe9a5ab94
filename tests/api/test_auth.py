"""Sign-in: tokens, API keys, who the caller is, one error shape for refusals."""

from tests.api.conftest import sign_in


def test_sign_in_gives_a_token_and_the_user_with_the_role_label(client):
    answer = client.post("/auth/login", json={"username": "police", "password": "password-police"}).json()
    assert answer["user"]["role"] == "police" and answer["user"]["role_label"] == "公安民警"
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {answer['token']}"}).json()
    assert me == answer["user"]


def test_wrong_passwords_and_missing_tokens_are_401_as_json(client):
    wrong = client.post("/auth/login", json={"username": "police", "password": "nope-nope"})
    assert wrong.status_code == 401 and "error" in wrong.json()
    for headers in ({}, {"Authorization": "Bearer forged"}, {"X-API-Key": "forged"}):
        answer = client.get("/search", params={"q": "张"}, headers=headers)
        assert answer.status_code == 401 and set(answer.json()) == {"error"}


def test_sign_out_ends_the_session(client):
    headers = sign_in(client, "leader")
    assert client.post("/auth/logout", headers=headers).json() == {"signed_out": True}
    assert client.get("/auth/me", headers=headers).status_code == 401


def test_an_api_key_reads_as_its_user(client, hub):
    from cityhub.access.policy import load_policy
    from cityhub.access.users import UserStore

    key = UserStore(hub.home / "users.yaml", load_policy()).new_api_key("petitions_office")
    me = client.get("/auth/me", headers={"X-API-Key": key}).json()
    assert me["username"] == "petitions_office" and me["role_label"] == "信访办"


def test_both_ways_in_are_declared_in_openapi(client):
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_cityhub_users_add_and_list(tmp_path):
    from typer.testing import CliRunner

    from cityhub.cli import app as cli

    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["users", "add", "wang.fang", "--name", "王芳", "--role", "street_staff", "--area", "沙坪坝区",
         "--password", "long-enough-1", "--home", str(tmp_path)],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["users", "list", "--home", str(tmp_path)])
    assert "wang.fang" in listed.output and "街道网格员" in listed.output
    assert "long-enough-1" not in (tmp_path / "users.yaml").read_text("utf-8")
    no_area = runner.invoke(
        cli,
        [
            "users",
            "add",
            "x",
            "--name",
            "x",
            "--role",
            "street_staff",
            "--password",
            "long-enough-1",
            "--home",
            str(tmp_path),
        ],
    )
    assert no_area.exit_code != 0
