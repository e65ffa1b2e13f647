//! Emulator tests for the IAM collector: users with their credentials, groups, roles, customer
//! policies, the password policy and the root user, collected and fetched by reference.

use aws_sdk_iam::types::{StatusType, Tag};
use palisade_collect::aws::{ActionRecorder, AwsContext, AwsService, ContextOptions};
use palisade_collect::{Collected, Emitter};
use palisade_model::{Resource, ResourceId, ResourceRef};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const USER_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const GROUP_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#;
const MANAGED_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:Get*","Resource":"*"}]}"#;
const MANAGED_DOC_V2: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"logs:DeleteLogGroup","Resource":"*"}]}"#;
const TRUST_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn doc(s: &str) -> Value {
    serde_json::from_str(s).expect("test document is json")
}

fn find<'a>(resources: &'a [Resource], resource_type: &str, name: &str) -> &'a Resource {
    resources
        .iter()
        .find(|r| r.resource_type == resource_type && r.name == name)
        .unwrap_or_else(|| panic!("no {resource_type} named {name} among {:?}", names(resources)))
}

fn names(resources: &[Resource]) -> Vec<(String, String)> {
    resources.iter().map(|r| (r.resource_type.clone(), r.name.clone())).collect()
}

fn time(dt: Option<&aws_smithy_types::DateTime>) -> Value {
    let dt = dt.expect("the emulator returned a timestamp");
    json!(dt.fmt(aws_smithy_types::date_time::Format::DateTime).expect("formattable"))
}

fn age_days(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("{v} is not a timestamp"));
    let t = chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_days()
}

fn assert_stamped(acct: &TestAccount, resources: &[Resource]) {
    for r in resources {
        assert_eq!(r.account_id.as_str(), acct.account_id, "{}", r.id);
        assert_eq!(r.label, "Test", "{}", r.id);
        assert!(r.region.is_global(), "{} is in {}", r.id, r.region);
    }
}

fn reference(acct: &TestAccount, resource_type: &str, id: &str) -> ResourceRef {
    ResourceRef {
        resource_type: resource_type.into(),
        account_id: palisade_model::AccountId::new(acct.account_id.clone()).expect("account id"),
        region: palisade_model::Region::global(),
        id: ResourceId::new(id).expect("resource id"),
    }
}

/// Runs the IAM collector through a context that records every SDK call it makes.
async fn collect_recorded(acct: &TestAccount) -> (Vec<Resource>, AwsContext, ActionRecorder) {
    let recorder = ActionRecorder::new();
    let opts = ContextOptions {
        source: "test".into(),
        label: "Test".into(),
        recorder: Some(recorder.clone()),
        ..ContextOptions::default()
    };
    let ctx = AwsContext::new(acct.sdk.clone(), opts)
        .await
        .expect("context")
        .with_regions(vec![TestAccount::region("us-east-1")]);
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let emitter = Emitter::new(tx);
    let result = AwsService::Iam.collect(&ctx, &TestAccount::region("us-east-1"), &emitter).await;
    drop(emitter);
    let mut resources = Vec::new();
    while let Some(item) = rx.recv().await {
        match item {
            Collected::Resource(r) => resources.push(*r),
            Collected::Error(e) => panic!("scan error: {e:?}"),
        }
    }
    result.expect("collect");
    (resources, ctx, recorder)
}

