//! Apps, assignments and the metadata every reader may list (members with any role, robot
//! tokens within their scope), plus the trash. None of these need the vault's keys: they are
//! [`Api`] calls, usable with a session token, a robot token or a [`Session`].

use signet_core::wire::{
    Page,
    app::{AppInfo, AppRequest, AssignRequest, Assignment},
    credential::CredentialInfo,
    robot::RobotWhoami,
    team::TeamInfo,
};

use crate::http::{Api, ClientError};

impl Api {
    /// The signed-in user's teams.
    pub async fn teams(&self) -> Result<Vec<TeamInfo>, ClientError> {
        self.get("/teams").await
    }

    /// A team's apps (a robot token sees the apps in its scope).
    pub async fn apps(&self, team_id: &str) -> Result<Vec<AppInfo>, ClientError> {
        self.get(&format!("/teams/{team_id}/apps")).await
    }

    /// One app.
    pub async fn app(&self, team_id: &str, app_id: &str) -> Result<AppInfo, ClientError> {
        self.get(&format!("/teams/{team_id}/apps/{app_id}")).await
    }

    /// Creates an app (developers and up).
    pub async fn create_app(
        &self,
        team_id: &str,
        app: &AppRequest,
    ) -> Result<AppInfo, ClientError> {
        self.post(&format!("/teams/{team_id}/apps"), app).await
    }

    /// Renames an app or changes its Android package and iOS targets (developers and up).
    pub async fn update_app(
        &self,
        team_id: &str,
        app_id: &str,
        app: &AppRequest,
    ) -> Result<AppInfo, ClientError> {
        self.put(&format!("/teams/{team_id}/apps/{app_id}"), app)
            .await
    }

    /// Deletes an app and its assignments (admins); its credentials stay in the team.
    pub async fn delete_app(&self, team_id: &str, app_id: &str) -> Result<(), ClientError> {
        self.delete::<(), ()>(&format!("/teams/{team_id}/apps/{app_id}"), None)
            .await
    }

    /// Which credentials an app uses, in every slot (platform × profile × target).
    pub async fn assignments(
        &self,
        team_id: &str,
        app_id: &str,
    ) -> Result<Vec<Assignment>, ClientError> {
        self.get(&format!("/teams/{team_id}/apps/{app_id}/assignments"))
            .await
    }

    /// Puts a credential in a slot (as its kind's default when `is_default`); returns the
    /// app's assignments afterwards. This sends `request` as it is: while the app has robot
    /// tokens with cards, the server refuses it (409 `robot_grants_missing`) unless it carries
    /// their wraps — [`crate::Session::assign`] makes them.
    pub async fn assign(
        &self,
        team_id: &str,
        app_id: &str,
        request: &AssignRequest,
    ) -> Result<Vec<Assignment>, ClientError> {
        self.put(
            &format!("/teams/{team_id}/apps/{app_id}/assignments"),
            request,
        )
        .await
    }

    /// Every credential's metadata (all pages), or every one in the trash. Robot tokens get
    /// the credentials granted to them; viewers get no wrapped keys.
    pub async fn credentials(
        &self,
        team_id: &str,
        deleted: bool,
    ) -> Result<Vec<CredentialInfo>, ClientError> {
        let mut all = Vec::new();
        let mut after = String::new();
        loop {
            let page: Page<CredentialInfo> = self
                .get(&format!(
                    "/teams/{team_id}/credentials?deleted={deleted}&limit=1000&after={after}"
                ))
                .await?;
            all.extend(page.entries);
            match page.next {
                Some(next) => after = next,
                None => return Ok(all),
            }
        }
    }

    /// One credential's metadata.
    pub async fn credential(
        &self,
        team_id: &str,
        credential_id: &str,
    ) -> Result<CredentialInfo, ClientError> {
        self.get(&format!("/teams/{team_id}/credentials/{credential_id}"))
            .await
    }

    /// Moves a credential to the trash (developers and up); `restore_credential` undoes it.
    /// One that an app uses is refused: a 409 with code
    /// [`signet_core::wire::credential::IN_USE_CODE`] whose message names each use.
    pub async fn trash_credential(
        &self,
        team_id: &str,
        credential_id: &str,
    ) -> Result<(), ClientError> {
        self.delete::<(), ()>(
            &format!("/teams/{team_id}/credentials/{credential_id}"),
            None,
        )
        .await
    }

    /// [`Api::trash_credential`] even though apps use it (the person confirmed, having been
    /// shown where it is used).
    pub async fn trash_credential_in_use(
        &self,
        team_id: &str,
        credential_id: &str,
    ) -> Result<(), ClientError> {
        self.delete::<(), ()>(
            &format!("/teams/{team_id}/credentials/{credential_id}?confirm_in_use=true"),
            None,
        )
        .await
    }

    /// Takes a credential out of the trash.
    pub async fn restore_credential(
        &self,
        team_id: &str,
        credential_id: &str,
    ) -> Result<(), ClientError> {
        self.post(
            &format!("/teams/{team_id}/credentials/{credential_id}/restore"),
            &serde_json::json!({}),
        )
        .await
    }

    /// Deletes a trashed credential for good (admins).
    pub async fn purge_credential(
        &self,
        team_id: &str,
        credential_id: &str,
    ) -> Result<(), ClientError> {
        self.delete::<(), ()>(
            &format!("/teams/{team_id}/credentials/{credential_id}/purge"),
            None,
        )
        .await
    }

    /// Revokes a robot token (admins).
    pub async fn revoke_robot(&self, team_id: &str, robot_id: &str) -> Result<(), ClientError> {
        self.delete::<(), ()>(&format!("/teams/{team_id}/robots/{robot_id}"), None)
            .await
    }

    /// What the presented robot token may do (its team and apps).
    pub async fn robot_whoami(&self) -> Result<RobotWhoami, ClientError> {
        self.get("/robot/whoami").await
    }
}
