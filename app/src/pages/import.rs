//! `/apps/:id/import`: migrate existing credentials into an app from an EAS bundle — a zip
//! with `credentials.json` and the files it names, or `credentials.json` plus the files
//! picked one by one.
//!
//! Everything is checked in this browser first, as `signet push` checks it on disk (the same
//! [`signet_core::eas::import`] plan and [`signet_core::eas::doctor`] checks): the keystore
//! opens with its passwords and holds the alias, the `.p12` opens, the profile parses, lists
//! the certificate and covers the app's bundle id. The page shows every check and what it
//! found; only when nothing failed may the person confirm. Then each credential is encrypted
//! here, uploaded, and made its slot's default. If an upload fails half-way, what was already
//! uploaded goes to the trash, so a failed import leaves nothing in use.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_params_map;
use signet_core::{
    eas::{
        CredentialsJson,
        doctor::{Report, Status, diagnose},
        import::{self, BundleFiles, ImportItem},
    },
    readiness::default_in_slot,
    wire::{
        Permission,
        app::{AppInfo, AssignRequest, Platform},
        credential::CredentialKind,
    },
    zip,
};
use wasm_bindgen::JsCast;

use crate::{
    api::{self, ApiError},
    components::ui::{Loading, PageHeader, now_unix},
    pages::auth::{Busy, BusyLine, Gate, paint},
    pages::credentials::kind_name,
    state::AppState,
};

/// The build profile imports go to (EAS's default; `signet push --profile` picks others).
const PROFILE: &str = "production";

/// `/apps/:id/import`.
#[component]
pub fn ImportPage() -> impl IntoView {
    view! {
        <Gate>
            <ImportLoader />
        </Gate>
    }
}

#[component]
fn ImportLoader() -> impl IntoView {
    let state = AppState::get();
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let team = state.team();
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        async move {
            let team = team.ok_or_else(|| ApiError {
                status: None,
                code: None,
                message: "choose a team first".into(),
            })?;
            let role = state.fresh_role(&team).await?;
            let app = api::app(&team.id, &id).await?;
            Ok::<_, ApiError>((app, role))
        }
    });
    move || match data.get() {
        None => view! { <Loading what="Loading the app…" /> }.into_any(),
        Some(Err(e)) => view! { <crate::components::ui::LoadError e /> }.into_any(),
        Some(Ok((app, role))) if !role.may(Permission::EditCredentials) => view! {
            <PageHeader title=format!("Import into {}", app.name) />
            <p class="error-text" role="alert" id="import-not-allowed">
                "Viewers cannot import credentials: ask a team admin for the developer role."
            </p>
        }
        .into_any(),
        Some(Ok((app, _))) => view! { <ImportForm app /> }.into_any(),
    }
}

/// What a check found: the doctor's report, the credentials ready to store (empty when
/// something failed) and, per credential, the stored one it duplicates.
#[derive(Debug)]
struct Checked {
    report: Option<Report>,
    items: Vec<ImportItem>,
    reuse: Vec<Option<(String, String)>>,
    /// Every item is already stored and already its slot's default in this app: there is
    /// nothing to import.
    in_place: bool,
    problem: Option<String>,
    files: Vec<String>,
}

impl Checked {
    fn failed(problem: String) -> Self {
        Self {
            report: None,
            items: Vec::new(),
            reuse: Vec::new(),
            in_place: false,
            problem: Some(problem),
            files: Vec::new(),
        }
    }

    fn ready(&self) -> bool {
        self.problem.is_none() && !self.items.is_empty()
    }
}

/// Larger than any credentials bundle: refused before the tab reads it into memory.
const MAX_FILE_BYTES: f64 = (32 << 20) as f64;

/// Every file picked in `input`, with its name.
async fn picked(input: &web_sys::HtmlInputElement) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let Some(list) = input.files() else {
        return Ok(out);
    };
    for i in 0..list.length() {
        let Some(file) = list.get(i) else { continue };
        if file.size() > MAX_FILE_BYTES {
            return Err(format!(
                "{} is {:.0} MB, far larger than a credentials bundle: choose the zip with \
                 credentials.json and its few files",
                file.name(),
                file.size() / 1e6
            ));
        }
        let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
            .await
            .map_err(|_| format!("{} could not be read", file.name()))?;
        out.push((file.name(), js_sys::Uint8Array::new(&buffer).to_vec()));
    }
    Ok(out)
}