fn assert_declared(recorder: &ActionRecorder) {
    let declared: Vec<(&str, &str)> =
        AwsService::Iam.spec().calls.iter().map(|c| (c.sdk_service, c.operation)).collect();
    let seen = recorder.calls();
    for (service, operation) in &seen {
        if service == "STS" && operation == "GetCallerIdentity" {
            continue; // made by the context itself, declared in CORE_CALLS
        }
        assert!(declared.contains(&(service.as_str(), operation.as_str())), "{service} {operation} is not declared");
    }
    // An empty record means the recorder never saw an operation, which would make this check vacuous.
    assert!(
        seen.iter().any(|(_, op)| op == "GetCredentialReport"),
        "the action recorder did not see GetCredentialReport; it saw {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_users_groups_and_the_root_user() {
    let acct = TestAccount::new().await;
    let iam = acct.iam();
    let account = acct.account_id.clone();

    let managed =
        iam.create_policy().policy_name("read-logs").policy_document(MANAGED_DOC).send().await.expect("policy");
    let managed_arn = managed.policy().and_then(|p| p.arn()).expect("policy arn").to_string();
    let group = iam.create_group().group_name("developers").send().await.expect("group");
    let group = group.group().expect("group").clone();
    iam.attach_group_policy().group_name("developers").policy_arn(&managed_arn).send().await.expect("attach group");
    iam.put_group_policy()
        .group_name("developers")
        .policy_name("describe-ec2")
        .policy_document(GROUP_DOC)
        .send()
        .await
        .expect("group inline");

    // alice: everything a user can carry.
    let alice = iam
        .create_user()
        .user_name("alice")
        .path("/division/")
        .tags(Tag::builder().key("team").value("platform").build().expect("tag"))
        .send()
        .await
        .expect("alice");
    let alice = alice.user().expect("user").clone();
    let mut key_ids = Vec::new();
    let mut secrets = Vec::new();
    for _ in 0..2 {
        let key = iam.create_access_key().user_name("alice").send().await.expect("access key");
        let key = key.access_key().expect("key");
        key_ids.push(key.access_key_id().to_string());
        secrets.push(key.secret_access_key().to_string());
    }
    iam.update_access_key()
        .user_name("alice")
        .access_key_id(&key_ids[1])
        .status(StatusType::Inactive)
        .send()
        .await
        .expect("deactivate");
    acct.backdate_access_key("alice", &key_ids[0], 120.0);
    // One call signed with the first key so the emulator records its last use.
    let creds = aws_sdk_sts::config::Credentials::new(&key_ids[0], &secrets[0], None, None, "test");
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&acct.sdk).credentials_provider(creds).build(),
    );
    sts.get_caller_identity().send().await.expect("call with alice's key");

    let mfa = iam.create_virtual_mfa_device().virtual_mfa_device_name("alice-mfa").send().await.expect("mfa");
    let serial = mfa.virtual_mfa_device().expect("device").serial_number().to_string();
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(&serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .expect("enable mfa");
    iam.create_login_profile().user_name("alice").password("Corr3ct-horse!").send().await.expect("login profile");
    // The emulator drops the password when an update omits it, so it is sent again.
    iam.update_login_profile()
        .user_name("alice")
        .password("Corr3ct-horse!")
        .password_reset_required(true)
        .send()
        .await
        .expect("reset required");
    iam.attach_user_policy().user_name("alice").policy_arn(&managed_arn).send().await.expect("attach user");
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("read-objects")
        .policy_document(USER_DOC)
        .send()
        .await
        .expect("user inline");
    iam.add_user_to_group().group_name("developers").user_name("alice").send().await.expect("join group");

    // bob: nothing at all.
    let bob = iam.create_user().user_name("bob").send().await.expect("bob");
    let bob = bob.user().expect("user").clone();

    let (resources, ctx, recorder) = collect_recorded(&acct).await;
    assert_stamped(&acct, &resources);

    let managed_ref = json!([{"PolicyName": "read-logs", "PolicyArn": managed_arn}]);
    let group_inline = json!([{"PolicyName": "describe-ec2", "PolicyDocument": doc(GROUP_DOC)}]);

    // alice
    let a = find(&resources, "AWS.IAM.User", "alice");
    assert_eq!(a.id.as_str(), format!("arn:aws:iam::{account}:user/division/alice"));
    assert_eq!(a.tags, BTreeMap::from([("team".to_string(), "platform".to_string())]));
    let attrs = &a.attributes;
    assert_eq!(attrs["UserName"], json!("alice"));
    assert_eq!(attrs["UserId"], json!(alice.user_id()));
    assert_eq!(attrs["Arn"], json!(a.id.as_str()));
    assert_eq!(attrs["Path"], json!("/division/"));
    assert_eq!(attrs["CreateDate"], time(Some(alice.create_date())));
    assert_eq!(attrs["PasswordLastUsed"], Value::Null);
    let keys = attrs["AccessKeys"].as_array().expect("AccessKeys list");
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0]["AccessKeyId"], json!(key_ids[0]));
    assert_eq!(keys[0]["Status"], json!("Active"));
    assert_eq!(age_days(&keys[0]["CreateDate"]), 120, "{}", keys[0]["CreateDate"]);
    assert_eq!(age_days(&keys[0]["LastUsedDate"]), 0);
    assert_eq!(keys[0]["LastUsedService"], json!("sts"));
    assert_eq!(keys[0]["LastUsedRegion"], json!("us-east-1"));
    assert_eq!(keys[1]["AccessKeyId"], json!(key_ids[1]));
    assert_eq!(keys[1]["Status"], json!("Inactive"));
    assert_eq!(age_days(&keys[1]["CreateDate"]), 0);
    assert_eq!(keys[1]["LastUsedDate"], Value::Null);
    assert_eq!(keys[1]["LastUsedService"], Value::Null);
    assert_eq!(keys[1]["LastUsedRegion"], Value::Null);
    let devices = attrs["MFADevices"].as_array().expect("MFADevices list");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["SerialNumber"], json!(serial));
    assert_eq!(age_days(&devices[0]["EnableDate"]), 0);
    // The emulator dates the login profile with the user's creation.
    assert_eq!(
        attrs["LoginProfile"],
        json!({"CreateDate": time(Some(alice.create_date())), "PasswordResetRequired": true})
    );
    assert_eq!(attrs["AttachedPolicies"], managed_ref);
    assert_eq!(attrs["InlinePolicies"], json!([{"PolicyName": "read-objects", "PolicyDocument": doc(USER_DOC)}]));
    assert_eq!(
        attrs["Groups"],
        json!([{
            "GroupName": "developers", "GroupId": group.group_id(), "Arn": group.arn(),
            "AttachedPolicies": managed_ref, "InlinePolicies": group_inline,
        }])
    );
    assert_eq!(attrs["PermissionsBoundary"], Value::Null);
    let row = &attrs["CredentialReport"];
    assert_eq!(row["user"], json!("alice"));
    assert_eq!(row["arn"], json!(a.id.as_str()));
    assert_eq!(row["password_enabled"], json!("true"));
    assert_eq!(row["mfa_active"], json!("true"));
    assert_eq!(row["access_key_1_active"], json!("true"));
    assert_eq!(row["access_key_2_active"], json!("false"));
    assert_eq!(age_days(&row["access_key_1_last_rotated"]), 120);
    assert!(row.as_object().is_some_and(|r| r.values().all(Value::is_string)), "{row}");

    // bob
    let b = find(&resources, "AWS.IAM.User", "bob");
    assert_eq!(b.id.as_str(), format!("arn:aws:iam::{account}:user/bob"));
    assert!(b.tags.is_empty());
    let attrs = &b.attributes;
    assert_eq!(attrs["UserId"], json!(bob.user_id()));
    assert_eq!(attrs["Path"], json!("/"));
    for key in ["AccessKeys", "MFADevices", "AttachedPolicies", "InlinePolicies", "Groups"] {
        assert_eq!(attrs[key], json!([]), "bob's {key}");
    }
    assert_eq!(attrs["LoginProfile"], Value::Null);
    assert_eq!(attrs["CredentialReport"]["password_enabled"], json!("false"));
    assert_eq!(attrs["CredentialReport"]["mfa_active"], json!("false"));
    assert_eq!(attrs["CredentialReport"]["access_key_1_active"], json!("false"));

    // the group
    let g = find(&resources, "AWS.IAM.Group", "developers");
    assert_eq!(g.id.as_str(), format!("arn:aws:iam::{account}:group/developers"));
    assert_eq!(
        g.attributes,
        json!({
            "GroupName": "developers", "GroupId": group.group_id(), "Arn": group.arn(), "Path": "/",
            "CreateDate": time(Some(group.create_date())),
            "AttachedPolicies": managed_ref, "InlinePolicies": group_inline, "Users": ["alice"],
        })
    );

    // the root user: no MFA, keys or certificates in the emulator, and no root row in its report
    let root = find(&resources, "AWS.IAM.RootUser", "root");
    assert_eq!(root.id.as_str(), format!("arn:aws:iam::{account}:root"));
    let attrs = &root.attributes;
    assert_eq!(attrs["AccountMFAEnabled"], json!(false));
    assert_eq!(attrs["AccountAccessKeysPresent"], json!(false));
    assert_eq!(attrs["AccountSigningCertificatesPresent"], json!(false));
    assert_eq!(attrs["SummaryMap"]["Users"], json!(2));
    assert_eq!(attrs["SummaryMap"]["Groups"], json!(1));
    assert_eq!(attrs["SummaryMap"]["Policies"], json!(1));
    assert_eq!(attrs["SummaryMap"]["AccountMFAEnabled"], json!(0));
    assert_eq!(attrs["CredentialReport"], Value::Null);

    // fetch by reference gives what collect gave
    let fetched = AwsService::Iam.fetch(&ctx, &a.reference()).await.expect("fetch alice").expect("alice exists");
    assert_eq!(fetched.attributes, a.attributes);
    assert_eq!(fetched.tags, a.tags);
    let fetched = AwsService::Iam.fetch(&ctx, &g.reference()).await.expect("fetch group").expect("group exists");
    assert_eq!(fetched.attributes, g.attributes);
    let fetched = AwsService::Iam.fetch(&ctx, &root.reference()).await.expect("fetch root").expect("root exists");
    assert_eq!(fetched.attributes["AccountMFAEnabled"], json!(false));

    // a deleted user and a group that never existed are gone
    iam.delete_user().user_name("bob").send().await.expect("delete bob");
    assert_eq!(AwsService::Iam.fetch(&ctx, &b.reference()).await.expect("fetch bob"), None);
    let missing = reference(&acct, "AWS.IAM.Group", &format!("arn:aws:iam::{account}:group/ops/nobody"));
    assert_eq!(AwsService::Iam.fetch(&ctx, &missing).await.expect("fetch missing group"), None);

    assert_declared(&recorder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_roles_policies_and_the_password_policy() {
    let acct = TestAccount::new().await;
    let iam = acct.iam();
    let account = acct.account_id.clone();

    // An empty account: no password policy, and nothing else but the root user.
    let (resources, _, _) = collect_recorded(&acct).await;
    assert_stamped(&acct, &resources);
    assert_eq!(
        names(&resources).into_iter().map(|(t, _)| t).collect::<Vec<_>>(),
        vec!["AWS.IAM.PasswordPolicy", "AWS.IAM.RootUser"]
    );
    let pp = find(&resources, "AWS.IAM.PasswordPolicy", "password-policy");
    assert_eq!(pp.id.as_str(), format!("arn:aws:iam::{account}:account-password-policy"));
    assert_eq!(
        pp.attributes,
        json!({
            "Exists": false, "MinimumPasswordLength": null, "RequireSymbols": null, "RequireNumbers": null,
            "RequireUppercaseCharacters": null, "RequireLowercaseCharacters": null,
            "AllowUsersToChangePassword": null, "ExpirePasswords": null, "MaxPasswordAge": null,
            "PasswordReusePrevention": null, "HardExpiry": null,
        })
    );

    // A customer policy whose second version is the default, and a boundary policy.
    let policy = iam.create_policy().policy_name("deploy").policy_document(MANAGED_DOC).send().await.expect("policy");
    let policy_arn = policy.policy().and_then(|p| p.arn()).expect("arn").to_string();
    iam.create_policy_version()
        .policy_arn(&policy_arn)
        .policy_document(MANAGED_DOC_V2)
        .set_as_default(true)
        .send()
        .await
        .expect("second version");
    let boundary = iam
        .create_policy()
        .policy_name("boundary")
        .path("/guardrails/")
        .policy_document(USER_DOC)
        .send()
        .await
        .expect("boundary");
    let boundary_arn = boundary.policy().and_then(|p| p.arn()).expect("arn").to_string();

    let app = iam
        .create_role()
        .role_name("app")
        .path("/service/")
        .assume_role_policy_document(TRUST_DOC)
        .description("the app's instance role")
        .max_session_duration(7200)
        .permissions_boundary(&boundary_arn)
        .tags(Tag::builder().key("env").value("prod").build().expect("tag"))
        .send()
        .await
        .expect("role");
    let app = app.role().expect("role").clone();
    iam.attach_role_policy().role_name("app").policy_arn(&policy_arn).send().await.expect("attach role");
    iam.put_role_policy()
        .role_name("app")
        .policy_name("read-objects")
        .policy_document(USER_DOC)
        .send()
        .await
        .expect("role inline");
    iam.create_role().role_name("bare").assume_role_policy_document(TRUST_DOC).send().await.expect("bare role");

    iam.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .allow_users_to_change_password(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .hard_expiry(false)
        .send()
        .await
        .expect("password policy");

    let (resources, ctx, recorder) = collect_recorded(&acct).await;
    assert_stamped(&acct, &resources);

    let r = find(&resources, "AWS.IAM.Role", "app");
    assert_eq!(r.id.as_str(), format!("arn:aws:iam::{account}:role/service/app"));
    assert_eq!(r.tags, BTreeMap::from([("env".to_string(), "prod".to_string())]));
    assert_eq!(
        r.attributes,
        json!({
            "RoleName": "app", "RoleId": app.role_id(), "Arn": r.id.as_str(), "Path": "/service/",
            "CreateDate": time(Some(app.create_date())), "Description": "the app's instance role",
            "MaxSessionDuration": 7200, "AssumeRolePolicyDocument": doc(TRUST_DOC),
            "AttachedPolicies": [{"PolicyName": "deploy", "PolicyArn": policy_arn}],
            "InlinePolicies": [{"PolicyName": "read-objects", "PolicyDocument": doc(USER_DOC)}],
            "RoleLastUsed": null,
            "PermissionsBoundary": {"PermissionsBoundaryArn": boundary_arn, "PermissionsBoundaryType": "PermissionsBoundaryPolicy"},
        })
    );
    let bare = find(&resources, "AWS.IAM.Role", "bare");
    let attrs = &bare.attributes;
    assert_eq!(attrs["Path"], json!("/"));
    assert_eq!(attrs["Description"], Value::Null);
    assert_eq!(attrs["MaxSessionDuration"], json!(3600));
    assert_eq!(attrs["AttachedPolicies"], json!([]));
    assert_eq!(attrs["InlinePolicies"], json!([]));
    assert_eq!(attrs["PermissionsBoundary"], Value::Null);
    assert_eq!(attrs["RoleLastUsed"], Value::Null);

    // Customer-managed policies only (the emulator's AWS-managed ones never show up).
    let policies: Vec<&Resource> = resources.iter().filter(|r| r.resource_type == "AWS.IAM.Policy").collect();
    assert_eq!(policies.len(), 2, "{:?}", names(&resources));
    assert!(policies.iter().all(|p| p.id.as_str().starts_with(&format!("arn:aws:iam::{account}:policy/"))));
    let p = find(&resources, "AWS.IAM.Policy", "deploy");
    assert_eq!(p.id.as_str(), policy_arn);
    let attrs = &p.attributes;
    assert_eq!(attrs["PolicyName"], json!("deploy"));
    assert_eq!(attrs["Arn"], json!(policy_arn));
    assert_eq!(attrs["Path"], json!("/"));
    assert_eq!(attrs["DefaultVersionId"], json!("v2"));
    assert_eq!(attrs["AttachmentCount"], json!(1));
    assert_eq!(attrs["IsAttachable"], json!(true));
    assert_eq!(attrs["DefaultVersion"]["VersionId"], json!("v2"));
    assert_eq!(attrs["DefaultVersion"]["Document"], doc(MANAGED_DOC_V2));
    assert!(attrs["DefaultVersion"]["CreateDate"].is_string());
    let bp = find(&resources, "AWS.IAM.Policy", "boundary");
    assert_eq!(bp.attributes["Path"], json!("/guardrails/"));
    assert_eq!(bp.attributes["DefaultVersionId"], json!("v1"));
    assert_eq!(bp.attributes["AttachmentCount"], json!(0));
    assert_eq!(bp.attributes["DefaultVersion"]["Document"], doc(USER_DOC));

    let pp = find(&resources, "AWS.IAM.PasswordPolicy", "password-policy");
    assert_eq!(
        pp.attributes,
        json!({
            "Exists": true, "MinimumPasswordLength": 14, "RequireSymbols": true, "RequireNumbers": true,
            "RequireUppercaseCharacters": true, "RequireLowercaseCharacters": true,
            "AllowUsersToChangePassword": true, "ExpirePasswords": true, "MaxPasswordAge": 90,
            "PasswordReusePrevention": 24, "HardExpiry": false,
        })
    );

    // fetch by reference, through the recording context
    let fetched = AwsService::Iam.fetch(&ctx, &r.reference()).await.expect("fetch role").expect("role exists");
    assert_eq!(fetched.attributes, r.attributes);
    let fetched = AwsService::Iam.fetch(&ctx, &p.reference()).await.expect("fetch policy").expect("policy exists");
    assert_eq!(fetched.attributes, p.attributes);
    let fetched = AwsService::Iam.fetch(&ctx, &pp.reference()).await.expect("fetch pp").expect("pp exists");
    assert_eq!(fetched.attributes, pp.attributes);
    iam.delete_account_password_policy().send().await.expect("delete password policy");
    let fetched = AwsService::Iam.fetch(&ctx, &pp.reference()).await.expect("fetch pp").expect("pp always exists");
    assert_eq!(fetched.attributes["Exists"], json!(false));
    iam.delete_role().role_name("bare").send().await.expect("delete bare");
    assert_eq!(AwsService::Iam.fetch(&ctx, &bare.reference()).await.expect("fetch bare"), None);
    let missing = reference(&acct, "AWS.IAM.Policy", &format!("arn:aws:iam::{account}:policy/nope"));
    assert_eq!(AwsService::Iam.fetch(&ctx, &missing).await.expect("fetch missing policy"), None);

    assert_declared(&recorder);
}

/// Certificate material for the emulator, which stores it without parsing it.
const CERT_BODY: &str = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";
const CERT_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_server_certificates() {
    let acct = TestAccount::new().await;
    let iam = acct.iam();
    let account = acct.account_id.clone();
    for (name, path) in [("www", Some("/cloudfront/")), ("legacy", None)] {
        iam.upload_server_certificate()
            .server_certificate_name(name)
            .set_path(path.map(str::to_string))
            .certificate_body(CERT_BODY)
            .private_key(CERT_KEY)
            .send()
            .await
            .expect("upload server certificate");
    }

    let (resources, ctx, recorder) = collect_recorded(&acct).await;
    assert_stamped(&acct, &resources);
    let certs: Vec<&Resource> = resources.iter().filter(|r| r.resource_type == "AWS.IAM.ServerCertificate").collect();
    assert_eq!(certs.len(), 2, "{:?}", names(&resources));
    let w = find(&resources, "AWS.IAM.ServerCertificate", "www");
    assert_eq!(w.id.as_str(), format!("arn:aws:iam::{account}:server-certificate/cloudfront/www"));
    assert!(w.tags.is_empty());
    // The emulator answers fixed metadata for every certificate: an id, and dates that make it
    // long expired (which CIS 1.19 flags).
    assert_eq!(
        w.attributes,
        json!({
            "ServerCertificateName": "www", "ServerCertificateId": "ASCACKCEVSQ6C2EXAMPLE",
            "Arn": w.id.as_str(), "Path": "/cloudfront/",
            "UploadDate": "2010-05-08T01:02:03.004Z", "Expiration": "2012-05-08T01:02:03.004Z",
        })
    );
    let legacy = find(&resources, "AWS.IAM.ServerCertificate", "legacy");
    assert_eq!(legacy.id.as_str(), format!("arn:aws:iam::{account}:server-certificate/legacy"));
    assert_eq!(legacy.attributes["Path"], json!("/"));

    let fetched = AwsService::Iam.fetch(&ctx, &w.reference()).await.expect("fetch www").expect("www exists");
    assert_eq!(fetched.attributes, w.attributes);
    assert_eq!(fetched.name, "www");
    iam.delete_server_certificate().server_certificate_name("legacy").send().await.expect("delete legacy");
    assert_eq!(AwsService::Iam.fetch(&ctx, &legacy.reference()).await.expect("fetch legacy"), None);
    let missing =
        reference(&acct, "AWS.IAM.ServerCertificate", &format!("arn:aws:iam::{account}:server-certificate/nope"));
    assert_eq!(AwsService::Iam.fetch(&ctx, &missing).await.expect("fetch missing certificate"), None);

    assert_declared(&recorder);
    let seen = recorder.calls();
    for op in ["ListServerCertificates", "GetServerCertificate"] {
        assert!(seen.contains(&("IAM".to_string(), op.to_string())), "{op} was not called: {seen:?}");
    }
}
