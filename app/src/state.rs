//! What the whole dashboard shares (through `provide_context`): who is signed in, their keys
//! (in memory only: never in local or session storage, gone on reload), the current team and
//! the team keys opened so far.

use std::{collections::HashMap, sync::Arc};

use leptos::prelude::*;
use signet_core::{
    vault::team_key::TeamKey,
    wire::{Role, account::SessionResponse, team::TeamInfo},
};

use crate::api::{self, ApiError, Keys};

/// Where the session stands.
#[derive(Debug, Clone)]
pub enum AuthState {
    /// Asking the server whether the cookie carries a session.
    Checking,
    /// No session: sign in or sign up.
    SignedOut,
    /// A session (the cookie survived a reload) but the keys are not in memory: ask for the
    /// password.
    Locked(Arc<SessionResponse>),
    /// Signed in with the keys unlocked (boxed: a session is large next to the other states).
    Unlocked(Box<Keys>),
}

/// The shared state. `Copy`: every field is an arena handle.
#[derive(Debug, Clone, Copy)]
pub struct AppState {
    /// The session.
    pub auth: RwSignal<AuthState>,
    /// The caller's teams (refreshed after sign-in and after changes).
    pub teams: RwSignal<Vec<TeamInfo>>,
    /// The team the pages show.
    pub team_id: RwSignal<Option<String>>,
    /// Team keys opened in this page's lifetime, by team id.
    team_keys: StoredValue<HashMap<String, TeamKey>>,
    /// How many actions (a form's submit, a button's work) have started in this tab: a
    /// "done" line left by an earlier action is hidden once another starts, so no status
    /// line outlives its moment ([`crate::pages::auth::BusyLine`]).
    pub actions: RwSignal<u64>,
    /// The email of an account just made or recovered whose recovery code is on screen: the
    /// header names it (not "Sign in") until the person confirms they saved the code.
    pub saving_code_for: RwSignal<Option<String>>,
}

/// Something an action said ("Key generated in 120 ms.", a note about the default), shown
/// only until another action starts in this tab ([`AppState::actions`]): no status line
/// outlives its moment. Outlives refetches of the page that shows it.
pub struct Said<T: Send + Sync + 'static> {
    said: RwSignal<Option<(T, u64)>>,
    actions: RwSignal<u64>,
}

impl<T: Send + Sync + 'static> Clone for Said<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Said<T> {}

impl<T: Send + Sync + 'static> std::fmt::Debug for Said<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Said")
    }
}

impl<T: Clone + Send + Sync + 'static> Default for Said<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Send + Sync + 'static> Said<T> {
    /// Nothing said yet (in a component: it reads [`AppState`]).
    pub fn new() -> Self {
        Self {
            said: RwSignal::new(None),
            actions: AppState::get().actions,
        }
    }

    /// Says `value` now, as the latest action's outcome.
    pub fn say(&self, value: T) {
        self.said.set(Some((value, self.actions.get_untracked())));
    }

    /// Takes back what was said.
    pub fn clear(&self) {
        if self.said.with_untracked(Option::is_some) {
            self.said.set(None);
        }
    }

    /// What was said, while no other action started since (tracked).
    pub fn current(&self) -> Option<T> {
        let now = self.actions.get();
        self.said.with(|s| {
            s.as_ref()
                .filter(|(_, at)| *at == now)
                .map(|(v, _)| v.clone())
        })
    }
}

impl AppState {
    /// Fresh state; call [`AppState::check_session`] to learn whether a cookie is present.
    pub fn new() -> Self {
        Self {
            auth: RwSignal::new(AuthState::Checking),
            teams: RwSignal::new(Vec::new()),
            team_id: RwSignal::new(None),
            team_keys: StoredValue::new(HashMap::new()),
            actions: RwSignal::new(0),
            saving_code_for: RwSignal::new(None),
        }
    }

    /// The state provided by [`crate::App`].
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// The unlocked keys, if any (tracked).
    pub fn keys(&self) -> Option<Keys> {
        match self.auth.get() {
            AuthState::Unlocked(keys) => Some(*keys),
            _ => None,
        }
    }

    /// The unlocked keys, if any (untracked, for event handlers).
    pub fn keys_untracked(&self) -> Option<Keys> {
        match self.auth.get_untracked() {
            AuthState::Unlocked(keys) => Some(*keys),
            _ => None,
        }
    }

