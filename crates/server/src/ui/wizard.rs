//! Sources > Add Account: a three-step wizard. (1) Name, AWS account ID, label and the
//! "Real-time events" / "Automatic remediation" opt-ins; (2) the generated read-only role template
//! to download, the console quick-create link, and with real-time events the StackSet templates
//! and instructions; (3) Save Source, which adds the source exactly as the API does (the scheduler
//! of `serve` starts its baseline scan within one tick).
//!
//! The wizard keeps its state in the form: the ExternalId is generated when step 1 is submitted
//! and carried to the template and the saved source, so both always agree.

use super::html::{csrf_field, esc, hidden};
use super::session::form;
use super::{admin_only, Nav, Page, UiError, UiResult, Viewer};
use crate::api::sources::{build_source, save_source, NewSource};
use crate::api::with_store;
use crate::{ApiError, ServerState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use palisade_model::{AccountId, Region};
use palisade_onboard::{
    quick_create_url, realtime_instructions, realtime_templates, role_template, RoleTemplateOptions, DEFAULT_ROLE_NAME,
};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Where the quick-create link says the template is until the user says otherwise.
const TEMPLATE_URL: &str = "https://YOUR-BUCKET.s3.amazonaws.com/palisade-readonly-role.json";
/// The console region of the quick-create link (IAM is global; this is where the stack lives).
const CONSOLE_REGION: &str = "us-east-1";
const LABELS: &[&str] = &["Prod", "Staging", "Dev", "Test", "Sandbox"];

/// Every IAM action the collectors may call in a source account: what the role must allow.
fn scanner_actions() -> Vec<&'static str> {
    let mut actions: Vec<&str> = palisade_collect::aws::all_calls().map(|c| c.iam_action).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The wizard's fields, as typed.
#[derive(Debug, Default)]
struct Fields {
    name: String,
    account_id: String,
    label: String,
    /// Comma-separated; empty is every enabled region.
    regions: String,
    realtime: bool,
    remediation: bool,
    palisade_account_id: String,
    external_id: String,
    template_url: String,
}

impl Fields {
    fn from_form(f: &BTreeMap<String, String>, state: &ServerState) -> Self {
        let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        let on = |k: &str| f.get(k).is_some_and(|v| v == "on" || v == "true");
        let palisade = state.palisade_account_id.clone().unwrap_or_else(|| get("palisade_account_id"));
        Self {
            name: get("name"),
            account_id: get("account_id"),
            label: get("label"),
            regions: get("regions"),
            realtime: on("realtime"),
            remediation: on("remediation"),
            palisade_account_id: palisade,
            external_id: get("external_id"),
            template_url: get("template_url"),
        }
    }

    /// Every field as hidden inputs, to carry the wizard's state to its next step.
    fn hidden(&self) -> String {
        let mut h = hidden("name", &self.name)
            + &hidden("account_id", &self.account_id)
            + &hidden("label", &self.label)
            + &hidden("regions", &self.regions)
            + &hidden("palisade_account_id", &self.palisade_account_id)
            + &hidden("external_id", &self.external_id);
        if self.realtime {
            h += &hidden("realtime", "on");
        }
        if self.remediation {
            h += &hidden("remediation", "on");
        }
        h
    }

    /// The source these fields describe, checked as the API checks it.
    fn source(&self) -> Result<(palisade_model::Source, Option<String>), ApiError> {
        let account_id = AccountId::new(self.account_id.clone())
            .map_err(|_| ApiError::bad_request("The AWS account ID must be exactly 12 digits."))?;
        let regions = self
            .regions
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| Region::new(r).map_err(|_| ApiError::bad_request(format!("{r:?} is not an AWS region name."))))
            .collect::<Result<Vec<_>, _>>()?;
        build_source(NewSource {
            name: self.name.clone(),
            account_id,
            label: self.label.clone(),
            role_arn: None,
            external_id: (!self.external_id.is_empty()).then(|| self.external_id.clone()),
            regions,
            realtime: self.realtime,
            remediation: self.remediation,
            schedule: None,
            enabled: None,
        })
    }

    fn check_palisade_account(&self) -> Result<(), ApiError> {
        AccountId::new(self.palisade_account_id.clone()).map(|_| ()).map_err(|_| {
            ApiError::bad_request("The Palisade account ID (the account the role trusts) must be exactly 12 digits.")
        })
    }
}

