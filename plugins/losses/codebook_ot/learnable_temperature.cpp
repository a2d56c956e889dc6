#include "learnable_temperature.hpp"

namespace mmkd::codebook_ot {

void LearnableTemperature::declare_options(ComponentInfo& info) {
  info.option<double>("init_temperature", 0.07, "initial softmax temperature gamma", positive())
      .option<bool>("learn_temperature", true, "train gamma (otherwise it stays at its initial value)")
      .option<double>("min_temperature", 0.001, "lower clamp of gamma", positive())
      .option<double>("max_temperature", 0.5, "upper clamp of gamma", positive());
}

LearnableTemperature::LearnableTemperature(torch::nn::Module& owner, const Options& options)
    : min_(options.get<double>("min_temperature")), max_(options.get<double>("max_temperature")) {
  const double initial = options.get<double>("init_temperature");
  if (min_ > max_) options.fail("min_temperature", c10::str("must not exceed max_temperature (", max_, ")"));
  if (initial < min_ || initial > max_)
    options.fail("init_temperature", c10::str("must lie in [min_temperature, max_temperature] = [", min_, ", ", max_,
                                              "], got ", initial));
  temperature_ = owner.register_parameter("temperature", torch::tensor(initial, torch::kFloat),
                                          options.get<bool>("learn_temperature"));
}

torch::Tensor LearnableTemperature::value() const { return temperature_.clamp(min_, max_); }

}  // namespace mmkd::codebook_ot
