//! The local ACR API driven by Strata's own ACS3 signer over loopback HTTP: signed calls
//! work, forged, stale and replayed ones are refused with the API's codes, state holds
//! across calls and pages, and the temporary login it hands out opens a real registry.

mod support;

use chrono::{Duration, Utc};
use serde_json::Value;
use strata_core::catalog::acs3::{self, AccessKey, Call, Signed, Stamp};
use strata_testkit::acr::{
    code, AcrConfig, AcrServer, Instance, Scope, Tag, ENTERPRISE_VERSION, PERSONAL_VERSION,
    TEMP_USERNAME,
};
use strata_testkit::registry::{Auth, Registry};
use support::{request, Answer, Cred};

const KEY_ID: &str = "LTAI5tTestkitKeyId";
const SECRET: &str = "testkit-secret-0123456789";
const INSTANCE: &str = "cri-testkit000001";

fn server() -> AcrServer {
    AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).expect("the ACR API starts")
}

fn key() -> AccessKey {
    AccessKey::new(KEY_ID, SECRET)
}

/// A Personal Edition call (path style).
fn personal(acr: &AcrServer, method: &str, path: &str, action: &str) -> Call {
    Call::new(method, &acr.host(), path, action, PERSONAL_VERSION)
}

/// An Enterprise Edition call (RPC style) on the default instance.
fn rpc(acr: &AcrServer, action: &str) -> Call {
    Call::new("POST", &acr.host(), "/", action, ENTERPRISE_VERSION).query("InstanceId", INSTANCE)
}

fn json_body(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn send(acr: &AcrServer, signed: &Signed) -> Answer {
    let url = format!("{}{}", acr.url(), signed.path_and_query);
    let headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    request(
        &signed.method,
        &url,
        &Cred::None,
        &headers,
        Some(&signed.body),
    )
}

/// Signs `call` with the server's key now and sends it.
fn call(acr: &AcrServer, call: Call) -> Answer {
    send(acr, &acs3::sign(call, &key(), &Stamp::now()))
}

/// The answer's JSON, after checking its status.
fn expect(answer: Answer, status: u16) -> Value {
    let body = answer.json();
    assert_eq!(answer.status, status, "{body}");
    body
}

/// A Personal Edition refusal: its status and `code`.
fn refusal(answer: Answer) -> (u16, String) {
    let status = answer.status;
    let body = answer.json();
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
    )
}

fn create_namespace(acr: &AcrServer, name: &str) -> Answer {
    let body = json_body(serde_json::json!({ "Namespace": { "Namespace": name } }));
    call(
        acr,
        personal(acr, "PUT", "/namespace", "CreateNamespace").body("application/json", body),
    )
}

fn create_repo(acr: &AcrServer, namespace: &str, name: &str, repo_type: &str) -> Answer {
    let body = json_body(serde_json::json!({ "Repo": {
        "RepoNamespace": namespace,
        "RepoName": name,
        "Summary": format!("{name} summary"),
        "Detail": "# detail, *markdown*",
        "RepoType": repo_type,
    }}));
    call(
        acr,
        personal(acr, "PUT", "/repos", "CreateRepo").body("application/json", body),
    )
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_correctly_signed_request_is_answered() {
    let acr = server();
    let body = expect(
        call(
            &acr,
            personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        ),
        200,
    );
    assert_eq!(body["data"]["namespaces"], serde_json::json!([]));
    assert!(body["requestId"].as_str().is_some_and(|id| id.len() == 36));
}

#[test]
fn a_wrong_secret_is_a_signature_mismatch() {
    let acr = server();
    let forged = acs3::sign(
        personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        &AccessKey::new(KEY_ID, "not-the-secret"),
        &Stamp::now(),
    );
    let answer = send(&acr, &forged);
    let message = answer.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        refusal(answer),
        (400, code::SIGNATURE_DOES_NOT_MATCH.into())
    );
    assert!(message.contains("server string to sign"), "{message}");
}

#[test]
fn an_unknown_access_key_is_not_found() {
    let acr = server();
    let signed = acs3::sign(
        personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        &AccessKey::new("LTAI-someone-else", SECRET),
        &Stamp::now(),
    );
    assert_eq!(
        refusal(send(&acr, &signed)),
        (404, code::ACCESS_KEY_NOT_FOUND.into())
    );
}

