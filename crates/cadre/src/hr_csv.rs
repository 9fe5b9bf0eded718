//! `cadre import hr FILE`: reads the HR system's CSV export and streams it to the directory.
//!
//! Every data row is sent, even one that does not parse here, so the server's row numbers are the file's
//! data rows (line = row + 1) and all problems come back in one report.

use std::path::Path;

use anyhow::Context as _;
use cadre_directory::domain::codes::{CadreCategory, CadreStatus, Education, PostLevel, RankGrade};
use cadre_proto::{directory as pb, types};
use serde::{Deserialize, Serialize};

/// The CSV columns, by header name.
pub const COLUMNS: &[&str] = &[
    "external_id",
    "name",
    "citizen_id",
    "gender",
    "birth_date",
    "work_start_date",
    "party_entry_date",
    "education",
    "category",
    "employing_unit_code",
    "managing_unit_code",
    "post_title",
    "post_level",
    "is_leader",
    "is_team_member",
    "is_principal",
    "post_start_date",
    "rank",
    "rank_start_date",
    "status",
];

/// One CSV row as text.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct HrRow {
    /// HR id.
    pub external_id: String,
    /// Name.
    pub name: String,
    /// Citizen id.
    pub citizen_id: String,
    /// `male`/`female` or `男`/`女`.
    pub gender: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `YYYY-MM-DD`.
    pub work_start_date: String,
    /// `YYYY-MM-DD` or empty.
    pub party_entry_date: String,
    /// Education code, e.g. `university`.
    pub education: String,
    /// Category code, e.g. `civil_servant`.
    pub category: String,
    /// Employing unit code.
    pub employing_unit_code: String,
    /// Managing unit code (empty: the employing unit).
    pub managing_unit_code: String,
    /// Post title.
    pub post_title: String,
    /// Post level code, e.g. `township_deputy`.
    pub post_level: String,
    /// `true`/`false`.
    pub is_leader: String,
    /// `true`/`false`.
    pub is_team_member: String,
    /// `true`/`false`.
    pub is_principal: String,
    /// `YYYY-MM-DD` or empty.
    pub post_start_date: String,
    /// Rank code, e.g. `principal_staff_2`, or empty.
    pub rank: String,
    /// `YYYY-MM-DD` or empty.
    pub rank_start_date: String,
    /// Status code, e.g. `active`.
    pub status: String,
}

/// An invalid date travels as the impossible 0000-00-00, so the server names the field.
fn date(text: &str) -> Option<types::Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => cadre_directory::convert::date_to(d),
        Err(_) => types::Date { year: 0, month: 0, day: 0 },
    })
}

/// An unknown code travels as -1 ("not a known value"); an empty one as 0 ("required").
fn code(text: &str, parse: impl Fn(&str) -> Option<i32>) -> i32 {
    let text = text.trim();
    if text.is_empty() { 0 } else { parse(text).unwrap_or(-1) }
}

fn flag(text: &str) -> bool {
    matches!(text.trim().to_lowercase().as_str(), "true" | "1" | "yes" | "y" | "是")
}

impl HrRow {
    /// The row as the import RPC takes it.
    pub fn to_record(&self) -> pb::HrCadreRecord {
        let gender = match self.gender.trim().to_lowercase().as_str() {
            "male" | "m" | "男" => pb::Gender::Male as i32,
            "female" | "f" | "女" => pb::Gender::Female as i32,
            _ => 0,
        };
        let rank = (!self.rank.trim().is_empty()).then(|| pb::Rank {
            grade: code(&self.rank, |s| RankGrade::from_code(s).map(RankGrade::number)),
            start_date: date(&self.rank_start_date),
        });
        pb::HrCadreRecord {
            external_id: self.external_id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            citizen_id: self.citizen_id.trim().to_owned(),
            gender,
            birth_date: date(&self.birth_date),
            work_start_date: date(&self.work_start_date),
            party_entry_date: date(&self.party_entry_date),
            education: code(&self.education, |s| Education::from_code(s).map(Education::number)),
            category: code(&self.category, |s| CadreCategory::from_code(s).map(CadreCategory::number)),
            employing_unit_code: self.employing_unit_code.trim().to_owned(),
            managing_unit_code: self.managing_unit_code.trim().to_owned(),
            post: Some(pb::Post {
                title: self.post_title.trim().to_owned(),
                level: code(&self.post_level, |s| PostLevel::from_code(s).map(PostLevel::number)),
                is_leader: flag(&self.is_leader),
                is_team_member: flag(&self.is_team_member),
                is_principal: flag(&self.is_principal),
                start_date: date(&self.post_start_date),
            }),
            rank,
            status: code(&self.status, |s| CadreStatus::from_code(s).map(CadreStatus::number)),
        }
    }
}