/// Unpacks and checks the chosen files against `app`; never uploads.
async fn check(
    keys: Option<api::Keys>,
    app: &AppInfo,
    team: &str,
    zip_files: Vec<(String, Vec<u8>)>,
    json_files: Vec<(String, Vec<u8>)>,
    other_files: Vec<(String, Vec<u8>)>,
) -> Checked {
    let (json, files) = match (zip_files.into_iter().next(), json_files.into_iter().next()) {
        (Some((name, bytes)), None) => {
            match zip::read(&bytes, &zip::Limits::CREDENTIALS).and_then(BundleFiles::from_zip) {
                Ok(found) => found,
                Err(e) => {
                    return Checked::failed(format!("{name}: {e}. Nothing was uploaded."));
                }
            }
        }
        (None, Some((_, json))) => match BundleFiles::from_picked(other_files) {
            Ok(files) => (json, files),
            Err(e) => return Checked::failed(format!("{e}. Nothing was uploaded.")),
        },
        (Some(_), Some(_)) => {
            return Checked::failed(
                "choose either a zip or credentials.json with its files, not both".into(),
            );
        }
        (None, None) => {
            return Checked::failed(
                "choose a zip, or credentials.json and the files it names".into(),
            );
        }
    };
    let mut checked = Checked::failed(String::new());
    checked.files = files.paths().map(str::to_owned).collect();
    let bundle = match CredentialsJson::from_json(&json) {
        Ok(b) => b,
        Err(e) => {
            checked.problem = Some(format!("{e}. Nothing was uploaded."));
            return checked;
        }
    };
    if let Err(e) = import::check_targets(&bundle, app) {
        checked.problem = Some(format!("{e}. Nothing was uploaded."));
        return checked;
    }
    let expected = import::expected_bundle_ids(app, bundle.ios.as_ref());
    let report = match diagnose(&bundle, |p| files.read(p), &expected, now_unix()) {
        Ok(r) => r,
        Err(e) => {
            checked.problem = Some(format!("{e}. Nothing was uploaded."));
            return checked;
        }
    };
    let passed = report.passed();
    let failures = report.count(Status::Failed);
    checked.report = Some(report);
    if !passed {
        checked.problem = Some(format!(
            "{failures} check{} failed (marked ✗ below): fix {} and check again. Nothing was \
             uploaded.",
            if failures == 1 { "" } else { "s" },
            if failures == 1 { "it" } else { "them" },
        ));
        return checked;
    }
    let items = match import::plan(&bundle, |p| files.read(p), &app.name) {
        Ok(items) => items,
        Err(e) => {
            checked.problem = Some(format!("{e}. Nothing was uploaded."));
            return checked;
        }
    };
    let Some(keys) = keys else {
        return Checked::failed("sign in again".into());
    };
    // Reuse is decided from metadata: only from credentials whose author's signature holds.
    let existing = match api::verified_credentials(&keys, team, false).await {
        Ok(list) => list,
        Err(e) => {
            checked.problem = Some(e.to_string());
            return checked;
        }
    };
    checked.reuse = items
        .iter()
        .map(|item| import::same_as(&existing, item).map(|c| (c.id.clone(), c.label.clone())))
        .collect();
    let assignments = match api::assignments(team, &app.id).await {
        Ok(list) => list,
        Err(e) => {
            checked.problem = Some(e.to_string());
            return checked;
        }
    };
    checked.in_place = items.iter().zip(&checked.reuse).all(|(item, reuse)| {
        reuse.as_ref().is_some_and(|(id, _)| {
            default_in_slot(
                &assignments,
                |_| true,
                item.platform,
                PROFILE,
                &item.target,
                item.payload.kind(),
            )
            .is_some_and(|a| a.credential_id == *id)
        })
    });
    checked.items = items;
    checked.problem = None;
    checked
}

