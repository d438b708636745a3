//! Attendee rows. Sync writes only provider fields (the provider's own check-in among them,
//! in `provider_checked_in_at`); `is_vip`, `checked_in_*` are Lanyard's own and no statement
//! here touches them.

use super::DbError;
use crate::domain::mapping::AttendeeRecord;
use crate::domain::search::{search_text, search_words, trigram_query};
use crate::domain::AttendanceStatus;
use crate::domain::EventId;
use crate::server::{new_id, now_ms};
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// How one saved page changed the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageCounts {
    pub created: i64,
    pub updated: i64,
    pub cancelled: i64,
    pub unchanged: i64,
}

impl std::ops::AddAssign for PageCounts {
    fn add_assign(&mut self, o: PageCounts) {
        self.created += o.created;
        self.updated += o.updated;
        self.cancelled += o.cancelled;
        self.unchanged += o.unchanged;
    }
}

/// The provider fields of a stored row, compared with an incoming record to decide whether
/// it changed. The version (`provider_changed_at`) is kept apart: it orders writes and is
/// not content (Luma records carry the time they were read, new on every listing).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
struct Stored {
    email: Option<String>,
    first_name: String,
    last_name: String,
    company: Option<String>,
    job_title: Option<String>,
    ticket_name: Option<String>,
    barcode: Option<String>,
    status: String,
    provider_status: Option<String>,
    provider_checked_in_at: Option<i64>,
}

impl Stored {
    /// The stored row as a record again, to describe what an incoming copy changes.
    fn record(&self, provider_attendee_id: &str) -> AttendeeRecord {
        AttendeeRecord {
            provider_attendee_id: provider_attendee_id.to_string(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company: self.company.clone(),
            job_title: self.job_title.clone(),
            ticket_name: self.ticket_name.clone(),
            barcode: self.barcode.clone(),
            status: AttendanceStatus::parse(&self.status).unwrap_or(AttendanceStatus::Attending),
            provider_status: self.provider_status.clone(),
            provider_changed_at: None,
            provider_checked_in_at: self.provider_checked_in_at,
        }
    }

    fn of(r: &AttendeeRecord) -> Stored {
        Stored {
            email: r.email.clone(),
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            company: r.company.clone(),
            job_title: r.job_title.clone(),
            ticket_name: r.ticket_name.clone(),
            barcode: r.barcode.clone(),
            status: r.status.as_str().to_string(),
            provider_status: r.provider_status.clone(),
            provider_checked_in_at: r.provider_checked_in_at,
        }
    }
}

/// A stored row as read before a write: its content and its version.
#[derive(sqlx::FromRow)]
struct StoredRow {
    #[sqlx(flatten)]
    content: Stored,
    #[sqlx(rename = "provider_changed_at")]
    version: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    provider_attendee_id: String,
    #[sqlx(flatten)]
    stored: StoredRow,
}

/// Whether `incoming` is an older copy of what is stored (an import page fetched before a
/// webhook was applied): such a record is never written. Unknown versions never block.
fn is_older(incoming: Option<i64>, stored: Option<i64>) -> bool {
    matches!((incoming, stored), (Some(new), Some(old)) if new < old)
}

/// What the database holds for a page's attendees, keyed by provider attendee id.
pub struct Existing(HashMap<String, StoredRow>);

impl Existing {
    /// Nothing stored yet (a first import into an empty event).
    pub fn none() -> Existing {
        Existing(HashMap::new())
    }

    /// Adds what was read for another page of the same batch.
    pub fn extend(&mut self, other: Existing) {
        self.0.extend(other.0);
    }
}

/// Reads the stored rows of a page's attendees. Done before the page's write transaction:
/// on SQLite (WAL) a transaction that reads and then writes fails with SQLITE_BUSY when
/// another connection wrote in between, while one that starts with a write simply waits
/// its turn. The read only decides counts and which rows to skip; the upsert is correct
/// whatever it saw.
pub async fn existing(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    records: &[AttendeeRecord],
) -> Result<Existing, DbError> {
    if records.is_empty() {
        return Ok(Existing(HashMap::new()));
    }
    let placeholders: Vec<String> = (0..records.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT provider_attendee_id, email, first_name, last_name, company, job_title, ticket_name, barcode,
                status, provider_status, provider_checked_in_at, provider_changed_at
         FROM attendees WHERE event_id = $1 AND provider_attendee_id IN ({})",
        placeholders.join(", ")
    );
    // Not a prepared statement: PostgreSQL would keep a generic plan chosen while the table
    // was small (a scan of the whole event) and a large resync would turn quadratic.
    let mut query = sqlx::query_as::<_, ExistingRow>(&sql)
        .bind(event_id)
        .persistent(false);
    for r in records {
        query = query.bind(&r.provider_attendee_id);
    }
    let existing: HashMap<String, StoredRow> = query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| (row.provider_attendee_id, row.stored))
        .collect();
    Ok(Existing(existing))
}