#[test]
fn a_date_more_than_fifteen_minutes_off_is_expired() {
    let acr = server();
    for minutes in [-20, 20] {
        let stamp = Stamp::at(
            Utc::now() + Duration::minutes(minutes),
            &format!("n{minutes}"),
        );
        let signed = acs3::sign(
            personal(&acr, "GET", "/namespace", "GetNamespaceList"),
            &key(),
            &stamp,
        );
        assert_eq!(
            refusal(send(&acr, &signed)),
            (400, code::TIMESTAMP_EXPIRED.into()),
            "{minutes} minutes"
        );
    }
    let recent = Stamp::at(Utc::now() - Duration::minutes(10), "recent");
    let signed = acs3::sign(
        personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        &key(),
        &recent,
    );
    expect(send(&acr, &signed), 200);
}

#[test]
fn a_replayed_request_is_refused_for_its_nonce() {
    let acr = server();
    let signed = acs3::sign(
        personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        &key(),
        &Stamp::now(),
    );
    expect(send(&acr, &signed), 200);
    assert_eq!(
        refusal(send(&acr, &signed)),
        (400, code::SIGNATURE_NONCE_USED.into())
    );
}

#[test]
fn a_forged_request_does_not_spend_the_nonce() {
    let acr = server();
    let stamp = Stamp::now();
    let call = || personal(&acr, "GET", "/namespace", "GetNamespaceList");
    let forged = acs3::sign(call(), &AccessKey::new(KEY_ID, "wrong"), &stamp);
    assert_eq!(
        refusal(send(&acr, &forged)).1,
        code::SIGNATURE_DOES_NOT_MATCH
    );
    expect(send(&acr, &acs3::sign(call(), &key(), &stamp)), 200);
}

#[test]
fn a_header_added_after_signing_is_refused() {
    let acr = server();
    let mut signed = acs3::sign(
        personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        &key(),
        &Stamp::now(),
    );
    signed
        .headers
        .insert(0, ("x-acs-extra".into(), "smuggled".into()));
    assert_eq!(
        refusal(send(&acr, &signed)),
        (400, code::INCOMPLETE_SIGNATURE.into())
    );
}

#[test]
fn an_action_that_is_not_the_route_is_refused() {
    let acr = server();
    let answer = call(&acr, personal(&acr, "GET", "/namespace", "DeleteNamespace"));
    assert_eq!(refusal(answer), (404, code::ACTION_NOT_FOUND.into()));
}

#[test]
fn an_sts_key_must_send_its_token() {
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET).security_token("sts+token/=="))
        .expect("starts");
    let list = || personal(&acr, "GET", "/namespace", "GetNamespaceList");
    let without = send(&acr, &acs3::sign(list(), &key(), &Stamp::now()));
    assert_eq!(refusal(without), (400, code::MISSING_SECURITY_TOKEN.into()));
    let sts = key().with_security_token("sts+token/==");
    expect(send(&acr, &acs3::sign(list(), &sts, &Stamp::now())), 200);
}

#[test]
fn personal_namespaces_and_repositories_round_trip() {
    let acr = server();
    let created = expect(create_namespace(&acr, "team"), 200);
    assert!(
        created["data"]["namespaceId"].as_u64().is_some(),
        "{created}"
    );
    assert_eq!(
        refusal(create_namespace(&acr, "team")),
        (400, code::NAMESPACE_ALREADY_EXIST.into())
    );
    assert_eq!(
        refusal(create_namespace(&acr, "-bad")),
        (400, code::INVALID_PARAMETER.into())
    );
    let list = expect(
        call(
            &acr,
            personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        ),
        200,
    );
    assert_eq!(names(&list["data"]["namespaces"], "namespace"), ["team"]);

    expect(create_repo(&acr, "team", "app", "PUBLIC"), 200);
    assert_eq!(
        refusal(create_repo(&acr, "team", "app", "PUBLIC")),
        (400, code::REPO_ALREADY_EXIST.into())
    );
    assert_eq!(
        refusal(create_repo(&acr, "nobody", "app", "PRIVATE")),
        (404, code::NAMESPACE_NOT_EXIST.into())
    );
    let repo = expect(
        call(&acr, personal(&acr, "GET", "/repos/team/app", "GetRepo")),
        200,
    );
    let repo = &repo["data"]["repo"];
    assert_eq!(repo["repoType"], "PUBLIC");
    assert_eq!(repo["summary"], "app summary");
    assert_eq!(repo["detail"], "# detail, *markdown*");
    assert!(repo["gmtCreate"].as_i64().is_some_and(|t| t > 0));

    expect(
        call(
            &acr,
            personal(&acr, "DELETE", "/repos/team/app", "DeleteRepo"),
        ),
        200,
    );
    let repos = expect(
        call(
            &acr,
            personal(&acr, "GET", "/repos/team", "GetRepoListByNamespace"),
        ),
        200,
    );
    assert_eq!(repos["data"]["total"], 0);
    assert_eq!(
        refusal(call(
            &acr,
            personal(&acr, "DELETE", "/repos/team/app", "DeleteRepo")
        )),
        (404, code::REPO_NOT_EXIST.into())
    );

    expect(
        call(
            &acr,
            personal(&acr, "DELETE", "/namespace/team", "DeleteNamespace"),
        ),
        200,
    );
    assert!(acr.namespaces(&Scope::Personal).is_empty());
    assert_eq!(
        refusal(call(
            &acr,
            personal(&acr, "DELETE", "/namespace/team", "DeleteNamespace")
        )),
        (404, code::NAMESPACE_NOT_EXIST.into())
    );
}

