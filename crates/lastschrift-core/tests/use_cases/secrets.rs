//! Secrets at rest and the store the settings name, on both backends.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use lastschrift_core::secret::{self, SecretKey, SevdeskToken};
use lastschrift_store::{Backend, Store, open_url};

struct Ctx {
    store: Arc<dyn Store>,
    /// SQLite only: the database file.
    sqlite_path: Option<PathBuf>,
}

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: Future<Output = ()>,
{
    common::with_sqlite(|url, path| async move {
        let store = open_url(&url).await.expect("open SQLite store");
        let ctx = Arc::new(Ctx {
            store,
            sqlite_path: Some(path),
        });
        test(ctx.clone()).await;
        ctx.store.close().await;
    })
    .await;
}

#[cfg(feature = "postgres-tests")]
async fn run_postgres<F, Fut>(test: F)
where
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: Future<Output = ()>,
{
    common::with_postgres_schema("lastschrift_secret", |url| async move {
        let store = open_url(&url).await.expect("open PostgreSQL store");
        let ctx = Arc::new(Ctx {
            store,
            sqlite_path: None,
        });
        test(ctx.clone()).await;
        ctx.store.close().await;
    })
    .await;
}

backends!(token_is_never_stored_in_clear);

mod tests {
    use super::*;

    pub async fn token_is_never_stored_in_clear(ctx: Arc<Ctx>) {
        const TOKEN: &str = "f00dfeedcafe4711f00dfeedcafe4711";
        let key = SecretKey::generate();
        let store = ctx.store.as_ref();
        assert!(
            secret::load_sevdesk_token(store, &key)
                .await
                .unwrap()
                .is_none()
        );
        let token = SevdeskToken::new(TOKEN).unwrap();
        secret::save_sevdesk_token(store, &key, &token)
            .await
            .unwrap();
        let loaded = secret::load_sevdesk_token(store, &key)
            .await
            .unwrap()
            .expect("token stored");
        assert_eq!(loaded.expose(), TOKEN);

        let sealed = store.secret(secret::SEVDESK_TOKEN).await.unwrap().unwrap();
        assert!(!contains(&sealed, TOKEN.as_bytes()));

        let wrong = secret::load_sevdesk_token(store, &SecretKey::generate())
            .await
            .unwrap_err();
        assert!(wrong.to_string().contains("cannot be decrypted"), "{wrong}");

        if let Some(path) = &ctx.sqlite_path {
            // Search every byte SQLite wrote: the main file and the write-ahead log.
            let mut files = vec![path.clone()];
            for suffix in ["-wal", "-shm"] {
                files.push(PathBuf::from(format!("{}{suffix}", path.display())));
            }
            let mut searched = 0;
            for file in files {
                if let Ok(bytes) = std::fs::read(&file) {
                    searched += bytes.len();
                    assert!(
                        !contains(&bytes, TOKEN.as_bytes()),
                        "token found in clear in {}",
                        file.display()
                    );
                }
            }
            assert!(searched > 0, "no database bytes were searched");
            // The check must be able to fail: the same search finds a value stored in clear.
            store.put_setting("canary", TOKEN).await.unwrap();
            let mut found = false;
            for suffix in ["", "-wal"] {
                if let Ok(bytes) = std::fs::read(format!("{}{suffix}", path.display())) {
                    found |= contains(&bytes, TOKEN.as_bytes());
                }
            }
            assert!(found, "the search did not find a value stored in clear");
        }
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }
}

#[tokio::test]
async fn sqlite_store_opens_from_settings_with_wal() {
    let dir = tempfile::tempdir().unwrap();
    let settings = lastschrift_core::settings::Settings {
        data_dir: dir.path().join("nested").join("data"),
        ..Default::default()
    };
    let store = lastschrift_store::open_url(&settings.database_url())
        .await
        .unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.put_setting("k", "v").await.unwrap();
    assert!(settings.sqlite_path().is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&settings.data_dir)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "data directory mode {mode:o}");
    }
    let wal = PathBuf::from(format!("{}-wal", settings.sqlite_path().display()));
    assert!(wal.exists(), "journal mode is WAL");
    store.close().await;
}