/// An import batch's transaction, holding the turn to write (SQLite) until it ends.
pub struct Batch {
    pub tx: Transaction<'static, Any>,
    _turn: super::WriteTurn,
}

impl Batch {
    pub async fn commit(self) -> Result<(), DbError> {
        Ok(self.tx.commit().await?)
    }
}

/// Opens the transaction an import batch is written in, once it is this writer's turn. On
/// PostgreSQL its commit does not wait for the WAL flush: a database crash may then lose the
/// last batches, but each batch carries the job's checkpoint, so the resumed import re-reads
/// exactly what was lost.
pub async fn begin_batch(db: &super::Db) -> Result<Batch, DbError> {
    let turn = db.write_turn().await;
    let tx = match db.backend {
        super::Backend::Postgres => {
            let mut tx = db.pool.begin().await?;
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
            tx
        }
        // Writing from its first statement: a deferred transaction that read first could not
        // take the write lock once another connection (a job's heartbeat) had committed, and
        // SQLite answers that at once with "database is locked", without waiting.
        super::Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
    };
    Ok(Batch { tx, _turn: turn })
}

/// Upserts records (one page or a batch of pages) by provider attendee id inside the
/// caller's transaction, writing only rows that are new or changed since `existing` was read.
pub async fn upsert_page<'r>(
    tx: &mut Transaction<'_, Any>,
    event_id: &EventId,
    records: impl IntoIterator<Item = &'r AttendeeRecord>,
    existing: &Existing,
) -> Result<PageCounts, DbError> {
    let existing = &existing.0;
    let mut counts = PageCounts::default();
    let mut writes = Vec::new();
    let mut changes = Vec::new();
    for r in records {
        match existing.get(&r.provider_attendee_id) {
            None => {
                counts.created += 1;
                writes.push(r);
            }
            Some(old) if is_older(r.provider_changed_at, old.version) => counts.unchanged += 1,
            Some(old) if old.content == Stored::of(r) => counts.unchanged += 1,
            Some(old) => {
                let newly_cancelled = r.status == AttendanceStatus::NotAttending
                    && old.content.status != AttendanceStatus::NotAttending.as_str();
                if newly_cancelled {
                    counts.cancelled += 1;
                } else {
                    counts.updated += 1;
                }
                let before = old.content.record(&r.provider_attendee_id);
                if let Some(summary) = crate::domain::mapping::describe_changes(&before, r) {
                    changes.push((r.provider_attendee_id.as_str(), summary));
                }
                writes.push(r);
            }
        }
    }
    // A page may repeat an id (a provider listing that shifted): keep the last copy.
    let mut seen = std::collections::HashSet::new();
    let writes: Vec<&AttendeeRecord> = writes
        .into_iter()
        .rev()
        .filter(|r| seen.insert(&r.provider_attendee_id))
        .collect();
    if tx.backend_name() == "PostgreSQL" {
        upsert_postgres(tx, event_id, &writes).await?;
    } else {
        upsert_sqlite(tx, event_id, &writes).await?;
    }
    record_changes(tx, event_id, &changes).await?;
    Ok(counts)
}

