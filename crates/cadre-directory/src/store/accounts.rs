//! User accounts.

use cadre_platform::{ApiError, DbConn, auth::DataScope, clock};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Lookup, schema::accounts};
use crate::domain::codes::{AccountKind, AccountState, Clearance, Role, join_codes};

/// An account as the directory keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Person or service.
    pub kind: AccountKind,
    /// Linked cadre.
    pub cadre_id: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Scope root.
    pub scope_unit_id: Option<String>,
    /// Clearances.
    pub clearances: Vec<Clearance>,
    /// External subject.
    pub external_subject: Option<String>,
    /// State.
    pub state: AccountState,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = accounts, treat_none_as_null = true)]
struct AccountRow {
    id: String,
    username: String,
    display_name: String,
    kind: String,
    cadre_id: Option<String>,
    roles: String,
    scope_unit_id: Option<String>,
    clearances: String,
    external_subject: Option<String>,
    state: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn split_codes<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    text.split(',').filter(|s| !s.is_empty()).map(parse).collect()
}

impl AccountRow {
    fn from_domain(account: &Account) -> Self {
        Self {
            id: account.id.clone(),
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            kind: account.kind.code().to_owned(),
            cadre_id: account.cadre_id.clone(),
            roles: join_codes(&account.roles, Role::code),
            scope_unit_id: account.scope_unit_id.clone(),
            clearances: join_codes(&account.clearances, Clearance::code),
            external_subject: account.external_subject.clone(),
            state: account.state.code().to_owned(),
            version: account.version,
            created_at: account.created_at,
            updated_at: account.updated_at,
        }
    }

    fn into_domain(self) -> Result<Account, ApiError> {
        let corrupt = || ApiError::internal(format!("account {}: stored codes are not valid", self.id));
        Ok(Account {
            kind: AccountKind::from_code(&self.kind).ok_or_else(corrupt)?,
            roles: split_codes(&self.roles, Role::from_code).ok_or_else(corrupt)?,
            clearances: split_codes(&self.clearances, Clearance::from_code).ok_or_else(corrupt)?,
            state: AccountState::from_code(&self.state).ok_or_else(corrupt)?,
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            cadre_id: self.cadre_id,
            scope_unit_id: self.scope_unit_id,
            external_subject: self.external_subject,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

fn unique_clash(error: diesel::result::Error) -> ApiError {
    let error = ApiError::from(error);
    if error.code() != tonic::Code::AlreadyExists {
        return error;
    }
    if format!("{error:?}").contains("external_subject") {
        ApiError::already_exists("ACCOUNT_SUBJECT_TAKEN", "another account has this external subject")
            .with_violation("account.external_subject", "already used")
    } else {
        ApiError::already_exists("USERNAME_TAKEN", "the username is taken")
            .with_violation("account.username", "already used")
    }
}

/// Inserts an account; id, version and times are assigned here.
pub fn insert(conn: &mut DbConn, mut account: Account) -> Result<Account, ApiError> {
    let now = clock::now();
    account.id = super::new_id();
    account.version = 1;
    account.created_at = now;
    account.updated_at = now;
    diesel::insert_into(accounts::table)
        .values(&AccountRow::from_domain(&account))
        .execute(conn)
        .map_err(unique_clash)?;
    Ok(account)
}

/// Stores a changed account if it is still at `current_version`.
pub fn update(conn: &mut DbConn, mut account: Account, current_version: i64) -> Result<Account, ApiError> {
    account.version = current_version + 1;
    account.updated_at = clock::now();
    let touched =
        diesel::update(accounts::table.find(&account.id).filter(accounts::version.eq(current_version)))
            .set(&AccountRow::from_domain(&account))
            .execute(conn)
            .map_err(unique_clash)?;
    if touched == 0 {
        return Err(ApiError::aborted("CONCURRENT_CHANGE", "the account changed meanwhile; read it again"));
    }
    Ok(account)
}

/// How an account is looked up.
#[derive(Debug, Clone, Copy)]
pub enum AccountKey<'a> {
    /// By id.
    Id(&'a str),
    /// By username.
    Username(&'a str),
    /// By external subject.
    ExternalSubject(&'a str),
}

/// An account by key.
pub fn find(conn: &mut DbConn, key: AccountKey<'_>) -> Result<Option<Account>, ApiError> {
    let query = accounts::table.select(AccountRow::as_select()).into_boxed();
    let query = match key {
        AccountKey::Id(id) => query.filter(accounts::id.eq(id.to_owned())),
        AccountKey::Username(name) => query.filter(accounts::username.eq(name.to_owned())),
        AccountKey::ExternalSubject(sub) => query.filter(accounts::external_subject.eq(sub.to_owned())),
    };
    query.first(conn).optional()?.map(AccountRow::into_domain).transpose()
}

/// An account by id as `scope` sees it: all of them for district-wide roles, otherwise only one's own
/// (the same rule [`list`] applies in SQL).
pub fn lookup(conn: &mut DbConn, id: &str, scope: &DataScope) -> Result<Lookup<Account>, ApiError> {
    Ok(match find(conn, AccountKey::Id(id))? {
        None => Lookup::Absent,
        Some(account) if scope.is_district() || scope.own_account() == Some(account.id.as_str()) => {
            Lookup::Found(account)
        }
        Some(_) => Lookup::Hidden,
    })
}

/// A page of the accounts in `scope` ordered by username after `after`, optionally holding `role`.
pub fn list(
    conn: &mut DbConn,
    role: Option<Role>,
    scope: &DataScope,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<Account>, ApiError> {
    let mut query =
        accounts::table.select(AccountRow::as_select()).order(accounts::username.asc()).into_boxed();
    if !scope.is_district() {
        query = query.filter(accounts::id.nullable().eq(scope.own_account().map(str::to_owned)));
    }
    if let Some(after) = after {
        query = query.filter(accounts::username.gt(after));
    }
    let rows: Vec<AccountRow> = match role {
        // The LIKE narrows the scan in SQL; the exact check below keeps a code that merely contains another
        // from matching.
        Some(role) => query.filter(accounts::roles.like(format!("%{}%", role.code()))).load(conn)?,
        None => query.limit(limit).load(conn)?,
    };
    let mut accounts = rows.into_iter().map(AccountRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    if let Some(role) = role {
        accounts.retain(|a| a.roles.contains(&role));
        accounts.truncate(usize::try_from(limit).unwrap_or(0));
    }
    Ok(accounts)
}
