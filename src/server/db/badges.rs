//! A workspace's badge templates. Ticket names and fields are stored as JSON arrays of text:
//! they are read and written whole, never queried inside.

use super::{Db, DbError};
use crate::domain::badge::{BadgeField, BadgeTemplate, LabelSize};
use crate::domain::WorkspaceId;
use crate::server::{new_id, now_ms};
use sqlx::AnyPool;

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: String,
    name: String,
    is_default: i64,
    ticket_names: String,
    label_size: LabelSize,
    fields: String,
}

impl TemplateRow {
    fn template(self) -> Result<BadgeTemplate, DbError> {
        let corrupt = |what, value: &str| DbError::Corrupt {
            what,
            value: value.to_string(),
        };
        let ticket_names: Vec<String> = serde_json::from_str(&self.ticket_names)
            .map_err(|_| corrupt("badge ticket names", &self.ticket_names))?;
        let names: Vec<String> = serde_json::from_str(&self.fields)
            .map_err(|_| corrupt("badge fields", &self.fields))?;
        // A field this version does not know (written by a newer one) is left off the badge.
        let fields = names.iter().filter_map(|f| BadgeField::parse(f)).collect();
        Ok(BadgeTemplate {
            id: self.id,
            name: self.name,
            is_default: self.is_default != 0,
            ticket_names,
            size: self.label_size,
            fields,
        })
    }
}

/// The workspace's templates: its Default badge first, then the variants by name.
pub async fn list(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
) -> Result<Vec<BadgeTemplate>, DbError> {
    let rows: Vec<TemplateRow> = sqlx::query_as(
        "SELECT id, name, is_default, ticket_names, label_size, fields FROM badge_templates
         WHERE workspace_id = $1 ORDER BY is_default DESC, name, id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TemplateRow::template).collect()
}

/// Saves a validated template: the Default badge (one per workspace, made on its first save)
/// or a variant, new when its id is empty. Returns its id; `None` when the id names no
/// template of this workspace.
pub async fn save(
    db: &Db,
    workspace_id: &WorkspaceId,
    template: &BadgeTemplate,
) -> Result<Option<String>, DbError> {
    let tickets = serde_json::to_string(&template.ticket_names).expect("strings serialise");
    let fields: Vec<&str> = template.fields.iter().map(|f| f.as_str()).collect();
    let fields = serde_json::to_string(&fields).expect("strings serialise");
    let now = now_ms();
    let _turn = db.write_turn().await;
    if template.is_default {
        let id = new_id();
        sqlx::query(
            "INSERT INTO badge_templates
                (id, workspace_id, name, is_default, ticket_names, label_size, fields, updated_at)
             VALUES ($1, $2, $3, 1, '[]', $4, $5, $6)
             ON CONFLICT (workspace_id) WHERE is_default = 1
             DO UPDATE SET name = excluded.name, label_size = excluded.label_size,
                fields = excluded.fields, updated_at = excluded.updated_at",
        )
        .bind(&id)
        .bind(workspace_id)
        .bind(&template.name)
        .bind(template.size)
        .bind(&fields)
        .bind(now)
        .execute(&db.pool)
        .await?;
        return Ok(sqlx::query_scalar(
            "SELECT id FROM badge_templates WHERE workspace_id = $1 AND is_default = 1",
        )
        .bind(workspace_id)
        .fetch_optional(&db.pool)
        .await?);
    }
    if template.id.is_empty() {
        let id = new_id();
        sqlx::query(
            "INSERT INTO badge_templates
                (id, workspace_id, name, is_default, ticket_names, label_size, fields, updated_at)
             VALUES ($1, $2, $3, 0, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(workspace_id)
        .bind(&template.name)
        .bind(&tickets)
        .bind(template.size)
        .bind(&fields)
        .bind(now)
        .execute(&db.pool)
        .await?;
        return Ok(Some(id));
    }
    let done = sqlx::query(
        "UPDATE badge_templates SET name = $3, ticket_names = $4, label_size = $5, fields = $6,
            updated_at = $7
         WHERE workspace_id = $1 AND id = $2 AND is_default = 0",
    )
    .bind(workspace_id)
    .bind(&template.id)
    .bind(&template.name)
    .bind(&tickets)
    .bind(template.size)
    .bind(&fields)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok((done.rows_affected() == 1).then(|| template.id.clone()))
}

/// Deletes a variant; false when no variant of this workspace has the id (the Default badge
/// cannot be deleted, only edited).
pub async fn delete(db: &Db, workspace_id: &WorkspaceId, id: &str) -> Result<bool, DbError> {
    let _turn = db.write_turn().await;
    let done = sqlx::query(
        "DELETE FROM badge_templates WHERE workspace_id = $1 AND id = $2 AND is_default = 0",
    )
    .bind(workspace_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
