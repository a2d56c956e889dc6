#pragma once
// `momentum:`: an EMA copy `N_momentum` of each chosen model node (momentum.nodes, default all),
// reading the copies' outputs where the original reads a copied node's.
#include "graph/experiment_plan.hpp"

#include <set>
#include <string>
#include <vector>

namespace mmkd {

// The copies of `model`'s chosen nodes; their names join `node_names`. Problems go to `errors`.
std::vector<NodePlan> momentum_copies(const std::vector<NodePlan>& model, const Options& options,
                                      std::set<std::string>& node_names, std::vector<Diagnostic>& errors);

}  // namespace mmkd
