//! Signing in, signing up and unlocking. Keys are derived here, in the browser (Argon2id with
//! the default 64 MiB / 3 passes), while the page shows that it is working; the password and
//! the keys never leave this tab and are never written to any storage.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use signet_core::{
    vault::strength::estimate,
    wire::account::{SessionResponse, SignupMode, SignupPolicyInfo},
};

use crate::{
    api::{self, InviteLink, Keys},
    components::ui::{CopyButton, sentence},
    state::{AppState, AuthState, Said},
};

/// Lets the browser paint a "working" state before CPU-heavy work blocks the thread.
pub async fn paint() {
    gloo_timers::future::TimeoutFuture::new(40).await;
}

/// Where an async form stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busy {
    /// Waiting for input.
    Idle,
    /// Working; the text says on what.
    Working(String),
    /// Failed; the text says why and what to do.
    Failed(String),
    /// Finished; the text says what happened.
    Done(String),
}

impl Busy {
    /// Whether a submit should be ignored.
    pub fn is_working(&self) -> bool {
        matches!(self, Busy::Working(_))
    }
}

/// The line under a form: a spinner while working, the error when it failed, what happened
/// when it is done — until another action starts anywhere on the page ([`AppState::actions`]):
/// then a "done" line is stale and hidden. Errors stay until their form is used again.
#[component]
pub fn BusyLine(state: RwSignal<Busy>, #[prop(into)] id: String) -> impl IntoView {
    let app = AppState::get();
    // Each start of work here is an action: other lines' "done" goes.
    Effect::new(move |was_working: Option<bool>| {
        let working = state.with(Busy::is_working);
        if working && was_working != Some(true) {
            app.actions.update(|n| *n += 1);
        }
        working
    });
    // What "done" said, as of the action that finished.
    let done = Said::<String>::new();
    Effect::new(move || match state.get() {
        Busy::Done(what) => done.say(what),
        _ => done.clear(),
    });
    view! {
        <div aria-live="polite" id=id>
            {move || match state.get() {
                Busy::Idle | Busy::Done(_) => {
                    done.current()
                        .map(|what| {
                            view! {
                                <p class="status success" role="status">
                                    {what}
                                </p>
                            }
                        })
                        .into_any()
                }
                Busy::Working(what) => {
                    view! {
                        <p class="status" role="status">
                            <span class="spinner" aria-hidden="true"></span>
                            {what}
                        </p>
                    }
                        .into_any()
                }
                Busy::Failed(why) => {
                    view! {
                        <p class="status error-text" role="alert">
                            {sentence(&why)}
                        </p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// A labelled text input bound to `value`.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into, default = "text".to_owned())] kind: String,
    #[prop(into, default = String::new())] autocomplete: String,
    #[prop(optional)] required: bool,
    #[prop(into, default = String::new())] placeholder: String,
) -> impl IntoView {
    let for_id = id.clone();
    view! {
        <label for=for_id>{label}</label>
        <input
            id=id
            type=kind
            autocomplete=autocomplete
            placeholder=placeholder
            required=required
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

/// Shown instead of any page that needs keys: sign in, sign up, or unlock. `invited`: the
/// page's address is an invitation link (`/invite/ID#SECRET`), which a sign-up presents to
/// an invite-only server.
#[component]
pub fn Gate(children: ChildrenFn, #[prop(optional)] invited: bool) -> impl IntoView {
    let state = AppState::get();
    view! {
        {move || match state.auth.get() {
            AuthState::Checking => {
                view! {
                    <p class="status" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        "Checking your session…"
                    </p>
                }
                    .into_any()
            }
            AuthState::SignedOut => view! { <SignedOut invited /> }.into_any(),
            AuthState::Locked(me) => view! { <Unlock me /> }.into_any(),
            AuthState::Unlocked(_) => children().into_any(),
        }}
    }
}

/// The server's sign-up policy: `None` while it loads, `Some(None)` when it cannot be read.
type Policy = Signal<Option<Option<SignupPolicyInfo>>>;

/// Sign in, sign up or recover, with the server's sign-up policy read once.
#[component]
fn SignedOut(invited: bool) -> impl IntoView {
    // Most people who open an invitation are new: the invitation page starts at sign-up.
    let signing_up = RwSignal::new(invited);
    let recovering = RwSignal::new(false);
    // Unreadable (an older server): offer sign-up and let the server decide.
    let policy = LocalResource::new(|| async { api::signups().await.ok() });
    let policy: Policy = Signal::derive(move || policy.get());
    view! {
        {move || {
            if recovering.get() {
                view! { <Recover recovering /> }.into_any()
            } else if signing_up.get() {
                view! { <SignUp signing_up invited policy /> }.into_any()
            } else {
                view! { <SignIn signing_up recovering invited policy /> }.into_any()
            }
        }}
    }
}

/// Whether the sign-up form is worth showing: a bare sign-up would be accepted, or this one
/// comes with an invitation an invite-only server takes.
fn may_sign_up(policy: Option<&SignupPolicyInfo>, invited: bool) -> bool {
    policy.is_none_or(|p| p.open_now || (invited && p.mode == SignupMode::InviteOnly))
}

/// Who may sign up here, in a sentence or two; nothing for a server open to anyone.
fn policy_text(p: &SignupPolicyInfo, invited: bool) -> Option<String> {
    let who = match p.mode {
        SignupMode::Closed => {
            Some("Sign-up is closed on this server: only existing accounts can sign in.".to_owned())
        }
        SignupMode::InviteOnly if p.open_now => Some(
            "This server has no account yet: the first one may sign up, then sign-up is by \
             invitation."
                .to_owned(),
        ),
        SignupMode::InviteOnly if invited => {
            Some("Sign-up is by invitation: this invitation lets you create an account.".into())
        }
        SignupMode::InviteOnly => Some(
            "Sign-up is by invitation: ask an admin of your team for an invitation link.".into(),
        ),
        SignupMode::Open => None,
    };
    let domains = (!p.allowed_domains.is_empty() && p.mode != SignupMode::Closed).then(|| {
        let listed: Vec<String> = p.allowed_domains.iter().map(|d| format!("@{d}")).collect();
        format!("Only {} addresses can sign up.", listed.join(", "))
    });
    match (who, domains) {
        (None, None) => None,
        (Some(w), None) => Some(w),
        (None, Some(d)) => Some(d),
        (Some(w), Some(d)) => Some(format!("{w} {d}")),
    }
}

/// The sign-up policy line, when there is something to say.
#[component]
fn SignupPolicy(policy: Policy, invited: bool) -> impl IntoView {
    move || {
        policy
            .get()
            .flatten()
            .and_then(|p| policy_text(&p, invited))
            .map(|text| view! { <p class="muted" id="signup-policy">{text}</p> })
    }
}

/// Email + password → keys derived here → signed in.
#[component]
fn SignIn(
    signing_up: RwSignal<bool>,
    recovering: RwSignal<bool>,
    invited: bool,
    policy: Policy,
) -> impl IntoView {
    let state = AppState::get();
    // The key derivation the form starts loads while the person types, with its memory for
    // the default parameters (most accounts'; other parameters allocate their own).
    spawn_local(async {
        api::__preload_login().await;
        gloo_timers::future::TimeoutFuture::new(50).await;
        api::prepare_kdf(signet_core::vault::kdf::KdfParams::DEFAULT).await;
    });
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() {
            return;
        }
        busy.set(Busy::Working(
            "Deriving your keys in this browser (Argon2id)…".into(),
        ));
        let (e, p) = (email.get_untracked(), password.get_untracked());
        spawn_local(async move {
            paint().await;
            match api::login(e.trim().to_owned(), p).await {
                Ok(keys) => {
                    password.set(String::new());
                    busy.set(Busy::Idle);
                    state.signed_in(keys).await;
                }
                Err(err) => busy.set(Busy::Failed(err.to_string())),
            }
        });
    };
    view! {
        <section class="auth card" aria-labelledby="signin-title">
            <h1 id="signin-title">"Sign in"</h1>
            <p class="muted">
                "Your password never leaves this browser: it unlocks your keys here."
            </p>
            <form class="form" on:submit=submit id="signin-form">
                <Field id="signin-email" label="Email" value=email kind="email" autocomplete="username" required=true />
                <Field
                    id="signin-password"
                    label="Password"
                    value=password
                    kind="password"
                    autocomplete="current-password"
                    required=true
                />
                <button
                    id="signin-submit"
                    class="button primary"
                    type="submit"
                    disabled=move || busy.get().is_working()
                >
                    "Sign in"
                </button>
            </form>
            <BusyLine state=busy id="signin-status" />
            <SignupPolicy policy invited />
            <Show when=move || {
                policy.with(|p| p.as_ref().is_some_and(|p| may_sign_up(p.as_ref(), invited)))
            }>
                <p>
                    "New to Signet? "
                    <button id="show-signup" class="link-button" type="button" on:click=move |_| signing_up.set(true)>
                        "Create an account"
                    </button>
                </p>
            </Show>
            <p>
                "Forgot your password? "
                <button id="show-recover" class="link-button" type="button" on:click=move |_| recovering.set(true)>
                    "Use your recovery code"
                </button>
            </p>
        </section>
    }
}

/// Email + recovery code + a new password → the same keys, unlocked, and signed in.
#[component]
fn Recover(recovering: RwSignal<bool>) -> impl IntoView {
    let state = AppState::get();
    spawn_local(api::__preload_recover());
    // Signed in, waiting until the new recovery code is confirmed as saved.
    let pending: RwSignal<Option<(Keys, String)>> = RwSignal::new(None);
    on_cleanup(move || drop(state.saving_code_for.try_set(None)));
    let saved = RwSignal::new(false);
    let finish = move |()| {
        if let Some((keys, _)) = pending.get_untracked() {
            pending.set(None);
            state.saving_code_for.set(None);
            recovering.set(false);
            spawn_local(state.signed_in(keys));
        }
    };
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() {
            return;
        }
        let (e, c, p) = (
            email.get_untracked(),
            code.get_untracked(),
            password.get_untracked(),
        );
        if p.chars().count() < 10 {
            busy.set(Busy::Failed(
                "choose a password of at least 10 characters".into(),
            ));
            return;
        }
        if p != confirm.get_untracked() {
            busy.set(Busy::Failed("the two passwords differ".into()));
            return;
        }
        busy.set(Busy::Working(
            "Opening your keys with the recovery code and deriving keys for the new password…"
                .into(),
        ));
        spawn_local(async move {
            paint().await;
            match api::recover(e.trim().to_owned(), c, p).await {
                Ok((keys, next)) => {
                    code.set(String::new());
                    password.set(String::new());
                    confirm.set(String::new());
                    busy.set(Busy::Idle);
                    state.saving_code_for.set(Some(keys.user.email.clone()));
                    pending.set(Some((keys, next.dangerously_display().to_string())));
                }
                Err(err) => busy.set(Busy::Failed(err.to_string())),
            }
        });
    };
    let form = move || {
        view! {
            <section class="auth card" aria-labelledby="recover-title">
                <h1 id="recover-title">"Recover your account"</h1>
                <p class="muted">
                    "Your recovery code opens your keys here, in the browser; then choose a new "
                    "password. Every other session is signed out."
                </p>
                <form class="form" on:submit=submit id="recover-form">
                    <Field id="recover-email" label="Email" value=email kind="email" autocomplete="username" required=true />
                    <Field id="recover-code" label="Recovery code" value=code autocomplete="off" required=true placeholder="XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" />
                    <Field id="recover-password" label="New password (at least 10 characters)" value=password kind="password" autocomplete="new-password" required=true />
                    <Field id="recover-confirm" label="Repeat the new password" value=confirm kind="password" autocomplete="new-password" required=true />
                    <button id="recover-submit" class="button primary" type="submit" disabled=move || busy.get().is_working()>
                        "Recover and sign in"
                    </button>
                </form>
                <BusyLine state=busy id="recover-status" />
                <button class="link-button" type="button" on:click=move |_| recovering.set(false)>
                    "Back to sign in"
                </button>
            </section>
        }
    };
    move || match pending.get() {
        Some((keys, code)) => view! {
            <section class="auth card" aria-labelledby="new-recovery-title">
                <h1 id="new-recovery-title">"Your new recovery code"</h1>
                <RecoveryCodeCard
                    code
                    email=keys.user.email.clone()
                    intro="The code you just used no longer works: this one replaces it. \
                           Store it as safely as the last one."
                    saved
                    on_continue=Callback::new(finish)
                />
            </section>
        }
        .into_any(),
        None => form().into_any(),
    }
}

/// Email + password twice → every key generated here → the recovery code, shown once.
#[component]
fn SignUp(signing_up: RwSignal<bool>, invited: bool, policy: Policy) -> impl IntoView {
    let state = AppState::get();
    spawn_local(api::__preload_register());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    // The new account waits here until the recovery code is confirmed as saved.
    let pending: RwSignal<Option<(Keys, String)>> = RwSignal::new(None);
    on_cleanup(move || drop(state.saving_code_for.try_set(None)));
    let saved = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() {
            return;
        }
        let (e, p) = (email.get_untracked(), password.get_untracked());
        if p.chars().count() < 10 {
            busy.set(Busy::Failed(
                "choose a password of at least 10 characters".into(),
            ));
            return;
        }
        if p != confirm.get_untracked() {
            busy.set(Busy::Failed("the two passwords differ".into()));
            return;
        }
        busy.set(Busy::Working(
            "Deriving keys in this browser (Argon2id, 64 MiB) and generating your key pairs…"
                .into(),
        ));
        spawn_local(async move {
            paint().await;
            // The invitation is read from the address bar again, so its secret is held no
            // longer than this sign-up.
            let invite = invited
                .then(|| {
                    let href = window().location().href().unwrap_or_default();
                    InviteLink::parse(&href)
                })
                .transpose();
            let result = match invite {
                Ok(invite) => api::register(e.trim().to_owned(), p, invite).await,
                Err(err) => Err(api::ApiError::from(err)),
            };
            match result {
                Ok((keys, code)) => {
                    password.set(String::new());
                    confirm.set(String::new());
                    busy.set(Busy::Idle);
                    state.saving_code_for.set(Some(keys.user.email.clone()));
                    pending.set(Some((keys, code.dangerously_display().to_string())));
                }
                Err(err) => busy.set(Busy::Failed(err.to_string())),
            }
        });
    };
    let finish = move |()| {
        if let Some((keys, _)) = pending.get_untracked() {
            pending.set(None);
            state.saving_code_for.set(None);
            spawn_local(state.signed_in(keys));
        }
    };

    view! {
        <section class="auth card" aria-labelledby="signup-title">
            {move || match pending.get() {
                Some((keys, code)) => {
                    view! {
                        <h1 id="signup-title">"Save your recovery code"</h1>
                        <RecoveryCodeCard
                            code
                            email=keys.user.email.clone()
                            intro="If you forget your password, this code is the only way back into \
                                   your account. Signet cannot reset it for you: the server never \
                                   sees your keys."
                            saved
                            on_continue=Callback::new(finish)
                        />
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <h1 id="signup-title">"Create your account"</h1>
                        <p class="muted">
                            "Your keys are generated and encrypted in this browser. "
                            "The server only ever stores ciphertext."
                        </p>
                        <SignupPolicy policy invited />
                        <form class="form" on:submit=submit id="signup-form">
                            <Field id="signup-email" label="Email" value=email kind="email" autocomplete="username" required=true />
                            <Field
                                id="signup-password"
                                label="Password (at least 10 characters)"
                                value=password
                                kind="password"
                                autocomplete="new-password"
                                required=true
                            />
                            <PasswordStrength password />
                            <Field
                                id="signup-confirm"
                                label="Repeat the password"
                                value=confirm
                                kind="password"
                                autocomplete="new-password"
                                required=true
                            />
                            <button
                                id="signup-submit"
                                class="button primary"
                                type="submit"
                                disabled=move || busy.get().is_working()
                            >
                                "Create account"
                            </button>
                        </form>
                        <BusyLine state=busy id="signup-status" />
                        <p>
                            "Already have an account? "
                            <button id="show-signin" class="link-button" type="button" on:click=move |_| signing_up.set(false)>
                                "Sign in"
                            </button>
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// A meter of how guessable the password being chosen looks
/// ([`signet_core::vault::strength`]), with what to do about it. Advice only: the form
/// refuses only fewer than 10 characters.
#[component]
fn PasswordStrength(password: RwSignal<String>) -> impl IntoView {
    move || {
        let p = password.get();
        (!p.is_empty()).then(|| {
            let s = estimate(&p);
            view! {
                <div class="strength" id="signup-strength" data-score=s.score().to_string()>
                    <meter
                        min="0"
                        max="4"
                        low="1.5"
                        high="2.5"
                        optimum="4"
                        value=s.score().to_string()
                        aria-label="Password strength"
                    ></meter>
                    <span>{format!("{} · {}", s.word(), sentence(s.advice()))}</span>
                </div>
            }
        })
    }
}

/// The session survived a reload, the keys did not: ask for the password.
#[component]
fn Unlock(me: Arc<SessionResponse>) -> impl IntoView {
    let state = AppState::get();
    let params = me.keys.kdf_params;
    spawn_local(async move {
        api::__preload_unlock().await;
        // Once the form has painted: Argon2id's memory, so "Unlock" does not wait for it.
        gloo_timers::future::TimeoutFuture::new(50).await;
        api::prepare_kdf(params).await;
    });
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(Busy::Idle);
    let email = me.user.email.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_working() {
            return;
        }
        busy.set(Busy::Working("Unlocking your keys (Argon2id)…".into()));
        let p = password.get_untracked();
        let me = me.clone();
        spawn_local(async move {
            paint().await;
            match api::unlock((*me).clone(), p).await {
                Ok(keys) => {
                    password.set(String::new());
                    busy.set(Busy::Idle);
                    state.signed_in(keys).await;
                }
                Err(err) => busy.set(Busy::Failed(err.to_string())),
            }
        });
    };
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = api::logout().await;
            state.forget();
        });
    };
    view! {
        <section class="auth card" aria-labelledby="unlock-title">
            <h1 id="unlock-title">"Unlock your keys"</h1>
            <p class="muted">
                "You are signed in as " <strong id="unlock-email">{email}</strong>
                ". Your keys are kept only in this tab's memory, so after a reload they need "
                "your password again."
            </p>
            <form class="form" on:submit=submit id="unlock-form">
                <Field
                    id="unlock-password"
                    label="Password"
                    value=password
                    kind="password"
                    autocomplete="current-password"
                    required=true
                />
                <button
                    id="unlock-submit"
                    class="button primary"
                    type="submit"
                    disabled=move || busy.get().is_working()
                >
                    "Unlock"
                </button>
            </form>
            <BusyLine state=busy id="unlock-status" />
            <button class="link-button" type="button" on:click=sign_out>
                "Sign out instead"
            </button>
        </section>
    }
}

/// A recovery code shown once: Copy, Download as a text file, Print, and Continue only
/// after the person says it is stored.
#[component]
fn RecoveryCodeCard(
    code: String,
    email: String,
    intro: &'static str,
    saved: RwSignal<bool>,
    on_continue: Callback<()>,
) -> impl IntoView {
    let text = format!(
        "Signet recovery code for {email}\n\n{code}\n\nIt opens your account's keys if you forget \
         your password. Keep it offline and private; using it replaces it with a new one.\n"
    );
    let status = RwSignal::new(Busy::Idle);
    let download = move |_| {
        status.set(
            match crate::download::save_as(
                "signet-recovery-code.txt",
                text.as_bytes(),
                "text/plain",
            ) {
                Ok(()) => Busy::Done("Saved as signet-recovery-code.txt.".into()),
                Err(e) => Busy::Failed(e),
            },
        );
    };
    let print = move |_| {
        if window().print().is_err() {
            status.set(Busy::Failed("the browser would not print".into()));
        }
    };
    view! {
        <div class="recovery-card printable">
            <p>{intro} " It is shown " <strong>"only this once"</strong> "."</p>
            <pre class="recovery-code" id="recovery-code">{code.clone()}</pre>
            <div class="recovery-actions">
                <CopyButton label="recovery code" text=code />
                <button id="recovery-download" class="button small" type="button" on:click=download>
                    "Download as a text file"
                </button>
                <button id="recovery-print" class="button small" type="button" on:click=print>
                    "Print"
                </button>
            </div>
            <BusyLine state=status id="recovery-status" />
            <label class="check">
                <input
                    id="recovery-saved"
                    type="checkbox"
                    prop:checked=move || saved.get()
                    on:change=move |ev| saved.set(event_target_checked(&ev))
                />
                "I have stored my recovery code somewhere safe"
            </label>
            <button
                id="recovery-continue"
                class="button primary"
                type="button"
                disabled=move || !saved.get()
                on:click=move |_| on_continue.run(())
            >
                "Continue"
            </button>
        </div>
    }
}
