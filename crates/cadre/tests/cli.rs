//! The real `cadre` binary: serve, import a CSV from the HR system twice, verify the audit chain.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use cadre::hr_csv::{self, HrRow};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Ports of one run: directory, identity, gateway.
#[derive(Clone, Copy)]
struct Ports(u16, u16, u16);

fn cadre(dir: &std::path::Path, ports: Ports) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cadre"));
    command
        .current_dir(dir)
        .env("CADRE_DATA_DIR", dir.join("data"))
        .env("CADRE_METRICS_LISTEN", "")
        .env("CADRE_SERVICES__DIRECTORY__LISTEN", format!("127.0.0.1:{}", ports.0))
        .env("CADRE_SERVICES__IDENTITY__LISTEN", format!("127.0.0.1:{}", ports.1))
        .env("CADRE_GATEWAY__LISTEN", format!("127.0.0.1:{}", ports.2))
        // Only `serve` listens on it, and the suite tells the gateway where.
        .env("CADRE_SERVICES__LEAVE__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("CADRE_SERVICES__RANK__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("CADRE_SERVICES__ASSESSMENT__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("CADRE_SERVICES__CARE__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("CADRE_SERVICES__FORUM__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("CADRE_SERVICES__OVERSIGHT__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env_remove("CADRE_CONFIG")
        .env_remove("CADRE_TOKEN");
    command
}

#[test]
fn serve_import_and_verify_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let port = Ports(free_port(), free_port(), free_port());

    // Seed a tree through `cadre dev`, which serves until killed.
    let mut dev = Server(
        cadre(dir.path(), port).arg("dev").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap(),
    );
    let stdout = BufReader::new(dev.0.stdout.take().unwrap());
    let banner: Vec<String> =
        stdout.lines().map_while(Result::ok).take_while(|l| !l.starts_with("Demo accounts")).collect();
    assert!(banner.iter().any(|l| l.contains(&format!("127.0.0.1:{}", port.2))), "{banner:?}");

    let csv = dir.path().join("hr.csv");
    let row = |n: u32, unit: &str| {
        let birth: chrono::NaiveDate = "1979-05-04".parse().unwrap();
        let id = cadre_directory::domain::citizen_id::CitizenId::compose("510199", birth, n as u16).unwrap();
        HrRow {
            external_id: format!("EXT{n}"),
            name: format!("导入{n}"),
            citizen_id: id.as_str().to_owned(),
            gender: if n % 2 == 1 { "男" } else { "女" }.into(),
            birth_date: birth.to_string(),
            work_start_date: "2001-08-01".into(),
            education: "university".into(),
            category: "civil_servant".into(),
            employing_unit_code: unit.into(),
            post_title: "科员".into(),
            post_level: "none".into(),
            rank: "staff_1".into(),
            rank_start_date: "2012-01-01".into(),
            status: "active".into(),
            ..HrRow::default()
        }
    };
    hr_csv::write(&csv, &[row(1, "T01"), row(2, "U01"), row(3, "NOPE")]).unwrap();
    let endpoint = format!("http://127.0.0.1:{}", port.2);
    let token = cadre(dir.path(), port).args(["dev", "token", "--as", "hr-system"]).output().unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let refused = cadre(dir.path(), port)
        .args(["import", "hr"])
        .arg(&csv)
        .args(["--endpoint", &endpoint, "--token", "cst_not-a-session"])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "an import without a valid token is refused");

    let wait_ready = || {
        let mut last = String::new();
        for _ in 0..600 {
            let out = cadre(dir.path(), port)
                .args(["import", "hr"])
                .arg(&csv)
                .args(["--endpoint", &endpoint])
                .env("CADRE_TOKEN", &token)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            if text.contains("rows read") {
                return (out.status.success(), text);
            }
            last = String::from_utf8_lossy(&out.stderr).to_string();
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the suite never answered through the gateway: {last}");
    };
    let (ok, first) = wait_ready();
    assert!(!ok, "a rejected row makes the command fail");
    assert!(first.contains("created 2, updated 0, unchanged 0, rejected 1"), "{first}");
    assert!(first.contains("line 4 (EXT3)") && first.contains("employing_unit_code"), "{first}");
    assert!(!first.contains("employing_unit_id"), "the unresolved code explains the missing id: {first}");
    let (_, second) = wait_ready();
    assert!(second.contains("created 0, updated 0, unchanged 2, rejected 1"), "{second}");
    drop(dev);

    let verify = cadre(dir.path(), port).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text} {}", String::from_utf8_lossy(&verify.stderr));
    assert!(text.contains("directory: audit chain intact"), "{text}");
    let all = cadre(dir.path(), port).args(["audit", "verify", "--target", "all"]).output().unwrap();
    assert!(String::from_utf8_lossy(&all.stdout).contains("identity: audit chain intact"));

    let bad =
        cadre(dir.path(), port).env("CADRE_SERVER__MAX_IN_FLIGHT", "many").args(["serve"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("server.max_in_flight"),
        "a bad value names its key"
    );
    let unknown = cadre(dir.path(), port).args(["serve", "--target", "payroll"]).output().unwrap();
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown target"));
}
