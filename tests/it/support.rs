//! Helpers: a `nous` binary in a temporary home, and outcome checks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `nous` binary Cargo built for these tests.
pub fn nous_bin() -> &'static str {
    env!("CARGO_BIN_EXE_nous")
}

/// A temporary Nous home and the `nous` command pointed at it.
pub struct Home {
    dir: tempfile::TempDir,
}

/// What a command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Assert success and return stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Assert failure with a one-line reason containing `needle`; return it.
    #[track_caller]
    pub fn fails_with(&self, needle: &str) -> &str {
        assert_ne!(
            self.code, 0,
            "expected failure, got stdout: {}",
            self.stdout
        );
        assert_ne!(self.code, 101, "a panic: {}", self.stderr);
        let line = self.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "one line on stderr, got:\n{line}");
        assert!(
            line.contains(needle),
            "stderr `{line}` does not mention `{needle}`"
        );
        line
    }

    /// Parse stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    /// Parse stdout as JSON whatever the exit code (`nous verify` prints
    /// its report, then fails when the report is not ok).
    #[track_caller]
    pub fn stdout_json(&self) -> serde_json::Value {
        assert_ne!(self.code, 101, "a panic: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl Home {
    /// A home that `nous init` has set up.
    pub fn new() -> Self {
        let home = Home::empty();
        home.run(&["init"]).ok();
        home
    }

    /// A directory with nothing in it.
    pub fn empty() -> Self {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A copy of this home (a whole Nous home, key included) in a new one.
    pub fn twin(&self) -> Home {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).expect("mkdir");
            for entry in std::fs::read_dir(from).expect("read dir") {
                let entry = entry.expect("entry");
                let target = to.join(entry.file_name());
                if entry.file_type().expect("type").is_dir() {
                    copy(&entry.path(), &target);
                } else {
                    std::fs::copy(entry.path(), &target).expect("copy");
                }
            }
        }
        let other = Home::empty();
        copy(&self.path(), &other.path());
        other
    }

    /// A scratch file path next to the home.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(nous_bin());
        command
            .arg("--home")
            .arg(self.path())
            .args(args)
            .env_remove("NOUS_HOME")
            .env_remove("NOUS_LOG")
            .env_remove("NOUS_NOW")
            // English whatever this machine's locale (the French tests
            // ask for French).
            .env("NOUS_LANG", "en")
            .env("EDITOR", "false")
            .env_remove("VISUAL")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run nous"))
    }

    /// Run speaking `lang` (`NOUS_LANG`; the locale variables removed).
    pub fn run_in(&self, lang: &str, args: &[&str]) -> Run {
        let mut command = self.command(args);
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            command.env_remove(name);
        }
        Run::from(command.env("NOUS_LANG", lang).output().expect("run nous"))
    }

    /// Run speaking `lang`, with the engine's clock set to `now`.
    pub fn run_in_at(&self, lang: &str, now: &str, args: &[&str]) -> Run {
        let mut command = self.command(args);
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            command.env_remove(name);
        }
        command.env("NOUS_LANG", lang).env("NOUS_NOW", now);
        Run::from(command.output().expect("run nous"))
    }

    /// Run with the engine's clock set to `now` (`NOUS_NOW`: a date
    /// `YYYY-MM-DD[THH:MM]`, UTC): record timestamps and deadlines.
    pub fn run_at(&self, now: &str, args: &[&str]) -> Run {
        Run::from(
            self.command(args)
                .env("NOUS_NOW", now)
                .output()
                .expect("run nous"),
        )
    }

    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write as _;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nous");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
        Run::from(child.wait_with_output().expect("wait"))
    }

    /// Create a charter from Markdown and return its id.
    pub fn charter(&self, markdown: &str) -> String {
        let path = self.file("charter.md");
        std::fs::write(&path, markdown).expect("write markdown");
        let out = self
            .run(&["--json", "charter", "new", "--from", path_str(&path)])
            .json();
        out["id"].as_str().expect("id").to_owned()
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// A cooperative's charter, with accents, emoji and right-to-left text.
pub const COOP: &str = "# Charte de la coopérative\n\nNous, membres… ✊ · معًا\n\n## Adhésion\n<!-- nous:section id=adhesion tags=membership.entry -->\n\nToute personne peut adhérer.\n\n1. Sur demande écrite.\n\n2. Le collège statue sous un mois.\n\n## Départ\n<!-- nous:section id=depart tags=membership.exit -->\n\nOn part quand on veut. 👋\n\n## Tensions\n<!-- nous:section id=tensions tags=tensions -->\n\nD'abord en parler, puis la médiation.\n";
