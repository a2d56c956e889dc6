#pragma once
// Several datasets as one training set (`data.train` given as a list). A part of weight 1 is
// read in full, in order; a part of weight w != 1 contributes round(w x its size) samples per
// epoch, each drawn at random (with replacement) from the sample's seed.
#include "graph/experiment_plan.hpp"

#include <mmkd/component.hpp>

#include <memory>
#include <vector>

namespace mmkd {

class ConcatDataset : public Dataset {
 public:
  struct Part {
    std::shared_ptr<Dataset> dataset;
    double weight = 1.0;
  };
  explicit ConcatDataset(std::vector<Part> parts);

  int64_t size() const override { return ends_.empty() ? 0 : ends_.back(); }
  TensorMap get(int64_t index, uint64_t seed) const override;
  std::map<std::string, int64_t> counters() const override;  // summed over the parts

 private:
  std::vector<Part> parts_;
  std::vector<int64_t> ends_;  // cumulative number of samples per epoch
};

// The dataset of one data node; errors name the node.
std::shared_ptr<Dataset> create_dataset(const Registry& registry, const NodePlan& node, const Context& context);

// data.train, or the concatenation of its parts when it is a list.
std::shared_ptr<Dataset> training_dataset(const Registry& registry, const ExperimentPlan& plan, const Context& context);

}  // namespace mmkd