/// Writes what a sync changed on attendees to their history (`attendee_changes`), in the
/// sync's own transaction. Only edits and cancellations: a first import writes nothing here.
async fn record_changes(
    tx: &mut Transaction<'_, Any>,
    event_id: &EventId,
    changes: &[(&str, String)],
) -> Result<(), DbError> {
    let now = now_ms();
    for chunk in changes.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, $1, ${}, $2, ${})", 3 * i + 3, 3 * i + 4, 3 * i + 5))
            .collect();
        let sql = format!(
            "INSERT INTO attendee_changes (id, event_id, provider_attendee_id, changed_at, summary)
             VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(event_id).bind(now).persistent(false);
        for (provider_id, summary) in chunk {
            q = q.bind(new_id()).bind(*provider_id).bind(summary.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// What both statements set on a conflict: provider fields only, and only from a copy at
/// least as new as the stored one. The guard is checked in the statement itself, so a
/// webhook that wrote between this batch's read and its write still wins.
const ON_CONFLICT: &str = "ON CONFLICT (event_id, provider_attendee_id) DO UPDATE SET
    email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
    company = excluded.company, job_title = excluded.job_title, ticket_name = excluded.ticket_name,
    barcode = excluded.barcode, search_text = excluded.search_text, status = excluded.status,
    provider_status = excluded.provider_status,
    provider_checked_in_at = excluded.provider_checked_in_at,
    provider_changed_at = excluded.provider_changed_at, updated_at = excluded.updated_at
    WHERE attendees.provider_changed_at IS NULL OR excluded.provider_changed_at IS NULL
       OR excluded.provider_changed_at >= attendees.provider_changed_at";

/// SQLite: multi-row VALUES with positional `?` parameters. SQLite looks up each `$n`
/// parameter by scanning the statement's parameter list (binding cost grows with the square
/// of the parameters), while `?` binds in constant time. Rows are bound in order either way.
async fn upsert_sqlite(
    tx: &mut Transaction<'_, Any>,
    event_id: &EventId,
    writes: &[&AttendeeRecord],
) -> Result<(), DbError> {
    const ROWS: usize = 100;
    let now = now_ms();
    for chunk in writes.chunks(ROWS) {
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        let sql = format!(
            "INSERT INTO attendees (id, event_id, provider_attendee_id, email, first_name, last_name, company,
                job_title, ticket_name, barcode, search_text, status, provider_status, provider_changed_at,
                provider_checked_in_at, created_at, updated_at)
             VALUES {} {ON_CONFLICT}",
            vec![row; chunk.len()].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(new_id())
                .bind(event_id)
                .bind(&r.provider_attendee_id)
                .bind(&r.email)
                .bind(&r.first_name)
                .bind(&r.last_name)
                .bind(&r.company)
                .bind(&r.job_title)
                .bind(&r.ticket_name)
                .bind(&r.barcode)
                .bind(search_text(r))
                .bind(r.status.as_str())
                .bind(&r.provider_status)
                .bind(r.provider_changed_at)
                .bind(r.provider_checked_in_at)
                .bind(now)
                .bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// PostgreSQL: the rows travel as one JSON parameter expanded by `json_to_recordset`. A
/// VALUES list of thousands of parameters costs the server more to parse, plan and bind
/// than the insert itself (measured: 27 µs a row that way).
async fn upsert_postgres(
    tx: &mut Transaction<'_, Any>,
    event_id: &EventId,
    writes: &[&AttendeeRecord],
) -> Result<(), DbError> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        id: String,
        p: &'a str,
        email: Option<&'a str>,
        first_name: &'a str,
        last_name: &'a str,
        company: Option<&'a str>,
        job_title: Option<&'a str>,
        ticket_name: Option<&'a str>,
        barcode: Option<&'a str>,
        search_text: String,
        status: &'static str,
        provider_status: Option<&'a str>,
        changed: Option<i64>,
        checked_in: Option<i64>,
    }
    const ROWS: usize = 1000;
    let sql = format!(
        "INSERT INTO attendees (id, event_id, provider_attendee_id, email, first_name, last_name, company,
            job_title, ticket_name, barcode, search_text, status, provider_status, provider_changed_at,
            provider_checked_in_at, created_at, updated_at)
         SELECT r.id, $1, r.p, r.email, r.first_name, r.last_name, r.company, r.job_title, r.ticket_name,
            r.barcode, r.search_text, r.status, r.provider_status, r.changed, r.checked_in, $2, $2
         FROM json_to_recordset($3::json) AS r(id text, p text, email text, first_name text,
            last_name text, company text, job_title text, ticket_name text, barcode text,
            search_text text, status text,
            provider_status text, changed bigint, checked_in bigint)
         {ON_CONFLICT}"
    );
    let now = now_ms();
    for chunk in writes.chunks(ROWS) {
        let rows: Vec<Row> = chunk
            .iter()
            .map(|r| Row {
                id: new_id(),
                p: &r.provider_attendee_id,
                email: r.email.as_deref(),
                first_name: &r.first_name,
                last_name: &r.last_name,
                company: r.company.as_deref(),
                job_title: r.job_title.as_deref(),
                ticket_name: r.ticket_name.as_deref(),
                barcode: r.barcode.as_deref(),
                search_text: search_text(r),
                status: r.status.as_str(),
                provider_status: r.provider_status.as_deref(),
                changed: r.provider_changed_at,
                checked_in: r.provider_checked_in_at,
            })
            .collect();
        let rows = serde_json::to_string(&rows).expect("attendee rows serialise");
        sqlx::query(&sql)
            .bind(event_id)
            .bind(now)
            .bind(rows)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Provider ids of the event's attendees marked attending.
pub async fn attending_ids(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT provider_attendee_id FROM attendees WHERE event_id = $1 AND status = 'ATTENDING'",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await?)
}

/// Marks these attendees NOT_ATTENDING (gone from the provider); Lanyard's own fields stay.
pub async fn mark_not_attending(
    tx: &mut Transaction<'_, Any>,
    event_id: &EventId,
    provider_ids: &[&str],
) -> Result<(), DbError> {
    let now = now_ms();
    for chunk in provider_ids.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "UPDATE attendees SET status = 'NOT_ATTENDING', updated_at = $2
             WHERE event_id = $1 AND provider_attendee_id IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(event_id).bind(now).persistent(false);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    const GONE: &str = "Status: Attending → Not attending (no longer listed by the provider)";
    let changes: Vec<(&str, String)> = provider_ids
        .iter()
        .map(|id| (*id, GONE.to_string()))
        .collect();
    record_changes(tx, event_id, &changes).await?;
    Ok(())
}

/// What syncs changed on one attendee, newest first: (when, summary).
pub async fn changes(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    provider_attendee_id: &str,
) -> Result<Vec<(i64, String)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT changed_at, summary FROM attendee_changes
         WHERE event_id = $1 AND provider_attendee_id = $2 ORDER BY changed_at DESC LIMIT 200",
    )
    .bind(event_id)
    .bind(provider_attendee_id)
    .fetch_all(pool)
    .await?)
}

pub async fn count(pool: &sqlx::AnyPool, event_id: &EventId) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM attendees WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(pool)
            .await?,
    )
}