fn steps(current: usize) -> String {
    let mut h = String::from("<ol class=\"steps\" aria-label=\"Steps\">");
    for (i, name) in ["Account", "Role", "Save"].iter().enumerate() {
        let attr = if i + 1 == current { " aria-current=\"step\" class=\"current\"" } else { "" };
        let _ = write!(h, "<li{attr}>{name}</li>");
    }
    h.push_str("</ol>");
    h
}

/// Step 1, with the values typed so far and why they were refused.
fn step_one(state: &ServerState, viewer: &Viewer, f: &Fields, error: Option<&str>) -> Response {
    let mut h = String::from("<div class=\"page-head\"><h1>Add Account</h1></div>");
    h.push_str(&steps(1));
    if let Some(e) = error {
        let _ = write!(h, "<div class=\"notice error\" role=\"alert\" id=\"wizard-error\">{}</div>", esc(e));
    }
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/sources/new\" class=\"stack narrow\" novalidate>{}{}\
         <div class=\"field\"><label for=\"name\">Name</label><input id=\"name\" name=\"name\" value=\"{}\" required maxlength=\"64\" pattern=\"[A-Za-z0-9._\\-]{{1,64}}\" aria-describedby=\"name-help\" autocomplete=\"off\">\
         <p class=\"help\" id=\"name-help\">How Palisade names this account: letters, digits, '-', '_' or '.'.</p></div>\
         <div class=\"field\"><label for=\"account_id\">AWS Account ID</label><input id=\"account_id\" name=\"account_id\" value=\"{}\" required inputmode=\"numeric\" pattern=\"[0-9]{{12}}\" maxlength=\"12\" aria-describedby=\"account-help\" autocomplete=\"off\" class=\"mono\">\
         <p class=\"help\" id=\"account-help\">12 digits.</p></div>\
         <div class=\"field\"><label for=\"label\">Label</label><input id=\"label\" name=\"label\" value=\"{}\" required list=\"labels\" aria-describedby=\"label-help\" autocomplete=\"off\">\
         <datalist id=\"labels\">{}</datalist><p class=\"help\" id=\"label-help\">Prod, Dev, Test, …: stamped on every resource and finding of the account.</p></div>\
         <div class=\"field\"><label for=\"regions\">Regions <span class=\"muted\">(optional)</span></label><input id=\"regions\" name=\"regions\" value=\"{}\" aria-describedby=\"regions-help\" autocomplete=\"off\" class=\"mono\" placeholder=\"us-east-1, eu-west-1\">\
         <p class=\"help\" id=\"regions-help\">Comma-separated. Empty scans every region enabled for the account.</p></div>",
        csrf_field(&viewer.csrf),
        hidden("external_id", &f.external_id),
        esc(&f.name),
        esc(&f.account_id),
        esc(&f.label),
        LABELS.iter().map(|l| format!("<option value=\"{l}\">")).collect::<String>(),
        esc(&f.regions)
    );
    if state.palisade_account_id.is_none() {
        let _ = write!(
            h,
            "<div class=\"field\"><label for=\"palisade_account_id\">Palisade account ID</label><input id=\"palisade_account_id\" name=\"palisade_account_id\" value=\"{}\" required inputmode=\"numeric\" pattern=\"[0-9]{{12}}\" maxlength=\"12\" aria-describedby=\"pal-help\" class=\"mono\">\
             <p class=\"help\" id=\"pal-help\">The AWS account Palisade runs in: the role will trust it.</p></div>",
            esc(&f.palisade_account_id)
        );
    }
    let check = |b: bool| if b { " checked" } else { "" };
    let _ = write!(
        h,
        "<fieldset class=\"options\"><legend>Options</legend>\
         <div class=\"check\"><input type=\"checkbox\" id=\"realtime\" name=\"realtime\"{}><label for=\"realtime\">Real-time events</label>\
         <p class=\"help\">Rescan resources within seconds of a change, from CloudTrail events forwarded by a StackSet.</p></div>\
         <div class=\"check\"><input type=\"checkbox\" id=\"remediation\" name=\"remediation\"{}><label for=\"remediation\">Automatic remediation</label>\
         <p class=\"help\">Let <code>palisade serve</code> fix failing findings that have a fix, through a separate remediation role.</p></div>\
         </fieldset>\
         <div class=\"buttons\"><a class=\"button\" href=\"/sources\">Cancel</a><button type=\"submit\" class=\"primary\">Next</button></div></form>",
        check(f.realtime),
        check(f.remediation)
    );
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let mut response = Page { title: "Add Account", nav: Nav::Sources, viewer, notice: None, body: h }.render();
    *response.status_mut() = status;
    response
}

