#include "cli/export_command.hpp"

#include "cli/trained_weights.hpp"
#include "graph/graph.hpp"
#include "io/atomic_file.hpp"

#include <mmkd/safetensors.hpp>

#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {

namespace {

// OUT/<node>/config.json and model.safetensors: `exported` without mmkd's own tensors (the
// optional bindings, such as embedding_head), what transformers' from_pretrained and timm's
// local-dir: read.
void write_library_folder(const CheckpointLayout& layout, TensorMap exported, const fs::path& folder) {
  for (const auto& binding : layout.bindings)
    if (binding.optional)
      for (const auto& key : binding.keys) exported.erase(key);
  fs::create_directories(folder);
  write_text_atomically((folder / "config.json").string(), layout.library_config + "\n");
  write_safetensors((folder / "model.safetensors").string(), exported, {{"format", "pt"}});
}

}  // namespace

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
    const TensorMap exported = export_checkpoint(*encoder, layout);
    write_safetensors(path, exported, {{"format", "pt"}, {"mmkd.format", layout.format}});
    written.push_back(path);
    if (!layout.library_config.empty()) {
      const fs::path folder = fs::path(out_dir) / node.name;
      write_library_folder(layout, exported, folder);
      written.push_back(folder.string() + "/");
    }
  }
  return written;
}

}  // namespace mmkd