/// A row of the Attendees table as stored (`is_vip` is 0 or 1 on both engines).
#[derive(sqlx::FromRow)]
struct ListedRow {
    id: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
    company: Option<String>,
    job_title: Option<String>,
    ticket_name: Option<String>,
    barcode: Option<String>,
    status: AttendanceStatus,
    provider_status: Option<String>,
    is_vip: i64,
    checked_in_at: Option<i64>,
    checked_in_by: Option<String>,
    provider_checked_in_at: Option<i64>,
}

/// A row of a search's page with the number of matches on all pages.
#[derive(sqlx::FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    row: ListedRow,
    total: i64,
}

const LISTED_COLUMNS: &str = "id, first_name, last_name, email, company, job_title, ticket_name,
    barcode, status, provider_status, is_vip, checked_in_at, checked_in_by, provider_checked_in_at";

impl ListedRow {
    /// The row as the browser is shown it, its times in the event's zone.
    fn shown(self, timezone: &str) -> crate::domain::views::AttendeeRow {
        use crate::domain::local_time;
        use crate::domain::mapping::CHECKED_IN_AT_UNKNOWN;
        crate::domain::views::AttendeeRow {
            checked_in_label: self
                .checked_in_at
                .map(|at| local_time::date_time(at, timezone)),
            provider_checked_in_label: self.provider_checked_in_at.map(|at| {
                if at == CHECKED_IN_AT_UNKNOWN {
                    String::new()
                } else {
                    local_time::date_time(at, timezone)
                }
            }),
            id: self.id,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            company: self.company,
            job_title: self.job_title,
            ticket_name: self.ticket_name,
            barcode: self.barcode,
            status: self.status,
            provider_status: self.provider_status,
            is_vip: self.is_vip != 0,
            checked_in_at: self.checked_in_at,
            checked_in_by: self.checked_in_by,
            provider_checked_in_at: self.provider_checked_in_at,
        }
    }
}