pub(crate) async fn start(State(state): State<ServerState>, Extension(viewer): Extension<Viewer>) -> UiResult {
    admin_only(&viewer)?;
    let f = Fields { palisade_account_id: state.palisade_account_id.clone().unwrap_or_default(), ..Fields::default() };
    Ok(step_one(&state, &viewer, &f, None))
}

/// Why these fields cannot be saved, checked against the sources already stored.
async fn problems(state: &ServerState, f: &Fields) -> Result<Option<String>, ApiError> {
    if let Err(e) = f.source() {
        if e.status.is_server_error() {
            return Err(e);
        }
        return Ok(Some(sentence(&e.message)));
    }
    if let Err(e) = f.check_palisade_account() {
        return Ok(Some(e.message));
    }
    let (name, account) = (f.name.clone(), f.account_id.clone());
    let taken = with_store(state, move |store| {
        Ok(store.sources()?.into_iter().find(|s| s.name == name || s.account_id.as_str() == account))
    })
    .await?;
    Ok(taken.map(|s| {
        if s.name == f.name {
            format!("A source named {} exists already.", s.name)
        } else {
            format!("Account {} is already the source {}.", s.account_id, s.name)
        }
    }))
}

/// "invalid source name ..." → "Invalid source name ...".
fn sentence(message: &str) -> String {
    let mut c = message.chars();
    let first = c.next().map(|f| f.to_uppercase().collect::<String>()).unwrap_or_default();
    let mut s = first + c.as_str();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// Step 2 (and "Update link", and "Back" to step 1).
pub(crate) async fn review(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    body: Bytes,
) -> UiResult {
    let fields = form(&body);
    let mut f = Fields::from_form(&fields, &state);
    if fields.contains_key("edit") {
        return Ok(step_one(&state, &viewer, &f, None));
    }
    if let Some(problem) = problems(&state, &f).await? {
        return Ok(step_one(&state, &viewer, &f, Some(&problem)));
    }
    if f.external_id.is_empty() {
        f.external_id = palisade_onboard::generate_external_id().map_err(|e| {
            tracing::error!(error = %e, "generating an external id");
            UiError::from(ApiError::internal())
        })?;
    }
    if f.template_url.is_empty() {
        f.template_url = TEMPLATE_URL.to_string();
    }
    let role_arn = palisade_onboard::default_role_arn(&f.account_id);
    let link =
        quick_create_url(CONSOLE_REGION, &f.template_url, &f.palisade_account_id, &f.external_id, DEFAULT_ROLE_NAME);
    let mut h = String::from("<div class=\"page-head\"><h1>Add Account</h1></div>");
    h.push_str(&steps(2));
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/sources\" class=\"stack\" id=\"wizard\">{}{}\
         <button type=\"submit\" formaction=\"/sources/new\" class=\"sr-only\" tabindex=\"-1\" aria-hidden=\"true\">Update</button>\
         <dl class=\"facts\"><dt>Name</dt><dd>{}</dd><dt>AWS Account ID</dt><dd class=\"mono\">{}</dd><dt>Label</dt><dd><span class=\"label\">{}</span></dd>\
         <dt>Regions</dt><dd>{}</dd><dt>Options</dt><dd>{}</dd><dt>Role</dt><dd class=\"mono\">{}</dd>\
         <dt>External ID</dt><dd><code id=\"external-id\">{}</code> <button type=\"button\" class=\"link\" data-copy=\"#external-id\">Copy</button></dd></dl>\
         <section class=\"step-box\" aria-labelledby=\"role-h\"><h2 id=\"role-h\">1. Create the read-only role in account {}</h2>\
         <p>The template creates <code>{DEFAULT_ROLE_NAME}</code>: SecurityAudit and ViewOnlyAccess, an inline policy with exactly the read actions those miss, and a trust to account <span class=\"mono\">{}</span> that requires the External ID. It grants no data-plane reads.</p>\
         <p><button type=\"submit\" formaction=\"/sources/new/template\" id=\"download-template\">Download role template (JSON)</button></p>\
         <p>Deploy it with <code>aws cloudformation deploy --stack-name Palisade-ReadOnly --capabilities CAPABILITY_NAMED_IAM --template-file palisade-readonly-role-{}.json</code>, or upload it to S3 and use the quick-create link:</p>\
         <div class=\"field\"><label for=\"template_url\">Template URL (where you uploaded it)</label><div class=\"inline\"><input id=\"template_url\" name=\"template_url\" value=\"{}\" type=\"url\" class=\"mono grow\"><button type=\"submit\" formaction=\"/sources/new\">Update link</button></div></div>\
         <p><a id=\"quick-create\" class=\"button\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">Open quick-create link in the AWS console</a></p></section>",
        csrf_field(&viewer.csrf),
        f.hidden(),
        esc(&f.name),
        esc(&f.account_id),
        esc(&f.label),
        if f.regions.is_empty() { "every enabled region".to_string() } else { esc(&f.regions) },
        options_text(&f),
        esc(&role_arn),
        esc(&f.external_id),
        esc(&f.account_id),
        esc(&f.palisade_account_id),
        esc(&f.account_id),
        esc(&f.template_url),
        esc(&link)
    );
    let mut n = 2;
    if f.realtime {
        let queue = state
            .queue_arn
            .clone()
            .unwrap_or_else(|| format!("arn:aws:sqs:{CONSOLE_REGION}:{}:palisade-events", f.palisade_account_id));
        let _ = write!(
            h,
            "<section class=\"step-box\" aria-labelledby=\"rt-h\"><h2 id=\"rt-h\">{n}. Real-time events: the StackSet</h2>\
             <p>Download the three templates into one folder, then follow the steps.{}</p><p class=\"buttons-left\">",
            if state.queue_arn.is_none() {
                " This server runs without an event queue (<code>palisade serve --queue-url</code>): the queue ARN below is a placeholder for yours."
            } else {
                ""
            }
        );
        for file in REALTIME_FILES {
            let _ = write!(
                h,
                "<button type=\"submit\" formaction=\"/sources/new/realtime/{file}\" data-file=\"{file}\">Download {file}</button> "
            );
        }
        let _ = write!(
            h,
            "</p><pre class=\"instructions\" id=\"realtime-instructions\">{}</pre></section>",
            esc(&realtime_instructions(&f.palisade_account_id, &queue, "."))
        );
        n += 1;
    }
    if f.remediation {
        let _ = write!(
            h,
            "<section class=\"step-box\" aria-labelledby=\"rem-h\"><h2 id=\"rem-h\">{n}. Automatic remediation: the remediation role</h2>\
             <p>Fixes run through a separate role with exactly the write actions of the enabled fixes. After saving, generate and deploy it: \
             <code>palisade onboard remediation-role --source {}</code>.</p></section>",
            esc(&f.name)
        );
        n += 1;
    }
    let _ = write!(
        h,
        "<section class=\"step-box\" aria-labelledby=\"save-h\"><h2 id=\"save-h\">{n}. Save the source</h2>\
         <p>Palisade starts its baseline scan as soon as the source is saved (the scheduler picks it up within one tick). \
         If the role does not exist yet, that scan fails and the next scheduled one tries again.</p>\
         <div class=\"buttons\"><button type=\"submit\" name=\"edit\" value=\"1\" formaction=\"/sources/new\">Back</button>\
         <button type=\"submit\" class=\"primary\" id=\"save-source\">Save Source</button></div></section></form>"
    );
    Ok(Page { title: "Add Account", nav: Nav::Sources, viewer: &viewer, notice: None, body: h }.render())
}