#[test]
fn personal_paging_covers_250_repositories_once() {
    let acr = server();
    expect(create_namespace(&acr, "big"), 200);
    let mut want: Vec<String> = (0..250).map(|i| format!("repo-{i:03}")).collect();
    for name in &want {
        expect(create_repo(&acr, "big", name, "PRIVATE"), 200);
    }
    want.sort();
    let mut seen = Vec::new();
    for page in 1..=4 {
        let listed = expect(
            call(
                &acr,
                personal(&acr, "GET", "/repos/big", "GetRepoListByNamespace")
                    .query("Page", &page.to_string())
                    .query("PageSize", "100"),
            ),
            200,
        );
        let data = &listed["data"];
        assert_eq!(
            (data["total"].as_u64(), data["page"].as_u64()),
            (Some(250), Some(page))
        );
        let names = names(&data["repos"], "repoName");
        assert_eq!(
            names.len(),
            [100, 100, 50, 0][page as usize - 1],
            "page {page}"
        );
        seen.extend(names);
    }
    assert_eq!(seen, want);
}

#[test]
fn personal_tags_list_with_size_and_times() {
    let acr = server();
    expect(create_namespace(&acr, "team"), 200);
    expect(create_repo(&acr, "team", "app", "PRIVATE"), 200);
    let tag = Tag {
        tag: "1.0".into(),
        digest: "a".repeat(64),
        image_id: "b".repeat(64),
        size: 715_764,
        created_ms: 1_514_432_549_000,
        updated_ms: 1_514_432_550_000,
    };
    assert!(acr.put_tag(&Scope::Personal, "team", "app", tag));
    let listed = expect(
        call(
            &acr,
            personal(&acr, "GET", "/repos/team/app/tags", "GetRepoTags"),
        ),
        200,
    );
    let tags = &listed["data"]["tags"];
    assert_eq!(listed["data"]["total"], 1);
    assert_eq!(tags[0]["tag"], "1.0");
    assert_eq!(tags[0]["imageSize"], 715_764);
    assert_eq!(tags[0]["imageCreate"], 1_514_432_549_000_i64);
    assert_eq!(tags[0]["imageUpdate"], 1_514_432_550_000_i64);
    assert_eq!(tags[0]["digest"], "a".repeat(64));
}

/// An Enterprise Edition answer that succeeded.
fn ok(answer: Answer) -> Value {
    let body = expect(answer, 200);
    assert_eq!(
        (&body["IsSuccess"], &body["Code"]),
        (&Value::Bool(true), &"success".into()),
        "{body}"
    );
    body
}