/// A typed search matching at most this many attendees is answered from their ids.
const FEW_MATCHES: usize = 500;

/// A dense typed search with at most this many candidates (SQLite: rows its trigram table
/// names, in all events; PostgreSQL: matches) has them sorted for its page rather than
/// walking the sort index (SQLite, in memory: sorting 800 candidates 1.8 ms; walking to the
/// 38th of 60 last names 5.5 ms).
const SORTED_CANDIDATES: i64 = 10_000;

/// A search too dense to sort whole ([`SORTED_CANDIDATES`]) is counted only up to the next
/// multiple of this past the page asked for: "Showing 1–50 of more than 500" needs no pass
/// over every match of a word found in most rows.
const COUNT_STEP: i64 = 500;

/// Where the count of a search showing rows `offset..offset + limit` stops.
fn count_cap(offset: i64, limit: i64) -> i64 {
    ((offset + limit) / COUNT_STEP + 1) * COUNT_STEP
}

/// One page of a search and how many match: exactly, or at least (`more`) when counting
/// stopped at [`count_cap`].
pub struct Found {
    pub rows: Vec<crate::domain::views::AttendeeRow>,
    pub matching: i64,
    pub more: bool,
}

/// One page of an event's Attendees table: every word of `query` must appear somewhere in the
/// attendee's name, email, company, ticket name or barcode ([`search_text`]), in any order,
/// within the filters, in the asked order.
///
/// A typed search whose words an index narrows (PostgreSQL's trigram index; SQLite's trigram
/// table when it names at most [`SORTED_CANDIDATES`] rows) is one statement: the matches,
/// counted, the page sorted from them. Words too short for SQLite's trigram table are matched
/// on the event's rows, and up to [`FEW_MATCHES`] read by id. Denser than either, they
/// are counted up to [`count_cap`] and the page is read in the sort's order. Without words
/// only the event's own total is counted in full.
pub async fn search(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    timezone: &str,
    query: &str,
    filters: crate::domain::views::AttendeeFilters,
    offset: i64,
    limit: i64,
) -> Result<Found, DbError> {
    use crate::domain::views::{AttendanceFilter, AttendeeSort, CheckInFilter};
    let mut conn = pool.acquire().await?;
    let postgres = conn.backend_name() == "PostgreSQL";
    let words = search_words(query);
    let trigrams = if postgres {
        None
    } else {
        trigram_query(&words)
    };
    // What each word is bound as: PostgreSQL matches a LIKE pattern (which its trigram index
    // serves; `%` and `_` typed by a user are matched literally), SQLite the word itself with
    // `instr`, a plain substring test several times cheaper than its LIKE.
    let bound: Vec<String> = if postgres {
        words
            .iter()
            .map(|word| {
                format!(
                    "%{}%",
                    word.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )
            })
            .collect()
    } else {
        words
    };
    let mut filter = String::new();
    for i in 0..bound.len() {
        if postgres {
            filter.push_str(&format!(" AND search_text LIKE ${} ESCAPE '\\'", i + 2));
        } else {
            filter.push_str(&format!(" AND instr(search_text, ${}) > 0", i + 2));
        }
    }
    let filtered = filters.attendance != AttendanceFilter::All
        || filters.vip_only
        || filters.check_in != CheckInFilter::All;
    filter.push_str(match filters.attendance {
        AttendanceFilter::All => "",
        AttendanceFilter::Attending => " AND status = 'ATTENDING'",
        AttendanceFilter::NotAttending => " AND status = 'NOT_ATTENDING'",
    });
    if filters.vip_only {
        filter.push_str(" AND is_vip = 1");
    }
    filter.push_str(match filters.check_in {
        CheckInFilter::All => "",
        CheckInFilter::CheckedIn => {
            " AND (checked_in_at IS NOT NULL OR provider_checked_in_at IS NOT NULL)"
        }
        CheckInFilter::NotYet => " AND checked_in_at IS NULL AND provider_checked_in_at IS NULL",
    });
    let order = match filters.sort {
        AttendeeSort::Name => "LOWER(last_name), LOWER(first_name), id",
        AttendeeSort::RecentCheckIns => {
            "COALESCE(checked_in_at, provider_checked_in_at, -1) DESC, LOWER(last_name), LOWER(first_name), id"
        }
        AttendeeSort::Ticket => {
            "LOWER(COALESCE(ticket_name, '')), LOWER(last_name), LOWER(first_name), id"
        }
    };
    // Where a typed search's matches are looked for: on SQLite, when its words have trigrams,
    // the rows the trigram table names (NOT INDEXED: they come by rowid; SQLite would
    // otherwise walk the event in an index and test each row against the list, 4.7 ms
    // against 0.7); else the event's rows (PostgreSQL's planner takes its trigram index).
    let matched_in = match &trigrams {
        Some(_) => format!(
            "attendees NOT INDEXED WHERE event_id = $1 AND rowid IN
                (SELECT rowid FROM attendee_trigrams WHERE attendee_trigrams MATCH ${})",
            bound.len() + 2
        ),
        None => "attendees WHERE event_id = $1".to_string(),
    };
    // Binds the event, the words and (SQLite, when it has one) the trigram query, in order.
    macro_rules! bind_matched {
        ($query:expr) => {{
            let mut q = $query.bind(event_id);
            for b in &bound {
                q = q.bind(b);
            }
            if let Some(t) = &trigrams {
                q = q.bind(t);
            }
            q
        }};
    }
    let shown = |rows: Vec<ListedRow>| rows.into_iter().map(|r| r.shown(timezone)).collect();
    // The parameters after the event, the words and (SQLite) the trigram query.
    let next_param = bound.len() + 2 + usize::from(trigrams.is_some());
    // Whether a first pass already found more than FEW_MATCHES.
    let mut over_few = false;
    if !bound.is_empty() {
        // Does an index narrow the search? PostgreSQL's trigram index finds every match at
        // once; SQLite's trigram table, when it names few enough rows (in all events).
        let narrowed = match &trigrams {
            Some(t) => {
                let candidates: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM (SELECT rowid FROM attendee_trigrams
                        WHERE attendee_trigrams MATCH $1 LIMIT {}) AS candidates",
                    SORTED_CANDIDATES + 1
                ))
                .bind(t)
                .fetch_one(&mut *conn)
                .await?;
                candidates <= SORTED_CANDIDATES
            }
            None => postgres,
        };
        if narrowed {
            // One statement: the matches (up to one more than SORTED_CANDIDATES), counted,
            // and the page sorted from them. Materialised, so that the planner cannot walk
            // the sort index instead, testing each row: a last-name word's matches sit
            // together in name order, anywhere from the first row to the last (measured on
            // PostgreSQL: that page 35 ms). Planned per call, never a cached generic plan,
            // which cannot see the pattern (measured: the same barcode search 9.6 ms, then
            // 60 ms once a generic plan had set in).
            let sql = format!(
                "WITH matched AS MATERIALIZED (SELECT {LISTED_COLUMNS} FROM {matched_in}{filter}
                    LIMIT {})
                 SELECT m.*, (SELECT COUNT(*) FROM matched) AS total FROM matched m
                 ORDER BY {order} LIMIT ${next_param} OFFSET ${}",
                SORTED_CANDIDATES + 1,
                next_param + 1
            );
            let page = bind_matched!(sqlx::query_as::<_, CountedRow>(&sql).persistent(false))
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *conn)
                .await?;
            let total = match page.first() {
                Some(first) => first.total,
                None if offset == 0 => 0,
                // A page past the last match: counted on its own.
                None => {
                    let sql = format!(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM {matched_in}{filter} LIMIT {})
                            AS counted",
                        SORTED_CANDIDATES + 1
                    );
                    bind_matched!(sqlx::query_scalar::<_, i64>(&sql).persistent(false))
                        .fetch_one(&mut *conn)
                        .await?
                }
            };
            if total <= SORTED_CANDIDATES {
                return Ok(Found {
                    rows: shown(page.into_iter().map(|c| c.row).collect()),
                    matching: total,
                    more: false,
                });
            }
            over_few = true;
        } else if trigrams.is_none() {
            // SQLite, words too short for the trigram table: the event's rows, matched one by
            // one, up to FEW_MATCHES + 1 (such words are found in most rows: it stops early).
            let sql = format!(
                "SELECT id FROM {matched_in}{filter} LIMIT {}",
                FEW_MATCHES + 1
            );
            let ids = bind_matched!(sqlx::query_scalar::<_, String>(&sql).persistent(false))
                .fetch_all(&mut *conn)
                .await?;
            if ids.len() <= FEW_MATCHES {
                if ids.is_empty() {
                    return Ok(Found {
                        rows: Vec::new(),
                        matching: 0,
                        more: false,
                    });
                }
                let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 4)).collect();
                let sql = format!(
                    "SELECT {LISTED_COLUMNS} FROM attendees WHERE event_id = $1 AND id IN ({})
                     ORDER BY {order} LIMIT $2 OFFSET $3",
                    list.join(", ")
                );
                // One statement text per number of ids: not worth a place in the cache.
                let mut rows = sqlx::query_as::<_, ListedRow>(&sql)
                    .persistent(false)
                    .bind(event_id)
                    .bind(limit)
                    .bind(offset);
                for id in &ids {
                    rows = rows.bind(id);
                }
                let rows = rows.fetch_all(&mut *conn).await?;
                return Ok(Found {
                    rows: shown(rows),
                    matching: ids.len() as i64,
                    more: false,
                });
            }
            over_few = true;
        }
    }
    // Very dense (or no words): counted up to the page's cap, the page read in order.
    let cap = count_cap(offset, limit);
    let (matching, more) = if bound.is_empty() && !filtered {
        let count =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM attendees WHERE event_id = $1")
                .bind(event_id)
                .fetch_one(&mut *conn)
                .await?;
        (count, false)
    } else if over_few && cap <= FEW_MATCHES as i64 {
        // The first pass already found more than the count would stop at.
        (cap, true)
    } else {
        // SQLite, without statistics to go by, would count the VIPs through another index.
        let from = match (bound.is_empty(), filters.vip_only && !postgres) {
            (false, _) => matched_in.as_str(),
            (true, true) => "attendees INDEXED BY attendees_vip_idx WHERE event_id = $1",
            (true, false) => "attendees WHERE event_id = $1",
        };
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {from}{filter} LIMIT {}) AS counted",
            cap + 1
        );
        let count = bind_matched!(sqlx::query_scalar::<_, i64>(&sql).persistent(bound.is_empty()))
            .fetch_one(&mut *conn)
            .await?;
        (count.min(cap), count > cap)
    };
    // In name order the page is read along the sort index, stopping at the page's end (the
    // matches are dense). SQLite is told so: with the statistics index beside it, it may
    // otherwise count on sorting the whole event.
    let ordered_from = if !postgres && filters.sort == AttendeeSort::Name {
        "attendees INDEXED BY attendees_event_sort_idx"
    } else {
        "attendees"
    };
    let (limit_at, offset_at) = (bound.len() + 2, bound.len() + 3);
    let rows_sql = format!(
        "SELECT {LISTED_COLUMNS} FROM {ordered_from} WHERE event_id = $1{filter}
         ORDER BY {order} LIMIT ${limit_at} OFFSET ${offset_at}"
    );
    // A typed search's plan depends on its words (see the first pass): planned per call.
    let mut rows = sqlx::query_as::<_, ListedRow>(&rows_sql)
        .persistent(bound.is_empty())
        .bind(event_id);
    for b in &bound {
        rows = rows.bind(b);
    }
    let rows = rows.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    Ok(Found {
        rows: shown(rows),
        matching,
        more,
    })
}

