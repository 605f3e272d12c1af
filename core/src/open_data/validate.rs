//! Check an export against its own `datapackage.json`, reading only the
//! archive (none of the writer's tables): every resource is there, every
//! CSV's header is its schema's fields in order, every cell parses as its
//! declared type, primary keys are unique, foreign keys point at rows that
//! exist, and every CSV holds the same rows as its JSON twin. What a
//! Frictionless validator checks, and what `nous` can check without one.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use serde_json::Value;

/// What a valid export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// The files in the archive, by name.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The CSV resources checked, with their rows (header aside).
    pub tables: BTreeMap<String, usize>,
}

/// Check the export `archive`; every problem found, or what it holds.
pub fn validate(archive: &[u8]) -> Result<Validated, Vec<String>> {
    let files = unzip(archive).map_err(|e| vec![e])?;
    let mut problems = Vec::new();
    let Some(package) = files.get("datapackage.json") else {
        return Err(vec!["no datapackage.json".into()]);
    };
    let package: Value = match serde_json::from_slice(package) {
        Ok(v) => v,
        Err(e) => return Err(vec![format!("datapackage.json does not parse: {e}")]),
    };
    let Some(resources) = package.get("resources").and_then(Value::as_array) else {
        return Err(vec!["datapackage.json has no resources".into()]);
    };
    for key in ["name", "licenses"] {
        if package.get(key).is_none() {
            problems.push(format!("datapackage.json has no `{key}`"));
        }
    }
    let mut described = BTreeSet::from(["datapackage.json".to_owned()]);
    let mut names = BTreeSet::new();
    let mut parsed: BTreeMap<String, (Vec<String>, Vec<Vec<String>>)> = BTreeMap::new();
    for resource in resources {
        let name = resource.get("name").and_then(Value::as_str).unwrap_or("");
        let path = resource.get("path").and_then(Value::as_str).unwrap_or("");
        if !valid_name(name) {
            problems.push(format!("resource name `{name}` is not lowercase a-z0-9._-"));
        }
        if !names.insert(name.to_owned()) {
            problems.push(format!("resource `{name}` is described twice"));
        }
        described.insert(path.to_owned());
        if !files.contains_key(path) {
            problems.push(format!("resource `{name}`: no file {path}"));
            continue;
        }
        if resource.get("format").and_then(Value::as_str) != Some("csv") {
            continue;
        }
        match check_csv(name, path, resource, &files) {
            Ok(table) => {
                parsed.insert(name.to_owned(), table);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    for name in files.keys() {
        if !described.contains(name) {
            problems.push(format!(
                "{name} is in the archive but not in datapackage.json"
            ));
        }
    }
    // Foreign keys, once every table is read.
    for resource in resources {
        let name = resource.get("name").and_then(Value::as_str).unwrap_or("");
        let Some((header, rows)) = parsed.get(name) else {
            continue;
        };
        let keys = resource
            .pointer("/schema/foreignKeys")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for key in keys {
            let field = key.get("fields").and_then(Value::as_str).unwrap_or("");
            let other = key
                .pointer("/reference/resource")
                .and_then(Value::as_str)
                .unwrap_or("");
            let other_field = key
                .pointer("/reference/fields")
                .and_then(Value::as_str)
                .unwrap_or("");
            let Some((other_header, other_rows)) = parsed.get(other) else {
                problems.push(format!("{name}: foreign key to unknown resource `{other}`"));
                continue;
            };
            let (Some(i), Some(j)) = (
                header.iter().position(|h| h == field),
                other_header.iter().position(|h| h == other_field),
            ) else {
                problems.push(format!("{name}: foreign key names unknown fields"));
                continue;
            };
            let targets: BTreeSet<&str> = other_rows.iter().map(|r| r[j].as_str()).collect();
            for row in rows {
                if !row[i].is_empty() && !targets.contains(row[i].as_str()) {
                    problems.push(format!(
                        "{name}: {field} `{}` is no {other}.{other_field}",
                        row[i]
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(Validated {
            tables: parsed
                .iter()
                .map(|(name, (_, rows))| (name.clone(), rows.len()))
                .collect(),
            files,
        })
    } else {
        Err(problems)
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn unzip(archive: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut zip = ::zip::ZipArchive::new(std::io::Cursor::new(archive))
        .map_err(|e| format!("not a ZIP archive: {e}"))?;
    let mut files = BTreeMap::new();
    for n in 0..zip.len() {
        let mut file = zip.by_index(n).map_err(|e| format!("entry {n}: {e}"))?;
        let name = file
            .name()
            .map_err(|e| format!("entry {n}: {e}"))?
            .into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: {e}"))?;
        if files.insert(name.clone(), bytes).is_some() {
            return Err(format!("{name} is in the archive twice"));
        }
    }
    Ok(files)
}

type Parsed = (Vec<String>, Vec<Vec<String>>);

/// One CSV resource against its schema and its JSON twin.
fn check_csv(
    name: &str,
    path: &str,
    resource: &Value,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Parsed, Vec<String>> {
    let mut problems = Vec::new();
    let bytes = &files[path];
    let Some(text) = bytes.strip_prefix("\u{feff}".as_bytes()) else {
        return Err(vec![format!(
            "{path} does not start with a UTF-8 byte-order mark"
        )]);
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(vec![format!("{path} is not UTF-8")]);
    };
    let mut records = parse_csv(text).map_err(|e| vec![format!("{path}: {e}")])?;
    if records.is_empty() {
        return Err(vec![format!("{path} has no header row")]);
    }
    let header = records.remove(0);
    let fields = resource
        .pointer("/schema/fields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let declared: Vec<(String, String)> = fields
        .iter()
        .map(|f| {
            (
                f.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                f.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("string")
                    .to_owned(),
            )
        })
        .collect();
    for field in &fields {
        if field.get("description").and_then(Value::as_str).is_none() {
            problems.push(format!("{name}: a field has no description"));
        }
    }
    let names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
    if header != names {
        return Err(vec![format!(
            "{path}: header {header:?} is not the schema's fields {names:?}"
        )]);
    }
    for (n, row) in records.iter().enumerate() {
        if row.len() != header.len() {
            problems.push(format!(
                "{path} row {}: {} cells for {} fields",
                n + 1,
                row.len(),
                header.len()
            ));
            continue;
        }
        for ((field, ty), cell) in declared.iter().zip(row) {
            if !cell.is_empty() && !parses_as(ty, cell) {
                problems.push(format!(
                    "{path} row {}: {field} `{cell}` is not a {ty}",
                    n + 1
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Primary key: present and unique.
    let key: Vec<usize> = match resource.pointer("/schema/primaryKey") {
        Some(Value::String(one)) => header.iter().position(|h| h == one).into_iter().collect(),
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|k| header.iter().position(|h| h == k))
            .collect(),
        _ => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for row in &records {
        let value: Vec<&str> = key.iter().map(|&i| row[i].as_str()).collect();
        if value.iter().any(|v| v.is_empty()) {
            problems.push(format!("{path}: a primary key is empty"));
        } else if !seen.insert(value.clone()) {
            problems.push(format!("{path}: primary key {value:?} twice"));
        }
    }
    // The JSON twin.
    let twin = path.strip_suffix(".csv").map(|stem| format!("{stem}.json"));
    match twin.as_ref().and_then(|t| files.get(t).map(|b| (t, b))) {
        None => problems.push(format!("{path} has no JSON twin")),
        Some((twin, bytes)) => match serde_json::from_slice::<Value>(bytes) {
            Err(e) => problems.push(format!("{twin} does not parse: {e}")),
            Ok(value) => {
                if let Err(e) = same_rows(&declared, &records, &value) {
                    problems.push(format!("{path} and {twin} differ: {e}"));
                }
            }
        },
    }
    if problems.is_empty() {
        Ok((header, records))
    } else {
        Err(problems)
    }
}

/// Whether `cell` (not empty) is a value of Table Schema type `ty`.
fn parses_as(ty: &str, cell: &str) -> bool {
    match ty {
        "integer" => {
            let digits = cell.strip_prefix('-').unwrap_or(cell);
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && cell.parse::<i64>().is_ok()
        }
        "number" => {
            cell.parse::<f64>().is_ok_and(f64::is_finite) && !cell.contains(['e', 'E', '+'])
        }
        "boolean" => cell == "true" || cell == "false",
        "datetime" => datetime(cell),
        _ => true,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, a real date and time.
fn datetime(cell: &str) -> bool {
    let b = cell.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return false;
    }
    if b[16] != b':' || b[19] != b'Z' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &cell[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 60
}

/// RFC 4180: records of fields, CRLF (or LF) between records, fields in
/// double quotes where they hold commas, quotes or line breaks.
pub(super) fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => return Err("a quote inside an unquoted field".into()),
            ',' => {
                record.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                was_quoted = false;
            }
            c if was_quoted => return Err(format!("`{c}` after a closing quote")),
            c => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field never closes".into());
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// Whether the JSON twin holds the CSV's rows: an array of objects, one
/// per row, each with the fields' values typed (an empty cell is `null`);
/// or, for a `metric,value` table, a document whose flattening is the
/// rows.
fn same_rows(
    declared: &[(String, String)],
    rows: &[Vec<String>],
    value: &Value,
) -> Result<(), String> {
    match value {
        Value::Array(items) => {
            if items.len() != rows.len() {
                return Err(format!("{} rows, {} objects", rows.len(), items.len()));
            }
            for (n, (row, item)) in rows.iter().zip(items).enumerate() {
                let Some(object) = item.as_object() else {
                    return Err(format!("item {n} is not an object"));
                };
                if object.len() != declared.len() {
                    return Err(format!("item {n} has {} keys", object.len()));
                }
                for ((field, ty), cell) in declared.iter().zip(row) {
                    let Some(json) = object.get(field) else {
                        return Err(format!("item {n} has no `{field}`"));
                    };
                    if !cell_matches(ty, cell, json) {
                        return Err(format!("row {n}: {field} is `{cell}` and {json}"));
                    }
                }
            }
            Ok(())
        }
        document if declared.len() == 2 => {
            let flat = super::flatten(document);
            let csv: Vec<(String, String)> =
                rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
            if flat == csv {
                Ok(())
            } else {
                Err("the flattened document is not the rows".into())
            }
        }
        _ => Err("the twin is not an array of rows".into()),
    }
}

fn cell_matches(ty: &str, cell: &str, json: &Value) -> bool {
    match json {
        Value::Null => cell.is_empty(),
        Value::String(s) => matches!(ty, "string" | "datetime") && s == cell,
        Value::Bool(b) => ty == "boolean" && cell == if *b { "true" } else { "false" },
        Value::Number(n) => match ty {
            "integer" => n.as_i64().is_some_and(|n| cell.parse::<i64>() == Ok(n)),
            "number" => n
                .as_f64()
                .is_some_and(|n| cell.parse::<f64>().is_ok_and(|c| c == n)),
            _ => false,
        },
        _ => false,
    }
}