/// Encrypts and uploads what `checked` holds, then assigns each as its slot's default. An
/// upload failing half-way moves what this import already uploaded to the trash.
async fn store(state: AppState, app: &AppInfo, checked: &Checked) -> Result<usize, String> {
    let keys = state.keys_untracked().ok_or("sign in again")?;
    // The app's team, even if the team switcher moved since the check.
    let team = app.team_id.clone();
    let key = state
        .team_key(&keys, &team)
        .await
        .map_err(|e| e.to_string())?;
    let mut ids: Vec<String> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    // (kind, identity, id) of what this import stored: another target of the same bundle
    // may carry the same certificate.
    let mut stored: Vec<(CredentialKind, String, String)> = Vec::new();
    for (item, reuse) in checked.items.iter().zip(&checked.reuse) {
        let kind = item.payload.kind();
        let ident = identity(item);
        let earlier = stored
            .iter()
            .find(|(k, i, _)| *k == kind && Some(i) == ident.as_ref())
            .map(|(_, _, id)| id.clone());
        let id = match (reuse, earlier) {
            (Some((id, _)), _) => id.clone(),
            (None, Some(id)) => id,
            (None, None) => {
                match api::create_credential(&keys, &team, &key, &item.label, &item.payload).await {
                    Ok(c) => {
                        created.push(c.id.clone());
                        c.id
                    }
                    Err(e) => {
                        let undone = undo(&team, &created).await;
                        return Err(format!("{}: {e}. {undone}", item.file));
                    }
                }
            }
        };
        if let Some(ident) = ident {
            stored.push((kind, ident, id.clone()));
        }
        ids.push(id);
    }
    for (item, id) in checked.items.iter().zip(&ids) {
        let request = AssignRequest {
            platform: item.platform,
            profile: PROFILE.to_owned(),
            target: item.target.clone(),
            credential_id: id.clone(),
            is_default: true,
            robot_grants: Vec::new(),
        };
        if let Err(e) = api::assign_slot(&keys, &team, &app.id, &request).await {
            let undone = undo(&team, &created).await;
            return Err(format!("assigning {}: {e}. {undone}", item.label));
        }
    }
    Ok(created.len())
}

fn identity(item: &ImportItem) -> Option<String> {
    ["uuid", "sha256"].iter().find_map(|k| {
        item.metadata
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    })
}

/// Moves the credentials this import created to the trash; says what happened.
async fn undo(team: &str, created: &[String]) -> String {
    let mut left = 0;
    for id in created {
        if api::trash_credential_in_use(team, id).await.is_err() {
            left += 1;
        }
    }
    match (created.len(), left) {
        (0, _) => "Nothing was uploaded.".into(),
        (n, 0) => format!(
            "The {n} credential{} uploaded before the failure went to the trash; nothing is in use.",
            if n == 1 { "" } else { "s" }
        ),
        (_, left) => format!(
            "{left} credential{} uploaded before the failure could not be moved to the trash: \
             remove {} on the Credentials page.",
            if left == 1 { "" } else { "s" },
            if left == 1 { "it" } else { "them" }
        ),
    }
}

