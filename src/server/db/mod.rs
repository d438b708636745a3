//! Storage. One query code path for SQLite and PostgreSQL through sqlx's `Any` driver:
//! queries use `$n` placeholders and the portable subset of SQL both engines share.

pub mod attendees;
pub mod badges;
pub mod budgets;
pub mod check_ins;
pub mod events;
pub mod integrations;
pub mod invites;
pub mod jobs;
pub mod members;
pub mod polls;
pub mod runs;
pub mod stations;
pub mod users;
pub mod workspaces;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::sync::Arc;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported DATABASE_URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    #[error("stored {what} has an unexpected value {value:?}")]
    Corrupt { what: &'static str, value: String },
}

/// Tells every instance LISTENing on `channel` (PostgreSQL only): how live updates cross
/// instances.
pub async fn notify(pool: &sqlx::AnyPool, channel: &str, payload: &str) -> Result<(), DbError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await?;
    Ok(())
}

/// One connection of the pool, for the writes that take a connection (so that they can
/// also run inside a caller's transaction).
pub async fn conn(pool: &sqlx::AnyPool) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, DbError> {
    Ok(pool.acquire().await?)
}

impl DbError {
    /// Maps a unique-constraint violation to `AlreadyExists(what)`, leaving other errors as they are.
    pub fn on_unique(error: sqlx::Error, what: &'static str) -> DbError {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => DbError::AlreadyExists(what),
            _ => DbError::Sqlx(error),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    pub url: String,
    /// SQLite only: the turn to write (see [`Db::write_turn`]).
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// The right to write on SQLite until dropped; nothing on PostgreSQL.
pub type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

impl Db {
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        if backend == Backend::Sqlite {
            ensure_sqlite_dir(url);
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // SQLite has one writer; a few readers beside it is all that helps.
                Backend::Sqlite => 5,
                Backend::Postgres => 10,
            })
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // NORMAL is the usual pairing with WAL: a commit survives an app crash without an
                        // fsync per transaction (only a power cut can lose the last few).
                        // Statement journals (every multi-row upsert keeps one) in memory rather
                        // than temp files, and a page cache that holds a large event's indexes.
                        // No memory map: tried, it cost the desk bench check-ins (781 and 769/s
                        // against 921 and 859 without, alternating runs).
                        conn.execute(
                            "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;
                             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;",
                        )
                        .await?;

                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets the job runner write while pages read; the setting persists in the file.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Db {
            pool,
            backend,
            url: url.to_string(),
            writer: (backend == Backend::Sqlite).then(Default::default),
        })
    }

    /// Waits for the turn to write. SQLite lets one connection write at a time and makes the
    /// others poll, sleeping 1, 2, 5, 10 ms and longer between tries; the desk's writes
    /// (check-in, undo, VIP) and an import's batches take it inside their `db` functions and
    /// wait here instead, in order, each woken the moment the writer before it is done. Held
    /// across one short transaction and nothing else (no turn is ever asked for while one is
    /// held). PostgreSQL locks rows: no turn there.
    pub async fn write_turn(&self) -> WriteTurn {
        match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        }
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATOR.run(&self.pool).await?;
        match self.backend {
            Backend::Postgres => search_index_postgres(&self.pool).await,
            Backend::Sqlite => {
                for sql in SQLITE_OBJECTS {
                    sqlx::query(sql).execute(&self.pool).await?;
                }
                trigram_index_sqlite(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// After many attendees arrived at once (a large import): PostgreSQL otherwise plans on
    /// the statistics of a near-empty table until autovacuum comes round, a minute or more
    /// later (seen: the search's trigram index unused, a barcode search 59 ms instead of 6).
    /// SQLite's plans that matter are fixed in the queries themselves: nothing to do there.
    pub async fn refresh_statistics(&self) -> Result<(), DbError> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE attendees").execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// SQLite's own objects besides the trigram table (not migrations: the migrations are the
/// same SQL on both engines): the statistics index, the check-in mirror trigger, and the
/// search's former B-tree index dropped (the trigram table serves the search; the B-tree cost
/// a 100,000-attendee import a second, 4.2 s against 3.2, for words under three letters only).
const SQLITE_OBJECTS: [&str; 3] = [
    SQLITE_STATS_INDEX,
    SQLITE_CHECK_IN_MIRROR,
    "DROP INDEX IF EXISTS attendees_search_idx",
];

/// SQLite only: the event's statistics (Total, Attending, Checked in, VIP, the revision) are
/// counted on every page render and every live publish (up to ten a second at a busy desk);
/// through the sort index each row was fetched from the table (40 ms at 50,000). This index
/// holds every column the count reads. Not on PostgreSQL: there it would index the columns a
/// check-in changes, so every check-in would become a non-HOT update writing a new entry in
/// every index of the table, the trigram one included (measured: 610 -> 512 check-ins/s).
const SQLITE_STATS_INDEX: &str = "CREATE INDEX IF NOT EXISTS attendees_stats_idx ON attendees
    (event_id, status, is_vip, checked_in_at, provider_checked_in_at, updated_at)";

/// SQLite only: the Attendees search's trigram index, a full-text (FTS5) table over
/// `attendees.search_text` keeping, per three-letter run, which rows hold it. A typed search
/// asks it for the rows holding every run of its words, then tests the words on those rows
/// alone: a barcode search reads a handful of rows instead of all 50,000 index entries of
/// the event (measured in a model of 50,000 rows: 0.4 ms against 15 ms).
///
/// External content (the text stays in `attendees` only), no positions (`detail=none`: the
/// words are tested on the rows anyway), case kept (the text is folded already). Triggers
/// keep it in step with every write, in the writer's transaction. It follows the rows by
/// rowid, which only a VACUUM renumbers: Lanyard runs none; after one, the `'rebuild'`
/// below re-reads the table. Made and filled on first start in one transaction.
async fn trigram_index_sqlite(pool: &sqlx::AnyPool) -> Result<(), DbError> {
    let exists: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attendee_trigrams'",
    )
    .fetch_optional(pool)
    .await?;
    if exists.is_some() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    for sql in [
        "CREATE VIRTUAL TABLE attendee_trigrams USING fts5(search_text, content = 'attendees',
            content_rowid = 'rowid', detail = none, tokenize = 'trigram case_sensitive 1')",
        "CREATE TRIGGER attendee_trigrams_insert AFTER INSERT ON attendees BEGIN
            INSERT INTO attendee_trigrams (rowid, search_text) VALUES (new.rowid, new.search_text);
         END",
        "CREATE TRIGGER attendee_trigrams_update AFTER UPDATE OF search_text ON attendees
            WHEN old.search_text IS NOT new.search_text BEGIN
            INSERT INTO attendee_trigrams (attendee_trigrams, rowid, search_text)
                VALUES ('delete', old.rowid, old.search_text);
            INSERT INTO attendee_trigrams (rowid, search_text) VALUES (new.rowid, new.search_text);
         END",
        "CREATE TRIGGER attendee_trigrams_delete AFTER DELETE ON attendees BEGIN
            INSERT INTO attendee_trigrams (attendee_trigrams, rowid, search_text)
                VALUES ('delete', old.rowid, old.search_text);
         END",
        "INSERT INTO attendee_trigrams (attendee_trigrams) VALUES ('rebuild')",
    ] {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// SQLite only: a check-in's row writes the attendee's mirror columns (`checked_in_*`) in the
/// same statement, so the desk's busiest write is one statement, not a transaction of four
/// (each a hop to the connection's thread). PostgreSQL does the same in one statement with a
/// data-modifying CTE (`check_ins::insert`).
const SQLITE_CHECK_IN_MIRROR: &str = "CREATE TRIGGER IF NOT EXISTS check_ins_mirror
    AFTER INSERT ON check_ins BEGIN
        UPDATE attendees SET checked_in_at = new.checked_in_at, checked_in_by = new.by_name,
            check_in_nonce = new.nonce, updated_at = new.checked_in_at
        WHERE event_id = new.event_id AND id = new.attendee_id;
    END";

/// PostgreSQL's Attendees search uses a trigram index when the pg_trgm extension can be had
/// (it ships with PostgreSQL and is a trusted extension: a database owner may create it).
/// GiST with 64-byte signatures rather than GIN: GIN adds an entry per distinct trigram of
/// every row written (about 80), and a 100,000-attendee import took 5.1 s with it, 4.3 s with
/// GiST, 2.4 s with none; searches stayed under 20 ms p95 at 50,000 attendees either way (a
/// signature this wide rarely matches a row that lacks the trigrams). It is not a migration
/// because SQLite has no such thing and the migrations are shared; a server where it cannot be
/// created still searches, by scanning the event's rows.
async fn search_index_postgres(pool: &sqlx::AnyPool) {
    for sql in [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS attendees_search_gist_idx ON attendees
            USING gist (search_text gist_trgm_ops (siglen = 64))",
        // The GIN index this replaced.
        "DROP INDEX IF EXISTS attendees_search_trgm_idx",
    ] {
        if let Err(error) = sqlx::query(sql).execute(pool).await {
            tracing::warn!(%error, "no trigram index for the Attendees search; it scans instead");
            return;
        }
    }
}

fn ensure_sqlite_dir(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        let _ = std::fs::create_dir_all(parent);
    }
}
