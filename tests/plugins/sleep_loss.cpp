// A zero loss that sleeps on every call, so that tests can interrupt a run mid-way.
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <chrono>
#include <thread>

namespace {

class SleepLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("test_sleep", "0 * mean(x), after sleeping `milliseconds`")
        .input("x", "any floating tensor")
        .option("milliseconds", int64_t{50}, "sleep per call", mmkd::at_least(0));
  }
  SleepLoss(const mmkd::Options& options, const mmkd::Context&) : milliseconds_(options.get<int64_t>("milliseconds")) {}
  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds_));
    return {mmkd::require(inputs, "x").mean() * 0.0, {}};
  }

 private:
  int64_t milliseconds_;
};

void register_components(mmkd::Registry& registry) { registry.add<SleepLoss>(); }

}  // namespace

MMKD_PLUGIN("test_sleep_loss", "0.1.0", register_components)
