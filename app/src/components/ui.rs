//! Small pieces every page uses: dates, expiry badges, copy buttons, empty states.

use leptos::{prelude::*, task::spawn_local};

/// Now, in Unix seconds (the browser's clock; `SystemTime` panics on wasm32).
pub fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// `YYYY-MM-DD` (UTC) for Unix seconds.
pub fn date(unix: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let iso: String = d.to_iso_string().into();
    iso.chars().take(10).collect()
}

/// Whole days from now until `unix` (negative when past).
pub fn days_until(unix: i64) -> i64 {
    (unix - now_unix()).div_euclid(86_400)
}

/// "expires in N days" with a badge: expired, expiring within 30 days, or valid.
#[component]
pub fn ExpiryBadge(not_after: i64) -> impl IntoView {
    let days = days_until(not_after);
    let (class, text) = if days < 0 {
        ("badge danger", "Expired".to_owned())
    } else if days <= 30 {
        ("badge warning", format!("Expires in {days} days"))
    } else {
        ("badge ok", format!("Valid · {days} days left"))
    };
    view! { <span class=class data-days=days.to_string()>{text}</span> }
}

/// A value in monospace with a button that copies it to the clipboard.
#[component]
pub fn CopyValue(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(into)] id: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = value.clone();
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            let ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok();
            copied.set(ok);
            gloo_timers::future::TimeoutFuture::new(1500).await;
            copied.set(false);
        });
    };
    let aria = format!("Copy {label}");
    view! {
        <div class="copy-row">
            <span class="copy-label">{label}</span>
            <code class="mono" id=id>{value}</code>
            <button class="button small" type="button" aria-label=aria on:click=copy>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}

/// A page heading with an optional line under it.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(into, default = String::new())] lead: String,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            {(!lead.is_empty()).then(|| view! { <p class="muted">{lead}</p> })}
        </header>
    }
}

/// Loading line for a resource that has not answered yet.
#[component]
pub fn Loading(#[prop(into)] what: String) -> impl IntoView {
    view! {
        <p class="status" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {what}
        </p>
    }
}

/// Shown when a page needs a team and there is none yet.
#[component]
pub fn NoTeam() -> impl IntoView {
    view! {
        <section class="empty-state">
            <h2>"You are not in a team yet"</h2>
            <p>"Create a team first, or open an invitation link a team admin sent you."</p>
            <a class="button primary" href="/teams">"Create a team"</a>
        </section>
    }
}
