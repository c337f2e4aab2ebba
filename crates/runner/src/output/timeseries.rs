//! The time series of a run: built in memory from the trajectory ([`Table::from_trajectory`]),
//! written as `timeseries.csv` ([`write_timeseries`]), and read back from a finished run's
//! directory for `plenum plot` ([`read_table`]). The plots of a run are drawn from the
//! table in memory, never from the file.

use std::path::Path;

use plenum_physics::{Network, Snapshot};

use super::atomic::write_new;
use super::error::OutputError;
use crate::run::Trajectory;

/// Column names of the time series of `net`, in order.
pub fn columns(net: &Network) -> Vec<String> {
    let mut h = vec!["time_s".to_string()];
    let multi = net.gas.len() > 1;
    for c in &net.compartments {
        h.push(format!("{}.pressure_Pa", c.name));
        h.push(format!("{}.temperature_K", c.name));
        h.push(format!("{}.mass_kg", c.name));
        if multi {
            for s in &net.gas.species {
                h.push(format!("{}.partial_pressure_{}_Pa", c.name, s.name));
            }
        }
    }
    for l in &net.links {
        h.push(format!("{}.mass_flow_kg_per_s", l.name));
    }
    for b in &net.boundaries {
        h.push(format!("{}.received_kg", b.name));
    }
    h
}

/// The values of one output row, in the order of [`columns`].
fn row_values(net: &Network, s: &Snapshot, out: &mut Vec<f64>) {
    out.clear();
    out.push(s.t);
    let multi = net.gas.len() > 1;
    for i in 0..net.compartments.len() {
        out.push(s.pressure[i]);
        out.push(s.temperature[i]);
        out.push(s.mass[i]);
        if multi {
            for k in 0..s.species {
                out.push(s.partial_pressure[i * s.species + k]);
            }
        }
    }
    out.extend(&s.flow);
    out.extend(&s.received);
}

/// A number in the shortest form that reads back to the same `f64`.
fn num(x: f64) -> String {
    if x == 0.0 || (x.abs() >= 1e-4 && x.abs() < 1e15) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A time series: column names (SI units in them) and columns of numbers, one value per
/// output time.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub columns: Vec<Vec<f64>>,
}

impl Table {
    /// The table of a run's trajectory on `net`.
    pub fn from_trajectory(net: &Network, traj: &Trajectory) -> Table {
        let headers = columns(net);
        let mut columns = vec![Vec::with_capacity(traj.rows.len()); headers.len()];
        let mut row = Vec::new();
        for s in &traj.rows {
            row_values(net, s, &mut row);
            for (c, v) in columns.iter_mut().zip(&row) {
                c.push(*v);
            }
        }
        Table { headers, columns }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| self.columns.get(i))
            .map(Vec::as_slice)
    }

    /// (item name, column) for every column named `ITEM<suffix>`.
    pub fn with_suffix<'a>(
        &'a self,
        suffix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [f64])> + 'a {
        self.headers
            .iter()
            .zip(&self.columns)
            .filter_map(move |(h, c)| h.strip_suffix(suffix).map(|n| (n, c.as_slice())))
    }

    /// Number of rows.
    fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
}

/// Write the tidy time series: one row per output time, SI units in the column names, each
/// number in the shortest form that reads back to the same `f64`.
pub fn write_timeseries(path: &Path, table: &Table) -> Result<(), OutputError> {
    let csv_error = |e: csv::Error| OutputError::BadTable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&table.headers).map_err(csv_error)?;
    let mut fields = Vec::with_capacity(table.columns.len());
    for i in 0..table.rows() {
        fields.clear();
        fields.extend(table.columns.iter().map(|c| num(c[i])));
        w.write_record(&fields).map_err(csv_error)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv_error(csv::Error::from(e.into_error())))?;
    Ok(write_new(path, &bytes)?)
}

/// Read a time series written by [`write_timeseries`].
pub fn read_table(path: &Path) -> Result<Table, OutputError> {
    let bad = |reason: String| OutputError::BadTable {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(super::error::io("reading", path))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        None => return Err(bad("the file is empty".into())),
        Some(r) => r.map_err(|e| bad(e.to_string()))?,
    }
    .iter()
    .map(String::from)
    .collect();
    if headers.first().map(String::as_str) != Some("time_s") {
        return Err(bad("the first column is not time_s".into()));
    }
    let mut columns = vec![Vec::new(); headers.len()];
    for record in records {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != headers.len() {
            return Err(bad(format!(
                "row {line} has {} values, the header {}",
                record.len(),
                headers.len()
            )));
        }
        for (c, f) in columns.iter_mut().zip(&record) {
            c.push(
                f.trim()
                    .parse::<f64>()
                    .map_err(|_| bad(format!("row {line}: '{f}' is not a number")))?,
            );
        }
    }
    Ok(Table { headers, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plots of a run are drawn from the table in memory, `plenum plot` from the file:
    /// the two must hold the same bits.
    #[test]
    fn a_written_table_reads_back_bit_for_bit() -> Result<(), OutputError> {
        let values = [
            0.0,
            -0.0,
            0.1 + 0.2,
            1e-300,
            -2.5e-5,
            101_325.0,
            1e15,
            -1.7976931348623157e308,
            f64::NAN,
            f64::INFINITY,
        ];
        let table = Table {
            headers: vec!["time_s".into(), "cabin.pressure_Pa".into()],
            columns: vec![
                (0..values.len()).map(|i| i as f64).collect(),
                values.to_vec(),
            ],
        };
        let dir =
            tempfile::tempdir().map_err(crate::output::error::io("creating", Path::new("tmp")))?;
        let path = dir.path().join("timeseries.csv");
        write_timeseries(&path, &table)?;
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(text.starts_with("time_s,cabin.pressure_Pa\n0,0\n1,-0\n2,0.30000000000000004\n"));
        let back = read_table(&path)?;
        assert_eq!(back.headers, table.headers);
        let bits = |t: &Table| -> Vec<Vec<u64>> {
            t.columns
                .iter()
                .map(|c| c.iter().map(|v| v.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&back), bits(&table));
        Ok(())
    }
}
