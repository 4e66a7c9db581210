//! The ONNX node graph: which nodes the output depends on, in an order that respects data flow.

use crate::onnx_proto::NodeProto;
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, Reversed};
use std::collections::HashMap;

/// Why the nodes cannot be ordered.
pub enum OrderError {
    /// Two nodes write the same value name.
    DuplicateOutput { value: String, node: usize },
    /// The graph has a cycle through this node.
    Cycle { node: usize },
}

/// The indices of the nodes that the output `output` depends on, producers before consumers.
///
/// Nodes that nothing downstream of them reaches the output from are dropped (dead-node
/// pruning), so an unsupported operator in an unused branch is no obstacle.
pub fn live_nodes_in_order(nodes: &[NodeProto], output: &str) -> Result<Vec<usize>, OrderError> {
    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let indices: Vec<NodeIndex> = (0..nodes.len()).map(|i| graph.add_node(i)).collect();
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        for out in node.output.iter().filter(|o| !o.is_empty()) {
            if producer.insert(out.as_str(), i).is_some() {
                return Err(OrderError::DuplicateOutput {
                    value: out.clone(),
                    node: i,
                });
            }
        }
    }
    for (i, node) in nodes.iter().enumerate() {
        for input in &node.input {
            if let Some(&p) = producer.get(input.as_str()) {
                graph.add_edge(indices[p], indices[i], ());
            }
        }
    }
    let order = toposort(&graph, None).map_err(|c| OrderError::Cycle {
        node: graph[c.node_id()],
    })?;
    let mut live = vec![false; nodes.len()];
    if let Some(&last) = producer.get(output) {
        let reversed = Reversed(&graph);
        let mut dfs = Dfs::new(reversed, indices[last]);
        while let Some(n) = dfs.next(reversed) {
            live[graph[n]] = true;
        }
    }
    Ok(order
        .into_iter()
        .map(|n| graph[n])
        .filter(|&i| live[i])
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(inputs: &[&str], outputs: &[&str]) -> NodeProto {
        NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn orders_and_prunes() {
        // listed out of order, with a dead node 1
        let nodes = vec![
            node(&["b"], &["c"]),
            node(&["x"], &["dead"]),
            node(&["x"], &["b"]),
        ];
        let order = live_nodes_in_order(&nodes, "c").ok().unwrap();
        assert_eq!(order, vec![2, 0]);
    }

    #[test]
    fn finds_cycles() {
        let nodes = vec![node(&["b"], &["a"]), node(&["a"], &["b"])];
        assert!(matches!(
            live_nodes_in_order(&nodes, "a"),
            Err(OrderError::Cycle { .. })
        ));
    }
}
