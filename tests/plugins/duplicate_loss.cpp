// Registers a loss under a type name the built-in plugins already use.
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace {

class DuplicateLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() { return mmkd::ComponentInfo("clip_contrastive", "a clash on purpose"); }
  DuplicateLoss(const mmkd::Options&, const mmkd::Context&) {}
  mmkd::LossOutput compute(const mmkd::TensorMap&) override { return {torch::zeros({}), {}}; }
};

void register_components(mmkd::Registry& registry) { registry.add<DuplicateLoss>(); }

}  // namespace

MMKD_PLUGIN("test_duplicate_loss", "0.1.0", register_components)