/// Reads the whole file into records. A row the CSV reader cannot split is an error naming its line.
pub fn read(path: &Path) -> anyhow::Result<Vec<pb::HrCadreRecord>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let missing: Vec<_> = ["external_id", "citizen_id", "employing_unit_code"]
        .iter()
        .filter(|c| !headers.iter().any(|h| h == **c))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "{}: missing columns {missing:?}; expected {COLUMNS:?}",
        path.display()
    );
    reader
        .deserialize::<HrRow>()
        .enumerate()
        .map(|(i, row)| {
            row.map(|r| r.to_record()).with_context(|| format!("{}: line {}", path.display(), i + 2))
        })
        .collect()
}

/// Streams records to the directory through the gateway at `endpoint`, as the holder of `token`, and returns
/// the directory's report.
pub async fn send(
    endpoint: &str,
    token: &str,
    records: Vec<pb::HrCadreRecord>,
    max_message_bytes: usize,
) -> anyhow::Result<pb::ImportCadresResponse> {
    let channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
        .with_context(|| format!("{endpoint} is not a URL"))?
        .connect()
        .await
        .with_context(|| format!("cannot reach the gateway at {endpoint}"))?;
    let bearer: tonic::metadata::MetadataValue<tonic::metadata::Ascii> =
        format!("Bearer {token}").parse().context("the token is not a valid header value")?;
    let mut client = pb::directory_service_client::DirectoryServiceClient::with_interceptor(
        channel,
        move |mut request: tonic::Request<()>| {
            request.metadata_mut().insert("authorization", bearer.clone());
            Ok(request)
        },
    )
    .max_encoding_message_size(max_message_bytes);
    let stream = tokio_stream::iter(
        records.into_iter().map(|record| pb::ImportCadresRequest { record: Some(record) }),
    );
    Ok(client.import_cadres(stream).await.context("import failed")?.into_inner())
}

/// Writes rows as CSV in the import's format (for exports and tests); the header comes from the fields.
pub fn write(path: &Path, rows: &[HrRow]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    if rows.is_empty() {
        writer.write_record(COLUMNS)?;
    }
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_map_to_records_and_bad_values_stay_visible() {
        let row = HrRow {
            external_id: " HR1 ".into(),
            gender: "女".into(),
            birth_date: "1990-02-30".into(),
            education: "university".into(),
            category: "nonsense".into(),
            rank: "staff_1".into(),
            rank_start_date: "2020-01-01".into(),
            is_leader: "是".into(),
            ..HrRow::default()
        };
        let record = row.to_record();
        assert_eq!(record.external_id, "HR1");
        assert_eq!(record.gender, pb::Gender::Female as i32);
        assert_eq!(
            record.birth_date,
            Some(types::Date { year: 0, month: 0, day: 0 }),
            "bad date sent as impossible"
        );
        assert_eq!(record.education, Education::University.number());
        assert_eq!(record.category, -1, "unknown code");
        assert_eq!(record.status, 0, "empty code");
        assert_eq!(record.rank.unwrap().grade, RankGrade::Staff1.number());
        assert!(record.post.unwrap().is_leader);
    }

    #[test]
    fn the_documented_columns_are_the_row_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hr.csv");
        write(&path, &[HrRow::default()]).unwrap();
        let header = std::fs::read_to_string(&path).unwrap().lines().next().unwrap().to_owned();
        assert_eq!(header, COLUMNS.join(","));
    }

    #[test]
    fn files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hr.csv");
        let rows = vec![HrRow { external_id: "A".into(), name: "张三".into(), ..HrRow::default() }; 3];
        write(&path, &rows).unwrap();
        let records = read(&path).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].name, "张三");
        std::fs::write(&path, "name\nx\n").unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("missing columns"));
    }
}
