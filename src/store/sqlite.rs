//! The embedded state store: one SQLite file (bundled library, nothing to
//! install), WAL journal, versioned migrations applied on open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{
    AccountCommit, BatchOutcome, ContactChange, GoneFinding, KnownPost, RunAccountRow, RunRow,
    RunStart, RunTotals, ScannedPost, Store, StoreError, StoredPost,
};
use crate::model::{Account, Post};
use crate::source::parse_time;

/// Schema migrations, in order; the database's `user_version` is the
/// number applied. Never edit a released migration: add one.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        arguments TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        rule_versions TEXT NOT NULL,
        accounts_ok INTEGER NOT NULL DEFAULT 0,
        accounts_failed INTEGER NOT NULL DEFAULT 0,
        posts_fetched INTEGER NOT NULL DEFAULT 0,
        posts_scanned INTEGER NOT NULL DEFAULT 0,
        findings_new INTEGER NOT NULL DEFAULT 0,
        findings_existing INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE run_accounts (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        account_key TEXT NOT NULL,
        account_id TEXT NOT NULL,
        status TEXT NOT NULL,
        posts_read INTEGER NOT NULL,
        posts_scanned INTEGER NOT NULL,
        findings INTEGER NOT NULL,
        problems TEXT NOT NULL,
        PRIMARY KEY (run_id, account_key)
    );
    CREATE TABLE cursors (
        account_key TEXT PRIMARY KEY,
        cursor TEXT,
        last_post_at TEXT,
        run_id INTEGER NOT NULL
    );
    CREATE TABLE posts (
        account_key TEXT NOT NULL,
        post_id TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        published_at TEXT,
        author TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        first_run INTEGER NOT NULL,
        last_scanned_run INTEGER NOT NULL,
        rule_versions TEXT NOT NULL,
        text TEXT,
        text_kept_until TEXT,
        PRIMARY KEY (account_key, post_id)
    );
    CREATE TABLE findings (
        fingerprint TEXT PRIMARY KEY,
        account_key TEXT NOT NULL,
        post_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        normalized TEXT NOT NULL,
        matched TEXT NOT NULL,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        first_run INTEGER NOT NULL,
        last_run INTEGER NOT NULL,
        occurrences INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'new',
        gone_run INTEGER
    );
    CREATE TABLE finding_history (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
        at TEXT NOT NULL,
        run_id INTEGER,
        from_status TEXT,
        to_status TEXT NOT NULL,
        who TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE registry_snapshots (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        account_id TEXT NOT NULL,
        account_key TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, account_id)
    );
    CREATE TABLE contact_history (
        id INTEGER PRIMARY KEY,
        account_key TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL
    );
    "#,
    // 2: indexes for the per-post finding lookups and stale-post queries.
    r#"
    CREATE INDEX findings_by_post ON findings(account_key, post_id);
    CREATE INDEX posts_by_rules ON posts(account_key, rule_versions);
    CREATE INDEX history_by_fingerprint ON finding_history(fingerprint);
    "#,
    // 3: the officers' review (issue 6): reviewer, date, deadline and note
    // beside the status, and the finding as reported (JSON) so that review
    // exports and period reports can be written from the database alone.
    r#"
    ALTER TABLE findings ADD COLUMN reviewer TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN reviewed_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN rectify_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE findings ADD COLUMN data TEXT;
    CREATE INDEX findings_by_status ON findings(status);
    "#,
    // 4: the registry history of the `accounts` commands (issue 8): each
    // scan or import looks up an account's previous snapshot, which without
    // this index scanned the whole table (2,000 accounts re-imported: 2.2 s).
    r#"
    CREATE INDEX registry_snapshots_by_account ON registry_snapshots(account_key, run_id);
    "#,
    // 5: a post's comments (JSON array of `model::Comment`), kept beside its
    // text for --rescan-changed-rules, so a rescan from the store still sees
    // the comments and their questions.
    r#"
    ALTER TABLE posts ADD COLUMN comments TEXT;
    "#,
    // 6: stale posts are now paged by the primary key (`stale_posts`), so
    // nothing reads `posts_by_rules` any more, and every post written paid
    // for it: each entry repeats the 98-byte rule-versions string (145 MB
    // at 1,000,000 posts).
    r#"
    DROP INDEX IF EXISTS posts_by_rules;
    "#,
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The SQLite state store.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    keep_text_days: u32,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqliteStore({})", self.path.display())
    }
}

