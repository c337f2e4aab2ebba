use super::*;

#[test]
fn spearman_of_monotone_data_is_one() {
    let x = [1.0, 2.0, 3.0, 4.0];
    let y = [10.0, 20.0, 25.0, 100.0];
    assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
    let z = [4.0, 3.0, 2.0, 1.0];
    assert!((spearman(&x, &z) + 1.0).abs() < 1e-12);
}

#[test]
fn shards_partition_the_runs() {
    let total = 1000;
    let mut seen = Vec::new();
    for k in 1..=3 {
        seen.extend(shard_range(total, Some((k, 3))));
    }
    assert_eq!(seen, (0..total).collect::<Vec<_>>());
}

#[test]
fn percentiles_interpolate_between_order_statistics() {
    let v = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(percentile(&v, 50.0), 3.0);
    assert_eq!(percentile(&v, 0.0), 1.0);
    assert_eq!(percentile(&v, 100.0), 5.0);
    // numpy.percentile([1, 2, 3, 4, 5], 5) = 1.2; 95 -> 4.8.
    assert!((percentile(&v, 5.0) - 1.2).abs() < 1e-12);
    assert!((percentile(&v, 95.0) - 4.8).abs() < 1e-12);
    assert!((percentile(&[1.0, 2.0], 50.0) - 1.5).abs() < 1e-12);
    assert!(percentile(&[], 50.0).is_nan());
}

#[test]
fn unit_tags_are_column_name_suffixes() {
    assert_eq!(unit_tag("kg/day"), "kg_per_day");
    assert_eq!(unit_tag("kg/(s Pa)"), "kg_per_s_Pa");
    assert_eq!(unit_tag(" mmHg "), "mmHg");
    assert_eq!(unit_tag("Pa s"), "Pa_s");
    assert_eq!(unit_tag("m3/s"), "m3_per_s");
}

#[test]
fn the_summary_text_lists_every_metric_and_the_failures() {
    let m = MetricSummary {
        name: "t_close".into(),
        unit: "day".into(),
        median: Some(9.485),
        p5: Some(4.554),
        p95: Some(22.85),
        values: 282,
        empty: 118,
    };
    let none = MetricSummary {
        name: "never".into(),
        unit: "s".into(),
        median: None,
        p5: None,
        p95: None,
        values: 0,
        empty: 400,
    };
    let text = summary_text(&[m, none], 400, 2);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let cells: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        cells,
        ["t_close", "9.485", "4.554", "..", "22.85", "day", "282", "of", "400"]
    );
    assert!(lines[3].contains(" - .. - "), "{text}");
    assert_eq!(lines[4], "  failed runs: 2 of 402");
}
