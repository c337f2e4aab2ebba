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