#[test]
fn enterprise_instances_namespaces_repositories_and_tags_round_trip() {
    let acr = server();
    let instances = ok(call(
        &acr,
        Call::new("POST", &acr.host(), "/", "ListInstance", ENTERPRISE_VERSION),
    ));
    assert_eq!(names(&instances["Instances"], "InstanceId"), [INSTANCE]);
    let endpoints = ok(call(&acr, rpc(&acr, "ListInstanceEndpoint")));
    assert_eq!(
        names(&endpoints["Endpoints"], "EndpointType"),
        ["internet", "vpc"]
    );

    ok(call(
        &acr,
        rpc(&acr, "CreateNamespace")
            .query("NamespaceName", "team")
            .query("AutoCreateRepo", "false")
            .query("DefaultRepoType", "PRIVATE"),
    ));
    let duplicate = expect(
        call(
            &acr,
            rpc(&acr, "CreateNamespace").query("NamespaceName", "team"),
        ),
        200,
    );
    assert_eq!(duplicate["IsSuccess"], false);
    assert_eq!(duplicate["Code"], code::NAMESPACE_ALREADY_EXIST);
    let namespaces = ok(call(&acr, rpc(&acr, "ListNamespace")));
    assert_eq!(names(&namespaces["Namespaces"], "NamespaceName"), ["team"]);

    let created = ok(call(
        &acr,
        rpc(&acr, "CreateRepository")
            .query("RepoNamespaceName", "team")
            .query("RepoName", "app")
            .query("RepoType", "PUBLIC")
            .query("Summary", "the app, 应用 & more: 100%")
            .query("Detail", "line one\nline two"),
    ));
    let repo_id = created["RepoId"].as_str().expect("a RepoId").to_string();
    let repos = ok(call(
        &acr,
        rpc(&acr, "ListRepository").query("RepoNamespaceName", "team"),
    ));
    assert_eq!(repos["TotalCount"], "1");
    assert_eq!(repos["Repositories"][0]["RepoId"], repo_id.as_str());
    assert_eq!(
        repos["Repositories"][0]["Summary"],
        "the app, 应用 & more: 100%"
    );

    let tag = Tag {
        tag: "latest".into(),
        digest: "c".repeat(64),
        image_id: "d".repeat(64),
        size: 42,
        created_ms: 1,
        updated_ms: 2,
    };
    assert!(acr.put_tag(&Scope::Instance(INSTANCE.into()), "team", "app", tag));
    let tags = ok(call(
        &acr,
        rpc(&acr, "ListRepoTag").query("RepoId", &repo_id),
    ));
    assert_eq!(names(&tags["Images"], "Tag"), ["latest"]);
    assert_eq!(tags["Images"][0]["ImageSize"], 42);

    ok(call(
        &acr,
        rpc(&acr, "DeleteRepository").query("RepoId", &repo_id),
    ));
    let gone = expect(
        call(
            &acr,
            rpc(&acr, "DeleteRepository").query("RepoId", &repo_id),
        ),
        200,
    );
    assert_eq!(gone["Code"], code::REPO_NOT_EXIST);
    ok(call(
        &acr,
        rpc(&acr, "DeleteNamespace").query("NamespaceName", "team"),
    ));
    assert!(acr.namespaces(&Scope::Instance(INSTANCE.into())).is_empty());
    assert!(
        acr.namespaces(&Scope::Personal).is_empty(),
        "editions apart"
    );
}

#[test]
fn enterprise_paging_covers_250_repositories_once() {
    let acr = server();
    ok(call(
        &acr,
        rpc(&acr, "CreateNamespace").query("NamespaceName", "big"),
    ));
    for i in 0..250 {
        ok(call(
            &acr,
            rpc(&acr, "CreateRepository")
                .query("RepoNamespaceName", "big")
                .query("RepoName", &format!("repo-{i:03}"))
                .query("RepoType", "PRIVATE")
                .query("Summary", "s"),
        ));
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let listed = ok(call(
            &acr,
            rpc(&acr, "ListRepository")
                .query("RepoNamespaceName", "big")
                .query("PageNo", &page.to_string())
                .query("PageSize", "100"),
        ));
        assert_eq!(listed["TotalCount"], "250");
        seen.extend(names(&listed["Repositories"], "RepoName"));
    }
    let want: Vec<String> = (0..250).map(|i| format!("repo-{i:03}")).collect();
    assert_eq!(seen, want);
}

