// Losses for the divergence tests: one turns NaN after a number of calls, one throws on NaN input.
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace {

class NanAfterLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_nan_after", "mean of the input; NaN from call `nan_after` on")
        .input("x", "any tensor")
        .option("nan_after", int64_t{3}, "calls before the loss becomes NaN", mmkd::at_least(0));
  }
  NanAfterLoss(const mmkd::Options& options, const mmkd::Context&) : nan_after_(options.get<int64_t>("nan_after")) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    torch::Tensor loss = mmkd::require(inputs, "x").mean();
    if (calls_++ >= nan_after_) loss = loss * std::numeric_limits<double>::quiet_NaN();
    return {loss, {}};
  }

 private:
  int64_t nan_after_;
  int64_t calls_ = 0;
};

// Throws on a non-finite input, as a loss whose maths cannot take NaN would.
class FiniteInputLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_finite_input", "zero; throws when its input holds NaN or Inf").input("x", "any tensor");
  }
  FiniteInputLoss(const mmkd::Options&, const mmkd::Context&) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor& x = mmkd::require(inputs, "x");
    if (!torch::isfinite(x).all().item<bool>()) throw mmkd::Error("test_finite_input: the input is not finite");
    return {x.sum() * 0, {}};
  }
};

void register_components(mmkd::Registry& registry) {
  registry.add<NanAfterLoss>();
  registry.add<FiniteInputLoss>();
}

}  // namespace

MMKD_PLUGIN("test_nan_loss", "0.1.0", register_components)
