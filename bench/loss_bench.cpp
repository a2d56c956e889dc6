// Times forward + backward of one loss plugin on random inputs:
//   mmkd_loss_bench loss/contrastive_target --config '{bank_size: 65536}' \
//     --input image=256x768 --input text=256x768 --input teacher=256x768 --fill-banks
// Prints the median milliseconds per step; bench/run_loss_bench compares it with PyTorch.
#include "cli/describe.hpp"
#include "cli/probe_command.hpp"
#include "plugins/plugin_loader.hpp"

#include <mmkd/kit/feature_queue.hpp>
#include <mmkd/mmkd.hpp>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace {

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> shape;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('x', start), text.size());
    shape.push_back(std::stoll(text.substr(start, end - start)));
    start = end + 1;
  }
  return shape;
}

// Every memory bank of the loss filled to capacity with random unit rows, as after a long run.
void fill_banks(torch::nn::Module& loss) {
  for (const auto& module : loss.modules())
    if (auto queue = std::dynamic_pointer_cast<mmkd::FeatureQueueImpl>(module))
      queue->push(mmkd::l2_normalize(torch::randn({queue->capacity(), queue->dim()})));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"time forward + backward of a loss plugin"};
  std::string component, config = "{}", device_name = "cpu";
  std::vector<std::string> inputs;
  int iterations = 10, warmup = 2, threads = 0;
  bool banks = false;
  app.add_option("component", component, "loss/TYPE")->required();
  app.add_option("--config", config, "the loss' options as YAML");
  app.add_option("--input", inputs, "NAME=DIMxDIM...: a random normal input")->required();
  app.add_option("--iterations", iterations, "timed steps");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--threads", threads, "libtorch CPU threads (0: default)");
  app.add_option("--device", device_name, "cpu or cuda");
  app.add_flag("--fill-banks", banks, "fill memory banks to capacity first");
  CLI11_PARSE(app, argc, argv);

  try {
    if (threads > 0) torch::set_num_threads(threads);
    torch::manual_seed(0);
    const torch::Device device(device_name);
    mmkd::Registry registry;
    mmkd::load_all_plugins(registry);
    const auto& entry = mmkd::find_component(registry, component);
    mmkd::Context context;
    context.device = device;
    auto loss = registry.create<mmkd::Kind::Loss>(entry, mmkd::options_from_yaml(entry, component, config), context);
    if (banks) fill_banks(*loss);
    loss->to(device);
    loss->train();

    mmkd::TensorMap tensors;
    for (const std::string& input : inputs) {
      const auto equals = input.find('=');
      tensors[input.substr(0, equals)] = torch::randn(parse_shape(input.substr(equals + 1)), device).requires_grad_();
    }
    auto sync = [&] {
      if (device.is_cuda()) torch::cuda::synchronize();
    };
    std::vector<double> milliseconds;
    for (int step = 0; step < warmup + iterations; ++step) {
      sync();
      const auto start = std::chrono::steady_clock::now();
      loss->compute(tensors).loss.backward();
      sync();
      const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
      if (step >= warmup) milliseconds.push_back(elapsed.count());
    }
    std::nth_element(milliseconds.begin(), milliseconds.begin() + milliseconds.size() / 2, milliseconds.end());
    std::cout << fmt::format("{} mmkd {:.3f} ms\n", component, milliseconds[milliseconds.size() / 2]);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