fn err(path: &Path, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("state database {}: {what}: {e}", path.display()))
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path` and applies
    /// pending migrations. A damaged file or one written by a newer xunjian
    /// is refused, never replaced. Post texts are kept `keep_text_days` so
    /// they can be scanned again when the rules change (0: not kept).
    pub fn open(path: &Path, keep_text_days: u32) -> Result<SqliteStore, StoreError> {
        Self::open_at_version(path, keep_text_days, schema_version())
    }

    /// Like [`SqliteStore::open`] but migrates only up to `version`; for
    /// testing migrations from older schemas.
    pub fn open_at_version(
        path: &Path,
        keep_text_days: u32,
        version: i64,
    ) -> Result<SqliteStore, StoreError> {
        if path.is_dir() {
            return Err(StoreError(format!(
                "state database {} is a folder; pass a file path with --db",
                path.display()
            )));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| {
            err(
                path,
                "cannot open",
                format!("{e}; check the path and its permissions"),
            )
        })?;
        let damaged = |e: rusqlite::Error| {
            err(
                path,
                "cannot be read",
                format!("{e}. The file is damaged or not a xunjian database; restore it from a backup, or move it aside to start afresh (xunjian never replaces it)"),
            )
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(damaged)?;
        let current: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(damaged)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(damaged)?;
        if current > schema_version() {
            return Err(StoreError(format!(
                "state database {} has schema version {current}, newer than this xunjian understands ({}); upgrade xunjian, or use another --db",
                path.display(),
                schema_version()
            )));
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| {
                err(
                    path,
                    "cannot enable the WAL journal (is the folder writable?)",
                    e,
                )
            })?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(damaged)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(damaged)?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            keep_text_days,
        };
        store.migrate(current, version)?;
        Ok(store)
    }

    fn migrate(&mut self, from: i64, to: i64) -> Result<(), StoreError> {
        for v in from..to {
            let sql = MIGRATIONS[v as usize];
            let tx = self
                .conn
                .transaction()
                .map_err(|e| err(&self.path, "cannot start a migration", e))?;
            tx.execute_batch(sql)
                .and_then(|_| tx.pragma_update(None, "user_version", v + 1))
                .and_then(|_| tx.commit())
                .map_err(|e| {
                    err(
                        &self.path,
                        &format!("migration to schema version {} failed", v + 1),
                        e,
                    )
                })?;
        }
        Ok(())
    }

    /// The schema version of the open database.
    pub fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.e("cannot read the schema version", e))
    }

    /// Direct access for tests and maintenance tools.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Mutable access, for transactions spanning several statements.
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    fn e(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        err(&self.path, what, e)
    }

    fn text_until(&self) -> Option<String> {
        (self.keep_text_days > 0).then(|| {
            (chrono::Utc::now() + chrono::Duration::days(i64::from(self.keep_text_days)))
                .to_rfc3339()
        })
    }
}

impl Store for SqliteStore {
    fn start_run(&mut self, start: &RunStart) -> Result<(i64, String), StoreError> {
        // Whoever holds the database lock is the only writer, so any run
        // still marked running was interrupted.
        self.conn
            .execute(
                "UPDATE runs SET status = 'failed', note = 'interrupted: the process ended before the run finished' WHERE status = 'running'",
                [],
            )
            .map_err(|e| self.e("cannot update interrupted runs", e))?;
        let mut label = start.label.clone();
        let mut n = 2;
        while self
            .conn
            .query_row(
                "SELECT 1 FROM runs WHERE label = ?1",
                params![label],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| self.e("cannot read runs", e))?
            .is_some()
        {
            label = format!("{}-{n}", start.label);
            n += 1;
        }
        self.conn
            .execute(
                "INSERT INTO runs (label, kind, arguments, started_at, status, rule_versions) VALUES (?1, ?2, ?3, ?4, 'running', ?5)",
                params![
                    label,
                    start.kind.as_str(),
                    serde_json::to_string(&start.arguments).unwrap_or_default(),
                    start.started_at,
                    start.rule_versions
                ],
            )
            .map_err(|e| self.e("cannot record the run", e))?;
        Ok((self.conn.last_insert_rowid(), label))
    }

    fn finish_run(&mut self, run: i64, t: &RunTotals, note: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?2, status = ?3, note = ?4, accounts_ok = ?5, accounts_failed = ?6,
                 posts_fetched = ?7, posts_scanned = ?8, findings_new = ?9, findings_existing = ?10 WHERE id = ?1",
                params![
                    run,
                    t.finished_at,
                    t.status,
                    note,
                    t.accounts_ok as i64,
                    t.accounts_failed as i64,
                    t.posts_fetched as i64,
                    t.posts_scanned as i64,
                    t.findings_new as i64,
                    t.findings_existing as i64
                ],
            )
            .map_err(|e| self.e("cannot record the end of the run", e))?;
        let now = chrono::Utc::now().to_rfc3339();
        self.conn
            .execute(
                "UPDATE posts SET text = NULL, comments = NULL, text_kept_until = NULL WHERE text_kept_until IS NOT NULL AND text_kept_until < ?1",
                params![now],
            )
            .map_err(|e| self.e("cannot purge expired post texts", e))?;
        Ok(())
    }

    fn record_registry(
        &mut self,
        run: i64,
        at: &str,
        accounts: &[&Account],
    ) -> Result<Vec<ContactChange>, StoreError> {
        let path = self.path.clone();
        let e = |what: &str, x: rusqlite::Error| err(&path, what, x);
        let tx = self
            .conn
            .transaction()
            .map_err(|x| e("cannot snapshot the registry", x))?;
        let mut changes = Vec::new();
        for a in accounts {
            let data = serde_json::to_value(a).unwrap_or_default();
            changes.extend(
                snapshot_account(&tx, run, at, &a.key(), &a.id, &data).map_err(|(w, x)| e(w, x))?,
            );
        }
        tx.commit()
            .map_err(|x| e("cannot snapshot the registry", x))?;
        Ok(changes)
    }

    fn cursor(
        &mut self,
        account_key: &str,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        self.conn
            .query_row(
                "SELECT cursor, last_post_at FROM cursors WHERE account_key = ?1",
                params![account_key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map(|o| o.unwrap_or((None, None)))
            .map_err(|e| self.e("cannot read the cursor", e))
    }

    fn begin_account(&mut self, _account_key: &str) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| {
            self.e(
                "cannot start the account's transaction (is another process writing?)",
                e,
            )
        })
    }

    fn known_posts(
        &mut self,
        account_key: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, KnownPost>, StoreError> {
        let failed = |e| err(&self.path, "cannot look up posts", e);
        // One statement for the whole batch: the ids go in as a JSON array,
        // and SQLite looks each up in the primary key's index.
        let ids = serde_json::to_string(ids).expect("strings serialize");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT post_id, content_hash, rule_versions FROM posts
                 WHERE account_key = ?1 AND post_id IN (SELECT value FROM json_each(?2))",
            )
            .map_err(failed)?;
        let rows = stmt
            .query_map(params![account_key, ids], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    KnownPost {
                        content_hash: r.get(1)?,
                        rule_versions: r.get(2)?,
                    },
                ))
            })
            .map_err(failed)?;
        rows.collect::<Result<HashMap<_, _>, _>>().map_err(failed)
    }

    fn record_batch(
        &mut self,
        run: i64,
        account_key: &str,
        rule_versions: &str,
        posts: &[ScannedPost<'_>],
    ) -> Result<BatchOutcome, StoreError> {
        let path = self.path.clone();
        let e = |what: &str, x: rusqlite::Error| err(&path, what, x);
        let text_until = self.text_until();
        let now = chrono::Utc::now().to_rfc3339();
        let mut outcome = BatchOutcome::default();
        let c = &self.conn;
        let mut upsert_post = c
            .prepare_cached(
                "INSERT INTO posts (account_key, post_id, url, title, published_at, author, content_hash, first_run, last_scanned_run, rule_versions, text, text_kept_until, comments)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (account_key, post_id) DO UPDATE SET url = ?3, title = ?4, published_at = ?5, author = ?6,
                   content_hash = ?7, last_scanned_run = ?8, rule_versions = ?9, text = ?10, text_kept_until = ?11, comments = ?12",
            )
            .map_err(|x| e("cannot record posts", x))?;
        let mut existing = c
            .prepare_cached("SELECT fingerprint, rule_id, normalized, status, first_run FROM findings WHERE account_key = ?1 AND post_id = ?2")
            .map_err(|x| e("cannot read findings", x))?;
        let mut insert_finding = c
            .prepare_cached(
                "INSERT INTO findings (fingerprint, account_key, post_id, rule_id, normalized, matched, category, severity, first_run, last_run, occurrences, status, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, 'new', ?11)",
            )
            .map_err(|x| e("cannot record findings", x))?;
        let mut update_finding = c
            .prepare_cached("UPDATE findings SET last_run = ?2, occurrences = ?3, matched = ?4, gone_run = NULL, data = ?5 WHERE fingerprint = ?1")
            .map_err(|x| e("cannot record findings", x))?;
        let mut history = c
            .prepare_cached(
                "INSERT INTO finding_history (fingerprint, at, run_id, from_status, to_status, who, note) VALUES (?1, ?2, ?3, NULL, 'new', 'xunjian', 'first detected')",
            )
            .map_err(|x| e("cannot record finding history", x))?;
        let mut mark_gone = c
            .prepare_cached("UPDATE findings SET gone_run = ?2 WHERE fingerprint = ?1")
            .map_err(|x| e("cannot record findings", x))?;
        for sp in posts {
            let p = sp.post;
            let published = p.published_at.map(|t| t.to_rfc3339());
            let text = text_until.as_ref().map(|_| p.text.as_str());
            let comments = match (&text_until, p.comments.is_empty()) {
                (Some(_), false) => serde_json::to_string(&p.comments).ok(),
                _ => None,
            };
            upsert_post
                .execute(params![
                    account_key,
                    p.id,
                    p.url,
                    p.title,
                    published,
                    p.author,
                    sp.content_hash,
                    run,
                    rule_versions,
                    text,
                    text_until,
                    comments
                ])
                .map_err(|x| e("cannot record a post", x))?;
            let before: Vec<(String, String, String, String, i64)> = if sp.stored {
                existing
                    .query_map(params![account_key, p.id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })
                    .and_then(|rows| rows.collect())
                    .map_err(|x| e("cannot read findings", x))?
            } else {
                Vec::new()
            };
            for f in sp.findings {
                match before.iter().find(|b| b.0 == f.fingerprint) {
                    Some(b) => {
                        update_finding
                            .execute(params![
                                f.fingerprint,
                                run,
                                f.occurrences,
                                f.matched,
                                finding_json(f)
                            ])
                            .map_err(|x| e("cannot record a finding", x))?;
                        if b.4 != run {
                            outcome.known.push(f.fingerprint.clone());
                        }
                    }
                    None => {
                        insert_finding
                            .execute(params![
                                f.fingerprint,
                                account_key,
                                p.id,
                                f.rule.id,
                                f.normalized,
                                f.matched,
                                f.rule.category.as_str(),
                                f.rule.severity.as_str(),
                                run,
                                f.occurrences,
                                finding_json(f)
                            ])
                            .map_err(|x| e("cannot record a finding", x))?;
                        history
                            .execute(params![f.fingerprint, now, run])
                            .map_err(|x| e("cannot record finding history", x))?;
                    }
                }
            }
            for (fp, rule_id, normalized, status, _) in before {
                if !sp.findings.iter().any(|f| f.fingerprint == fp) {
                    mark_gone
                        .execute(params![fp, run])
                        .map_err(|x| e("cannot record findings", x))?;
                    outcome.gone.push(GoneFinding {
                        fingerprint: fp,
                        post_id: p.id.clone(),
                        rule_id,
                        normalized,
                        status,
                    });
                }
            }
        }
        Ok(outcome)
    }

    fn stale_posts(
        &mut self,
        run: i64,
        account_key: &str,
        rule_versions: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredPost>, StoreError> {
        // A range on the primary key's index starts the page where the
        // last one ended (the first page: from "", which sorts first).
        let from = if after.is_some() { ">" } else { ">=" };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT post_id, url, title, published_at, author, content_hash, text, comments FROM posts
                 WHERE account_key = ?1 AND post_id {from} ?5 AND rule_versions != ?2
                   AND last_scanned_run != ?3 AND text IS NOT NULL
                 ORDER BY post_id LIMIT ?4"
            ))
            .map_err(|e| err(&self.path, "cannot read stored posts", e))?;
        let rows = stmt
            .query_map(
                params![
                    account_key,
                    rule_versions,
                    run,
                    limit as i64,
                    after.unwrap_or("")
                ],
                |r| {
                    let published: Option<String> = r.get(3)?;
                    let comments: Option<String> = r.get(7)?;
                    Ok(StoredPost {
                        post: Post {
                            id: r.get(0)?,
                            url: r.get(1)?,
                            title: r.get(2)?,
                            published_at: published.and_then(|t| parse_time(&t).ok().flatten()),
                            author: r.get(4)?,
                            text: r.get(6)?,
                            truncated: false,
                            comments: comments
                                .and_then(|c| serde_json::from_str(&c).ok())
                                .unwrap_or_default(),
                        },
                        content_hash: r.get(5)?,
                    })
                },
            )
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err(&self.path, "cannot read stored posts", e))?;
        Ok(rows)
    }

    fn finish_account(
        &mut self,
        run: i64,
        account_key: &str,
        c: &AccountCommit<'_>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = |what: &str, x: rusqlite::Error| err(&path, what, x);
        self.conn
            .execute(
                "INSERT OR REPLACE INTO run_accounts (run_id, account_key, account_id, status, posts_read, posts_scanned, findings, problems)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    run,
                    account_key,
                    c.account_id,
                    c.status,
                    c.posts_read as i64,
                    c.posts_scanned as i64,
                    c.findings as i64,
                    serde_json::to_string(c.problems).unwrap_or_default()
                ],
            )
            .map_err(|x| e("cannot record the account's result", x))?;
        if c.cursor.is_some() || c.last_post_at.is_some() {
            // Never move the position backwards (a rescan reads older posts).
            self.conn
                .execute(
                    "INSERT INTO cursors (account_key, cursor, last_post_at, run_id) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (account_key) DO UPDATE SET
                       cursor = COALESCE(?2, cursor),
                       last_post_at = CASE WHEN last_post_at IS NULL OR ?3 > last_post_at THEN ?3 ELSE last_post_at END,
                       run_id = ?4",
                    params![account_key, c.cursor, c.last_post_at, run],
                )
                .map_err(|x| e("cannot record the cursor", x))?;
        }
        self.conn
            .execute_batch("COMMIT")
            .map_err(|x| e("cannot commit the account", x))
    }

    fn reviews(&mut self, fingerprints: &[&str]) -> Result<crate::model::Reviews, StoreError> {
        self.review_states(fingerprints).map(super::review::non_new)
    }

    fn abort_account(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn runs(&mut self, limit: usize) -> Result<Vec<RunRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{RUN_SELECT} ORDER BY id DESC LIMIT ?1"))
            .map_err(|e| err(&self.path, "cannot read runs", e))?;
        let rows = stmt
            .query_map(params![limit as i64], run_row)
            .and_then(|r| r.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err(&self.path, "cannot read runs", e))?;
        Ok(rows)
    }

    fn run(
        &mut self,
        id_or_label: &str,
    ) -> Result<Option<(RunRow, Vec<RunAccountRow>)>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("{RUN_SELECT} WHERE label = ?1 OR CAST(id AS TEXT) = ?1"),
                params![id_or_label],
                run_row,
            )
            .optional()
            .map_err(|e| err(&self.path, "cannot read the run", e))?;
        let Some(row) = row else { return Ok(None) };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT account_id, status, posts_read, posts_scanned, findings, problems FROM run_accounts WHERE run_id = ?1 ORDER BY account_id",
            )
            .map_err(|e| err(&self.path, "cannot read the run's accounts", e))?;
        let accounts = stmt
            .query_map(params![row.id], |r| {
                let problems: String = r.get(5)?;
                Ok(RunAccountRow {
                    account_id: r.get(0)?,
                    status: r.get(1)?,
                    posts_read: r.get::<_, i64>(2)? as u64,
                    posts_scanned: r.get::<_, i64>(3)? as u64,
                    findings: r.get::<_, i64>(4)? as u64,
                    problems: serde_json::from_str(&problems).unwrap_or_default(),
                })
            })
            .and_then(|r| r.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err(&self.path, "cannot read the run's accounts", e))?;
        Ok(Some((row, accounts)))
    }
}

/// Records one account's registry snapshot (`data`, its JSON) in `run`,
/// and, where its leader or administrator differs from the account's
/// previous snapshot, the change in `contact_history`, dated `at`. Shared by
/// scans and `accounts import`. Cost: one indexed lookup and one to three
/// inserts. The error says what failed, for the caller's message.
pub(crate) fn snapshot_account(
    tx: &rusqlite::Transaction<'_>,
    run: i64,
    at: &str,
    key: &str,
    id: &str,
    data: &serde_json::Value,
) -> Result<Vec<ContactChange>, (&'static str, rusqlite::Error)> {
    let previous: Option<String> = tx
        .query_row(
            "SELECT data FROM registry_snapshots WHERE account_key = ?1 AND run_id < ?2 ORDER BY run_id DESC LIMIT 1",
            params![key, run],
            |r| r.get(0),
        )
        .optional()
        .map_err(|x| ("cannot read the previous registry snapshot", x))?;
    let mut changes = Vec::new();
    if let Some(prev) = previous.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok()) {
        for role in ["leader", "admin"] {
            let (before, now) = (&prev[role], &data[role]);
            if before != now {
                tx.execute(
                    "INSERT INTO contact_history (account_key, account_id, role, seen_at, run_id, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![key, id, role, at, run, before.to_string(), now.to_string()],
                )
                .map_err(|x| ("cannot record a contact change", x))?;
                changes.push(ContactChange {
                    account_id: id.to_string(),
                    role: role.to_string(),
                    before: before["name"].as_str().unwrap_or_default().to_string(),
                    after: now["name"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
    }
    tx.execute(
        "INSERT OR REPLACE INTO registry_snapshots (run_id, account_id, account_key, data) VALUES (?1, ?2, ?3, ?4)",
        params![run, id, key, data.to_string()],
    )
    .map_err(|x| ("cannot snapshot the registry", x))?;
    Ok(changes)
}

/// The finding as stored for later reports (novelty is per run, so it is
/// stored as `new`).
fn finding_json(f: &crate::model::Finding) -> String {
    let mut f = f.clone();
    f.novelty = crate::model::Novelty::New;
    serde_json::to_string(&f).unwrap_or_default()
}

const RUN_SELECT: &str = "SELECT id, label, kind, status, started_at, finished_at, accounts_ok, accounts_failed,
    posts_fetched, posts_scanned, findings_new, findings_existing, arguments, rule_versions, note FROM runs";

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    let n = |i: usize| r.get::<_, i64>(i).map(|v| v as u64);
    let status: String = r.get(3)?;
    let finished: Option<String> = r.get(5)?;
    Ok(RunRow {
        id: r.get(0)?,
        label: r.get(1)?,
        kind: r.get(2)?,
        status: status.clone(),
        started_at: r.get(4)?,
        finished_at: finished.clone(),
        totals: RunTotals {
            status,
            finished_at: finished.unwrap_or_default(),
            accounts_ok: n(6)?,
            accounts_failed: n(7)?,
            posts_fetched: n(8)?,
            posts_scanned: n(9)?,
            findings_new: n(10)?,
            findings_existing: n(11)?,
        },
        arguments: r.get(12)?,
        rule_versions: r.get(13)?,
        note: r.get(14)?,
    })
}
