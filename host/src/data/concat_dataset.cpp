#include "data/concat_dataset.hpp"

#include "data/batch_loader.hpp"
#include "graph/graph.hpp"

#include <algorithm>
#include <cmath>

namespace mmkd {

ConcatDataset::ConcatDataset(std::vector<Part> parts) : parts_(std::move(parts)) {
  int64_t end = 0;
  for (const auto& part : parts_) {
    const int64_t n = part.dataset->size();
    end += part.weight == 1.0 ? n : std::llround(part.weight * static_cast<double>(n));
    ends_.push_back(end);
  }
}

TensorMap ConcatDataset::get(int64_t index, uint64_t seed) const {
  if (index < 0 || index >= size())
    throw Error("concatenated dataset: index " + std::to_string(index) + " is outside [0, " + std::to_string(size()) + ")");
  const size_t k = std::upper_bound(ends_.begin(), ends_.end(), index) - ends_.begin();
  const Part& part = parts_[k];
  const int64_t slot = index - (k == 0 ? 0 : ends_[k - 1]);
  const int64_t n = part.dataset->size();
  const int64_t local = part.weight == 1.0 ? slot : static_cast<int64_t>(mix_seed({seed, 0xc0ffeeULL}) % n);
  return part.dataset->get(local, seed);
}

std::map<std::string, int64_t> ConcatDataset::counters() const {
  std::map<std::string, int64_t> total;
  for (const auto& part : parts_)
    for (const auto& [name, count] : part.dataset->counters()) total[name] += count;
  return total;
}

std::shared_ptr<Dataset> create_dataset(const Registry& registry, const NodePlan& node, const Context& context) {
  return at_node(node, "creating", [&] { return registry.create<Kind::Dataset>(*node.entry, node.options, context); });
}

std::shared_ptr<Dataset> training_dataset(const Registry& registry, const ExperimentPlan& plan, const Context& context) {
  if (plan.train_parts.empty()) return create_dataset(registry, *plan.train_data, context);
  std::vector<ConcatDataset::Part> parts;
  for (const auto& node : plan.train_parts) parts.push_back({create_dataset(registry, node, context), node.weight});
  return std::make_shared<ConcatDataset>(std::move(parts));
}

}  // namespace mmkd