/// One attendee of the event, as the table shows it.
pub async fn get(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    attendee_id: &str,
    timezone: &str,
) -> Result<Option<crate::domain::views::AttendeeRow>, DbError> {
    let sql = format!("SELECT {LISTED_COLUMNS} FROM attendees WHERE event_id = $1 AND id = $2");
    let row: Option<ListedRow> = sqlx::query_as(&sql)
        .bind(event_id)
        .bind(attendee_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.shown(timezone)))
}

/// Up to `limit` of the event's attendees with ids after `after`, by id: a list read whole,
/// a page at a time, without an offset that grows with each page.
pub async fn page_by_id(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    timezone: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<crate::domain::views::AttendeeRow>, DbError> {
    let sql = format!(
        "SELECT {LISTED_COLUMNS} FROM attendees WHERE event_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    let rows: Vec<ListedRow> = sqlx::query_as(&sql)
        .bind(event_id)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.shown(timezone)).collect())
}

/// One attendee of the workspace (the first by name of its first event with any), as the
/// badge preview's real example.
pub async fn sample_of_workspace(
    pool: &sqlx::AnyPool,
    workspace_id: &crate::domain::WorkspaceId,
) -> Result<Option<crate::domain::views::AttendeeRow>, DbError> {
    let columns: Vec<String> = LISTED_COLUMNS
        .split(',')
        .map(|c| format!("a.{}", c.trim()))
        .collect();
    let sql = format!(
        "SELECT {}, e.timezone FROM attendees a JOIN events e ON e.id = a.event_id
         WHERE e.workspace_id = $1
         ORDER BY e.created_at, e.id, LOWER(a.last_name), LOWER(a.first_name), a.id LIMIT 1",
        columns.join(", ")
    );
    #[derive(sqlx::FromRow)]
    struct Sample {
        #[sqlx(flatten)]
        row: ListedRow,
        timezone: String,
    }
    let found: Option<Sample> = sqlx::query_as(&sql)
        .bind(workspace_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.map(|s| s.row.shown(&s.timezone)))
}