#[test]
fn enterprise_gateway_refusals_use_the_rpc_shape() {
    let acr = server();
    let forged = acs3::sign(
        rpc(&acr, "ListNamespace"),
        &AccessKey::new(KEY_ID, "wrong"),
        &Stamp::now(),
    );
    let body = expect(send(&acr, &forged), 400);
    assert_eq!(body["Code"], code::SIGNATURE_DOES_NOT_MATCH);
    assert!(
        body["RequestId"].is_string() && body["HostId"].is_string(),
        "{body}"
    );
    let unknown = expect(
        call(
            &acr,
            Call::new(
                "POST",
                &acr.host(),
                "/",
                "ListNamespace",
                ENTERPRISE_VERSION,
            )
            .query("InstanceId", "cri-nosuch"),
        ),
        200,
    );
    assert_eq!(unknown["Code"], code::INSTANCE_NOT_EXIST);
    let missing = expect(
        call(
            &acr,
            Call::new(
                "POST",
                &acr.host(),
                "/",
                "ListNamespace",
                ENTERPRISE_VERSION,
            ),
        ),
        400,
    );
    assert_eq!(missing["Code"], code::MISSING_PARAMETER);
}

#[test]
fn enterprise_parameters_may_come_in_a_signed_form_body() {
    let acr = server();
    let call_with_form = Call::new(
        "POST",
        &acr.host(),
        "/",
        "CreateNamespace",
        ENTERPRISE_VERSION,
    )
    .body(
        "application/x-www-form-urlencoded",
        format!("InstanceId={INSTANCE}&NamespaceName=formed").into_bytes(),
    );
    ok(call(&acr, call_with_form));
    assert_eq!(
        acr.namespaces(&Scope::Instance(INSTANCE.into())),
        ["formed"]
    );
}

/// `GET /v2/` on `registry` with Basic credentials; its status.
fn v2_status(registry: &Registry, user: &str, password: &str) -> u16 {
    request(
        "GET",
        &format!("{}/v2/", registry.url()),
        &Cred::basic(user, password),
        &[],
        None,
    )
    .status
}

#[test]
fn the_temporary_login_opens_a_real_htpasswd_registry() {
    let acr = server();
    let registry = Registry::start(Auth::Htpasswd {
        users: vec![acr.temporary_login()],
    })
    .expect("docker-registry starts in htpasswd mode");

    let token = expect(
        call(
            &acr,
            personal(&acr, "GET", "/tokens", "GetAuthorizationToken"),
        ),
        200,
    );
    let data = &token["data"];
    let user = data["tempUserName"].as_str().expect("a user name");
    let password = data["authorizationToken"].as_str().expect("a password");
    assert_eq!(user, TEMP_USERNAME);
    assert!(data["expireDate"]
        .as_i64()
        .is_some_and(|ms| ms > Utc::now().timestamp_millis()));
    assert_eq!(v2_status(&registry, user, password), 200);
    assert_eq!(v2_status(&registry, user, "not-the-token"), 401);

    let rpc_token = ok(call(&acr, rpc(&acr, "GetAuthorizationToken")));
    let (user, password) = (
        rpc_token["TempUsername"].as_str().expect("TempUsername"),
        rpc_token["AuthorizationToken"]
            .as_str()
            .expect("AuthorizationToken"),
    );
    assert_eq!(v2_status(&registry, user, password), 200);
    assert_eq!(acr.tokens_issued(), 2);
}

#[test]
fn an_instance_endpoint_can_name_the_test_registry() {
    let registry = Registry::start(Auth::None).expect("docker-registry starts");
    let instance = Instance::new(INSTANCE, "testkit").internet_domain(&registry.host());
    let acr =
        AcrServer::start(AcrConfig::new(KEY_ID, SECRET).instances(vec![instance])).expect("starts");
    let endpoints = ok(call(&acr, rpc(&acr, "ListInstanceEndpoint")));
    assert_eq!(
        endpoints["Endpoints"][0]["Domains"][0]["Domain"],
        registry.host().as_str()
    );
}

#[test]
fn every_call_is_logged_without_secrets() {
    let acr = server();
    call(
        &acr,
        personal(&acr, "GET", "/tokens", "GetAuthorizationToken"),
    );
    let forged = acs3::sign(
        personal(&acr, "GET", "/namespace", "GetNamespaceList"),
        &AccessKey::new(KEY_ID, "wrong"),
        &Stamp::now(),
    );
    send(&acr, &forged);
    let calls = acr.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].action.as_deref(), Some("GetAuthorizationToken"));
    assert_eq!((calls[0].status, calls[0].code.as_deref()), (200, None));
    assert_eq!(
        (calls[1].status, calls[1].code.as_deref()),
        (400, Some(code::SIGNATURE_DOES_NOT_MATCH))
    );
    let logged = format!("{calls:?}");
    assert!(!logged.contains(SECRET) && !logged.contains(&acr.temporary_login().password));
}