    /// Asks the server about the cookie's session.
    pub async fn check_session(self) {
        match api::me().await {
            Ok(Some(me)) => self.auth.set(AuthState::Locked(Arc::new(me))),
            Ok(None) | Err(_) => self.auth.set(AuthState::SignedOut),
        }
    }

    /// Keys are unlocked: remember them (in memory) and load the teams.
    pub async fn signed_in(self, keys: Keys) {
        self.auth.set(AuthState::Unlocked(Box::new(keys)));
        let _ = self.reload_teams().await;
    }

    /// Forgets the keys and team keys (after sign-out).
    pub fn forget(self) {
        self.team_keys.update_value(|m| m.clear());
        self.teams.set(Vec::new());
        self.team_id.set(None);
        self.auth.set(AuthState::SignedOut);
    }

    /// Reloads the team list, keeping the current team if it still exists.
    pub async fn reload_teams(self) -> Result<(), ApiError> {
        let teams = api::teams().await?;
        let current = self.team_id.get_untracked();
        // A team in the trash (its owners still see it, to restore it) is never the current one.
        let live = |t: &&TeamInfo| t.deleted_at.is_none();
        let keep = current
            .as_ref()
            .is_some_and(|id| teams.iter().filter(live).any(|t| &t.id == id));
        // A link from an alert names its team (`?team=…`): on the first load, open that team
        // when the member is in it, so the link works for members of several teams.
        let linked = current
            .is_none()
            .then(linked_team)
            .flatten()
            .filter(|id| teams.iter().filter(live).any(|t| &t.id == id));
        if let Some(id) = linked {
            self.team_id.set(Some(id));
        } else if !keep {
            self.team_id
                .set(teams.iter().find(live).map(|t| t.id.clone()));
        }
        self.teams.set(teams);
        Ok(())
    }

    /// The current team (tracked).
    pub fn team(&self) -> Option<TeamInfo> {
        let id = self.team_id.get()?;
        self.teams.with(|t| t.iter().find(|t| t.id == id).cloned())
    }

    /// The caller's role in `team` as the server says now (`GET /api/teams/{team}`). Pages
    /// read it before deciding which actions to offer ([`signet_core::wire::Permission`]):
    /// the team list was loaded at sign-in, and an admin may have changed the role since (a
    /// viewer must not be offered what the server will refuse). A changed team is written
    /// back to [`AppState::teams`] (only when it changed: pages track that list), so the
    /// switcher and the next page see it too; a 403 or 404 (removed, or the team trashed) is
    /// the caller's to show ([`crate::components::ui::LoadError`]).
    pub async fn fresh_role(self, team: &TeamInfo) -> Result<Role, ApiError> {
        let now = api::team(&team.id).await?;
        let role = now.role;
        let changed = self
            .teams
            .with_untracked(|teams| teams.iter().any(|t| t.id == now.id && *t != now));
        if changed {
            self.teams.update(|teams| {
                if let Some(t) = teams.iter_mut().find(|t| t.id == now.id) {
                    *t = now;
                }
            });
        }
        Ok(role)
    }

    /// The team key of `team_id`, fetched and opened once per page lifetime (again when the
    /// team's key version moved on).
    pub async fn team_key(self, keys: &Keys, team_id: &str) -> Result<TeamKey, ApiError> {
        let version = self
            .teams
            .with_untracked(|t| t.iter().find(|t| t.id == team_id).map(|t| t.key_version));
        if let Some(key) = self.team_keys.with_value(|m| m.get(team_id).cloned())
            && version.is_none_or(|v| v == key.version())
        {
            return Ok(key);
        }
        let key = api::team_key(keys, team_id).await?;
        self.team_keys
            .update_value(|m| drop(m.insert(team_id.to_owned(), key.clone())));
        Ok(key)
    }

    /// Remembers a team key just made (team creation, rotation).
    pub fn remember_team_key(self, team_id: &str, key: TeamKey) {
        self.team_keys
            .update_value(|m| drop(m.insert(team_id.to_owned(), key)));
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// The team a link names in its query (`?team=…`), if any.
fn linked_team() -> Option<String> {
    let search = window().location().search().ok()?;
    team_in_query(&search)
}

/// `team` from a query string such as `?team=abc&x=1`.
fn team_in_query(search: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("team="))
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .map(str::to_owned)
}
