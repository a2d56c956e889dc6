// Losses that break the loss contract, for the tests of how the host reports it: a libtorch
// check that fails, a loss detached from the graph, a metric that is not a scalar, a metric not
// declared, a declared metric not written.
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace {

class TorchCheckLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_torch_check", "fails a TORCH_CHECK").input("x", "any tensor");
  }
  TorchCheckLoss(const mmkd::Options&, const mmkd::Context&) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor& x = mmkd::require(inputs, "x");
    TORCH_CHECK(x.dim() == 5, "test_torch_check wants 5 dimensions, got ", x.dim());
    return {x.mean(), {}};
  }
};

class DetachedLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_detached", "the mean of its input, detached").input("x", "any tensor");
  }
  DetachedLoss(const mmkd::Options&, const mmkd::Context&) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    return {mmkd::require(inputs, "x").detach().mean(), {}};
  }
};

class VectorMetricLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_vector_metric", "the mean of its input, and a metric of 3 values")
        .input("x", "any tensor")
        .output("spread", "three numbers");
  }
  VectorMetricLoss(const mmkd::Options&, const mmkd::Context&) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor& x = mmkd::require(inputs, "x");
    return {x.mean(), {{"spread", torch::zeros({3})}}};
  }
};

// `declares` and `writes` name one metric each; a test gives them different names.
class MetricNamesLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_metric_names", "the mean of its input, and a metric under another name than declared")
        .input("x", "any tensor")
        .output("declared_metric", "declared, never written")
        .optional_output("sometimes", "declared as optional, never written")
        .option<std::string>("writes", "written_metric", "the name the metric is written under");
  }
  MetricNamesLoss(const mmkd::Options& options, const mmkd::Context&) : writes_(options.get<std::string>("writes")) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor mean = mmkd::require(inputs, "x").mean();
    if (writes_.empty()) return {mean, {}};
    return {mean, {{writes_, mean.detach()}}};
  }

 private:
  std::string writes_;
};

void register_components(mmkd::Registry& registry) {
  registry.add<TorchCheckLoss>();
  registry.add<DetachedLoss>();
  registry.add<VectorMetricLoss>();
  registry.add<MetricNamesLoss>();
}

}  // namespace

MMKD_PLUGIN("test_misbehaving_loss", "0.1.0", register_components)