/// One attendee with its event's desk facts, when the event is in `workspace_id`: the
/// check-in's one read before it writes (the workspace check, the attendee's state, the zone
/// its answer is told in).
pub async fn get_for_desk(
    pool: &sqlx::AnyPool,
    workspace_id: &crate::domain::WorkspaceId,
    event_id: &EventId,
    attendee_id: &str,
) -> Result<Option<(super::events::DeskInfo, crate::domain::views::AttendeeRow)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct DeskRow {
        #[sqlx(flatten)]
        row: ListedRow,
        #[sqlx(flatten)]
        desk: super::events::DeskInfo,
    }
    // Built once: this is the desk's busiest read.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let columns: Vec<String> = LISTED_COLUMNS
            .split(',')
            .map(|c| format!("a.{}", c.trim()))
            .collect();
        format!(
            "SELECT {}, e.timezone, e.provider, e.starts_at, e.ends_at
             FROM attendees a JOIN events e ON e.id = a.event_id
             WHERE e.workspace_id = $1 AND a.event_id = $2 AND a.id = $3",
            columns.join(", ")
        )
    });
    let found: Option<DeskRow> = sqlx::query_as(SQL.as_str())
        .bind(workspace_id)
        .bind(event_id)
        .bind(attendee_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.map(|f| {
        let row = f.row.shown(&f.desk.timezone);
        (f.desk, row)
    }))
}