#[component]
fn ImportForm(app: AppInfo) -> impl IntoView {
    let state = AppState::get();
    let zip_ref = NodeRef::<leptos::html::Input>::new();
    let json_ref = NodeRef::<leptos::html::Input>::new();
    let files_ref = NodeRef::<leptos::html::Input>::new();
    let checked = RwSignal::new(None::<Arc<Checked>>);
    let check_busy = RwSignal::new(Busy::Idle);
    let import_busy = RwSignal::new(Busy::Idle);
    let done = RwSignal::new(false);
    let app = Arc::new(app);

    let check_app = app.clone();
    let on_check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if check_busy.get_untracked().is_working() {
            return;
        }
        let input = |r: NodeRef<leptos::html::Input>| {
            r.get_untracked()
                .map(|i| i.unchecked_into::<web_sys::HtmlInputElement>())
        };
        let (Some(zip_in), Some(json_in), Some(files_in)) =
            (input(zip_ref), input(json_ref), input(files_ref))
        else {
            return;
        };
        let Some(team) = state.team_id.get_untracked() else {
            return;
        };
        let app = check_app.clone();
        checked.set(None);
        done.set(false);
        import_busy.set(Busy::Idle);
        check_busy.set(Busy::Working(
            "Opening and checking every file in your browser…".into(),
        ));
        spawn_local(async move {
            let read = async {
                Ok::<_, String>((
                    picked(&zip_in).await?,
                    picked(&json_in).await?,
                    picked(&files_in).await?,
                ))
            };
            let (zips, jsons, others) = match read.await {
                Ok(files) => files,
                Err(e) => {
                    check_busy.set(Busy::Failed(e));
                    return;
                }
            };
            paint().await;
            let result = check(state.keys_untracked(), &app, &team, zips, jsons, others).await;
            check_busy.set(if result.ready() {
                Busy::Done(
                    "Everything checks out. Review what will be imported, then confirm.".into(),
                )
            } else {
                Busy::Idle
            });
            checked.set(Some(Arc::new(result)));
        });
    };

    let import_app = app.clone();
    let on_import = move |_| {
        let Some(found) = checked.get_untracked() else {
            return;
        };
        if import_busy.get_untracked().is_working() || !found.ready() {
            return;
        }
        let app = import_app.clone();
        import_busy.set(Busy::Working(
            "Encrypting in your browser and uploading…".into(),
        ));
        spawn_local(async move {
            match store(state, &app, &found).await {
                Ok(new) => {
                    let total = found.items.len();
                    done.set(true);
                    import_busy.set(Busy::Done(format!(
                        "Imported {total} credential{} into {} ({new} uploaded, {} already stored \
                         and reused); each is now its slot's default for the {PROFILE} profile.",
                        if total == 1 { "" } else { "s" },
                        app.name,
                        total - new,
                    )));
                }
                Err(e) => import_busy.set(Busy::Failed(e)),
            }
        });
    };

    let back = format!("/apps/{}", app.id);
    view! {
        <PageHeader
            title=format!("Import credentials into {}", app.name)
            lead="Migrate from EAS or local builds: everything is checked and encrypted in this browser before anything is uploaded."
        />
        <p><a href=back.clone() id="import-back">"← Back to " {app.name.clone()}</a></p>
        <form class="card form" id="import-form" on:submit=on_check>
            <h2>"1. Choose the bundle"</h2>
            <p class="muted">
                "A zip with credentials.json and the files it names (as signet pull, eas "
                "credentials or this dashboard's download lay them out: credentials/android/"
                "keystore.jks, credentials/ios/dist-cert.p12, credentials/ios/"
                "profile.mobileprovision)…"
            </p>
            <label for="import-zip">"Bundle zip"</label>
            <input id="import-zip" type="file" accept=".zip,application/zip" node_ref=zip_ref />
            <p class="muted">"…or credentials.json and its files, picked one by one (matched by file name):"</p>
            <label for="import-json">"credentials.json"</label>
            <input id="import-json" type="file" accept=".json,application/json" node_ref=json_ref />
            <label for="import-files">"The files it names (keystore, .p12, .mobileprovision)"</label>
            <input id="import-files" type="file" multiple node_ref=files_ref />
            <button id="import-check" class="button" type="submit" disabled=move || check_busy.get().is_working()>
                "Check files"
            </button>
            <BusyLine state=check_busy id="import-check-status" />
        </form>
        {move || checked.get().map(|found| {
            let ready = found.ready();
            let (back, on_import) = (back.clone(), on_import.clone());
            view! {
                <section class="card" aria-labelledby="import-found-title" id="import-found">
                    <h2 id="import-found-title">"2. What was found"</h2>
                    {found.problem.clone().map(|p| view! {
                        <p class="error-text" role="alert" id="import-problem">{crate::components::ui::sentence(&p)}</p>
                    })}
                    {(!found.files.is_empty()).then(|| view! {
                        <p class="muted" id="import-files-found">
                            "Files: " {found.files.join(", ")}
                        </p>
                    })}
                    {found.report.clone().map(|r| view! { <ReportTable report=r /> })}
                    {ready.then(|| view! { <ItemTable found=found.clone() /> })}
                </section>
                {(ready && found.in_place).then(|| view! {
                    <section class="card" aria-labelledby="import-confirm-title" id="import-nothing">
                        <h2 id="import-confirm-title">"3. Nothing to import"</h2>
                        <p>
                            "Everything in this bundle is already stored and is this app's default "
                            "for the " {PROFILE} " profile."
                        </p>
                        <p><a class="button" href=back.clone()>"Open the app"</a></p>
                    </section>
                })}
                {(ready && !found.in_place).then(move || {
                    let all_stored = found.reuse.iter().all(Option::is_some);
                    view! {
                    <section class="card" aria-labelledby="import-confirm-title">
                        <h2 id="import-confirm-title">"3. Import"</h2>
                        <p class="muted">
                            {if all_stored {
                                "Everything is already stored: nothing is encrypted or uploaded \
                                 again; each becomes the default of its slot ("
                            } else {
                                "Each credential is encrypted here under the team key, uploaded, and \
                                 made the default of its slot ("
                            }}
                            {PROFILE} " profile), as signet push does."
                        </p>
                        <button
                            id="import-confirm"
                            class="button primary"
                            type="button"
                            on:click=on_import
                            disabled=move || import_busy.get().is_working() || done.get()
                        >
                            {if all_stored { "Make them this app's defaults" } else { "Encrypt and import" }}
                        </button>
                        <BusyLine state=import_busy id="import-status" />
                        {move || done.get().then(|| view! {
                            <p><a class="button" id="import-done-link" href=back.clone()>"Open the app"</a></p>
                        })}
                    </section>
                    }
                })}
            }
        })}
    }
}

