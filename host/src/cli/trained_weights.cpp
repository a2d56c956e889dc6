#include "cli/trained_weights.hpp"

#include "state/checkpoint.hpp"

#include <mmkd/error.hpp>
#include <mmkd/safetensors.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd {

std::string trained_weights_of(const std::string& run_dir) {
  const fs::path final_weights = fs::path(run_dir) / "final.safetensors";
  if (fs::exists(final_weights)) return final_weights.string();
  if (auto latest = CheckpointFolder((fs::path(run_dir) / "checkpoints").string()).latest()) return *latest;
  throw Error(fmt::format("{} holds neither final.safetensors nor checkpoints/step_*.pt", run_dir));
}

TensorMap read_trained_weights(const std::string& path) {
  if (!fs::is_regular_file(path)) throw Error(fmt::format("weights file {} not found", path));
  if (fs::path(path).extension() == ".safetensors") return read_safetensors(path);
  return load_checkpoint_modules(path);
}

Options without_pretrained_checkpoint(const Options& options) {
  auto entries = options.entries();
  auto checkpoint = entries.find("checkpoint");
  if (checkpoint != entries.end() && std::holds_alternative<std::string>(checkpoint->second.value))
    checkpoint->second.value = std::string();
  return Options(options.key_path(), options.where(), entries);
}

}  // namespace mmkd