/// The event's attendees whose barcode is exactly `barcode` (at most two: the desk only
/// needs to know whether the code names one person).
pub async fn by_barcode(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    barcode: &str,
    timezone: &str,
) -> Result<Vec<crate::domain::views::AttendeeRow>, DbError> {
    let sql = format!(
        "SELECT {LISTED_COLUMNS} FROM attendees WHERE event_id = $1 AND barcode = $2 LIMIT 2"
    );
    let rows: Vec<ListedRow> = sqlx::query_as(&sql)
        .bind(event_id)
        .bind(barcode)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.shown(timezone)).collect())
}

/// Every attendee of the event with the export's columns, sorted by name.
pub async fn all_for_export(
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    timezone: &str,
) -> Result<Vec<crate::domain::views::AttendeeRow>, DbError> {
    let sql = format!(
        "SELECT {LISTED_COLUMNS} FROM attendees WHERE event_id = $1
         ORDER BY LOWER(last_name), LOWER(first_name), id"
    );
    let rows: Vec<ListedRow> = sqlx::query_as(&sql).bind(event_id).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|r| r.shown(timezone)).collect())
}

/// Sets or clears the VIP flag (Lanyard's own; no sync writes it). False when the attendee
/// is not the event's.
pub async fn set_vip(
    db: &super::Db,
    event_id: &EventId,
    attendee_id: &str,
    vip: bool,
) -> Result<bool, DbError> {
    let _turn = db.write_turn().await;
    let done = sqlx::query(
        "UPDATE attendees SET is_vip = $3, updated_at = $4 WHERE event_id = $1 AND id = $2",
    )
    .bind(event_id)
    .bind(attendee_id)
    .bind(vip as i64)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
