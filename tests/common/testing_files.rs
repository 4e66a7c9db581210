//! Files for `vera test` end-to-end tests: `.nnet` text of a ReLU network and test-file text.

/// Writes `.nnet` text for a ReLU network with the given layer sizes, weights (one
/// `outputs × inputs` row-major matrix per layer) and biases; unit normalisation.
pub fn nnet_text(sizes: &[usize], weights: &[Vec<f32>], biases: &[Vec<f32>]) -> String {
    let inputs = sizes[0];
    let join = |v: &[f32]| {
        v.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut s = format!(
        "// test network\n{},{},{},{}\n{}\n0\n",
        sizes.len() - 1,
        inputs,
        sizes[sizes.len() - 1],
        sizes.iter().max().unwrap(),
        sizes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    s += &format!(
        "{}\n{}\n",
        join(&vec![-1e6; inputs]),
        join(&vec![1e6; inputs])
    );
    s += &format!(
        "{}\n{}\n",
        join(&vec![0.0; inputs + 1]),
        join(&vec![1.0; inputs + 1])
    );
    for (l, (w, b)) in weights.iter().zip(biases).enumerate() {
        for row in w.chunks(sizes[l]) {
            s += &format!("{}\n", join(row));
        }
        for x in b {
            s += &format!("{x:?}\n");
        }
    }
    s
}

/// Test-file text: one row a line, comma-separated, full precision.
pub fn rows_text(rows: &[Vec<f32>]) -> String {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect()
}