/// The doctor's checks, one row each, with what to do for warnings and failures.
#[component]
fn ReportTable(report: Report) -> impl IntoView {
    view! {
        <table class="table" id="import-report">
            <caption class="visually-hidden">"Checks"</caption>
            <thead>
                <tr>
                    <th scope="col">"Credentials"</th>
                    <th scope="col">"Check"</th>
                    <th scope="col">"Result"</th>
                </tr>
            </thead>
            <tbody>
                {report
                    .checks
                    .into_iter()
                    .map(|c| {
                        let (class, mark) = match c.status {
                            Status::Ok => ("badge ok", "✓ ok"),
                            Status::Warning => ("badge warning", "⚠ warning"),
                            Status::Failed => ("badge danger", "✗ failed"),
                            Status::Skipped => ("badge", "– not checked"),
                        };
                        let status = format!("{:?}", c.status).to_lowercase();
                        view! {
                            <tr class="check-row" data-status=status>
                                <td>{c.scope}</td>
                                <td>{c.check.label()}</td>
                                <td>
                                    <span class=class>{mark}</span> " " {c.message}
                                    {c.fix.map(|f| view! { <br /><span class="muted">"→ " {f}</span> })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// The credentials the import will store, and where each goes.
#[component]
fn ItemTable(found: Arc<Checked>) -> impl IntoView {
    let rows: Vec<_> = found
        .items
        .iter()
        .zip(&found.reuse)
        .map(|(item, reuse)| {
            let slot = match (item.platform, item.target.as_str()) {
                (Platform::Android, _) => "Android".to_owned(),
                (_, "") => "iOS".to_owned(),
                (_, t) => format!("iOS · {t}"),
            };
            let identity = identity(item).unwrap_or_default();
            let action = match reuse {
                Some((_, label)) => format!("already stored as “{label}”: reused"),
                None => "new: encrypted and uploaded".to_owned(),
            };
            (
                kind_name(item.payload.kind().as_str()),
                item.label.clone(),
                item.file.clone(),
                slot,
                identity,
                action,
            )
        })
        .collect();
    view! {
        <table class="table" id="import-items">
            <caption class="visually-hidden">"Credentials to import"</caption>
            <thead>
                <tr>
                    <th scope="col">"Credential"</th>
                    <th scope="col">"File"</th>
                    <th scope="col">"Slot"</th>
                    <th scope="col">"Import"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|(kind, label, file, slot, identity, action)| view! {
                        <tr class="import-item">
                            <td>
                                <strong>{label}</strong><br />
                                <span class="muted">{kind}</span><br />
                                <code class="mono small">{identity}</code>
                            </td>
                            <td><code class="mono">{file}</code></td>
                            <td>{slot}</td>
                            <td>{action}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