fn options_text(f: &Fields) -> String {
    let mut o = Vec::new();
    if f.realtime {
        o.push("Real-time events");
    }
    if f.remediation {
        o.push("Automatic remediation");
    }
    if o.is_empty() {
        "none".into()
    } else {
        esc(&o.join(", "))
    }
}

fn attachment(name: &str, doc: &serde_json::Value) -> Result<Response, UiError> {
    let text = serde_json::to_string_pretty(doc).map_err(|_| UiError::from(ApiError::internal()))? + "\n";
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        text,
    )
        .into_response())
}

/// The read-only role template for the wizard's account, as a download.
pub(crate) async fn download_role(State(state): State<ServerState>, body: Bytes) -> UiResult {
    let f = Fields::from_form(&form(&body), &state);
    f.check_palisade_account()?;
    let account = AccountId::new(f.account_id.clone())
        .map_err(|_| UiError::from(ApiError::bad_request("The AWS account ID must be exactly 12 digits.")))?;
    if f.external_id.is_empty() {
        return Err(ApiError::bad_request("The wizard lost its External ID: start again.").into());
    }
    let doc = role_template(
        &scanner_actions(),
        &RoleTemplateOptions {
            palisade_account_id: &f.palisade_account_id,
            external_id: &f.external_id,
            role_name: DEFAULT_ROLE_NAME,
        },
    );
    attachment(&format!("palisade-readonly-role-{account}.json"), &doc)
}

