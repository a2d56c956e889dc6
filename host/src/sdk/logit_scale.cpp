#include <mmkd/kit/logit_scale.hpp>

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cmath>

namespace mmkd {

void LogitScale::declare(ComponentInfo& info, double init_temperature, bool learn_temperature) {
  info.option<double>("init_temperature", init_temperature, "initial temperature; logit_scale starts at log(1 / it)",
                      positive())
      .option<bool>("learn_temperature", learn_temperature,
                    "train logit_scale (otherwise it stays at its initial value)")
      .option<double>("max_logit_scale", 100.0, "upper clamp of exp(logit_scale), as in CLIP", positive())
      .output("temperature", "1 / exp(logit_scale) after the clamp");
}

LogitScale::LogitScale(torch::nn::Module& owner, const Options& options)
    : max_logit_scale_(options.get<double>("max_logit_scale")) {
  const double initial = std::log(1.0 / options.get<double>("init_temperature"));
  logit_scale_ = owner.register_parameter("logit_scale", torch::tensor(initial, torch::kFloat),
                                          options.get<bool>("learn_temperature"));
}

torch::Tensor LogitScale::scale() const { return logit_scale_.exp().clamp_max(max_logit_scale_); }

}  // namespace mmkd
