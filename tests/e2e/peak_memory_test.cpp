// Peak memory reported by `mmkd bench`: what activation checkpointing and running
// the momentum copies before the model (thesis Figure 26) save, on the CPU's tensor memory.
#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace mmkd::testing;

namespace {

double bench_peak_mib(const TempDir& dir, const std::string& overrides) {
  auto r = mmkd_in(dir.path(), "bench " + source_dir() + "/bench/s_smke.yaml --steps 2 --warmup 1 --no-phases " + overrides);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto at = r.output.find("peak_memory_mib ");
  if (at == std::string::npos) {
    ADD_FAILURE() << r.output;
    return 0;
  }
  return std::stod(r.output.substr(at + 16));
}

TEST(PeakMemory, ActivationCheckpointingStoresLessForTheBackwardPass) {
  TempDir dir;
  const std::string deep = "vars.depth=4 ";
  const double stored = bench_peak_mib(dir, deep);
  const double recomputed =
      bench_peak_mib(dir, deep + "model.image.checkpoint_activations=true model.text.checkpoint_activations=true");
  EXPECT_GT(stored, 0);
  EXPECT_LT(recomputed, 0.75 * stored) << stored << " MiB stored, " << recomputed << " MiB recomputed";
}

TEST(PeakMemory, MomentumCopiesRunFirstNeedLessThanAfterTheModel) {
  TempDir dir;
  const std::string momentum = "vars.image_size=64 'momentum={decay: 0.99, nodes: [image, text], before_model: ";
  const double first = bench_peak_mib(dir, momentum + "true}'");
  const double after = bench_peak_mib(dir, momentum + "false}'");
  EXPECT_GT(after, first + 1.0) << first << " MiB first, " << after << " MiB after the model";
}

}  // namespace