const REALTIME_FILES: [&str; 3] =
    ["realtime-stackset.json", "stackset-administrator-role.json", "stackset-execution-role.json"];

/// One of the real-time StackSet templates, as a download.
pub(crate) async fn download_realtime(Path(file): Path<String>) -> UiResult {
    let t = realtime_templates();
    let doc = match file.as_str() {
        "realtime-stackset.json" => t.stackset,
        "stackset-administrator-role.json" => t.administrator_role,
        "stackset-execution-role.json" => t.execution_role,
        _ => return Err(ApiError::not_found("No such template.").into()),
    };
    attachment(&file, &doc)
}

/// Step 3: saves the source and goes to its page, where its baseline scan shows.
pub(crate) async fn save(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    body: Bytes,
) -> UiResult {
    let f = Fields::from_form(&form(&body), &state);
    if f.external_id.is_empty() {
        return Ok(step_one(
            &state,
            &viewer,
            &f,
            Some("The wizard lost its External ID: check the fields and press Next."),
        ));
    }
    if let Some(problem) = problems(&state, &f).await? {
        return Ok(step_one(&state, &viewer, &f, Some(&problem)));
    }
    let (source, _) = f.source()?;
    let saved = match save_source(&state, source).await {
        Ok(s) => s,
        Err(e) if e.status == StatusCode::CONFLICT => {
            return Ok(step_one(&state, &viewer, &f, Some(&sentence(&e.message))))
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(source = %saved.name, account = %saved.account_id, "source added in the web ui");
    Ok(Redirect::to(&format!("/sources/{}?notice=source_added", super::html::enc(&saved.name))).into_response())
}
