#include "cli/export_command.hpp"

#include "cli/trained_weights.hpp"
#include "graph/graph.hpp"

#include <mmkd/safetensors.hpp>

#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {

std::vector<std::string> export_encoders(const Registry& registry, const ExperimentPlan& plan,
                                         const std::string& weights_path, const std::string& out_dir) {
  const TensorMap weights = read_trained_weights(weights_path);
  Context context = base_context(plan);
  std::vector<std::string> written;
  for (const auto& node : plan.model) {
    if (!node.share.empty()) continue;
    auto encoder = at_node(node, "creating", [&] {
      return registry.create<Kind::Encoder>(*node.entry, without_pretrained_checkpoint(node.options), context);
    });
    const CheckpointLayout layout = encoder->export_layout();
    if (layout.bindings.empty()) continue;
    torch::NoGradGuard no_grad;
    auto load = [&](const std::string& name, torch::Tensor target) {
      auto it = weights.find(node.key_path + "." + name);
      if (it == weights.end())
        throw Error(fmt::format("{} has no tensor `{}.{}`: is it this run's weights file?", weights_path,
                                node.key_path, name));
      target.copy_(it->second);
    };
    for (const auto& item : encoder->named_parameters()) load(item.key(), item.value());
    for (const auto& item : encoder->named_buffers()) load(item.key(), item.value());
    fs::create_directories(out_dir);
    const std::string path = (fs::path(out_dir) / (node.name + ".safetensors")).string();
    write_safetensors(path, export_checkpoint(*encoder, layout), {{"format", "pt"}, {"mmkd.format", layout.format}});
    written.push_back(path);
  }
  return written;
}

}  // namespace mmkd
