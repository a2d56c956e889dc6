#include "state/checkpoint.hpp"

#include "io/atomic_file.hpp"

#include <mmkd/error.hpp>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>
#include <torch/serialize.h>
#include <ATen/Context.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <regex>

namespace fs = std::filesystem;

namespace mmkd {

// Tensor names hold dots, which archive keys may not: tensors are stored by position with
// the list of names beside them.
static void write_map(torch::serialize::OutputArchive& archive, const std::string& prefix, const TensorMap& tensors) {
  torch::serialize::OutputArchive sub(archive.compilation_unit());
  c10::List<std::string> names;
  for (const auto& [key, value] : tensors) {
    sub.write("t" + std::to_string(names.size()), value.detach().cpu(), /*is_buffer=*/true);
    names.push_back(key);
  }
  sub.write("names", c10::IValue(names));
  archive.write(prefix, sub);
}

static TensorMap read_map(torch::serialize::InputArchive& archive, const std::string& prefix) {
  torch::serialize::InputArchive sub;
  archive.read(prefix, sub);
  c10::IValue names;
  sub.read("names", names);
  TensorMap tensors;
  const auto list = names.toList();
  for (size_t i = 0; i < list.size(); ++i) {
    torch::Tensor t;
    sub.read("t" + std::to_string(i), t, /*is_buffer=*/true);
    tensors[list.get(i).toStringRef()] = t;
  }
  return tensors;
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint, torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  const auto& p = checkpoint.position;
  archive.write("position", torch::tensor({p.step, p.epoch, p.batch_in_epoch}, torch::kInt64), true);
  archive.write("loss_scale", torch::tensor(checkpoint.loss_scale, torch::kFloat64), true);
  archive.write("config_yaml", c10::IValue(checkpoint.config_yaml));
  write_map(archive, "modules", checkpoint.modules);
  write_map(archive, "extra", checkpoint.extra);
  write_map(archive, "rng", checkpoint.rng);
  torch::serialize::OutputArchive optimizer_archive(archive.compilation_unit());
  optimizer.save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  write_file_atomically(path, [&](const std::string& temporary) { archive.save_to(temporary); });
}

Checkpoint load_checkpoint(const std::string& path, torch::optim::Optimizer& optimizer) {
  Checkpoint checkpoint;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    torch::Tensor position, loss_scale;
    archive.read("position", position, true);
    archive.read("loss_scale", loss_scale, true);
    checkpoint.position = {position[0].item<int64_t>(), position[1].item<int64_t>(), position[2].item<int64_t>()};
    checkpoint.loss_scale = loss_scale.item<double>();
    c10::IValue config;
    archive.read("config_yaml", config);
    checkpoint.config_yaml = config.toStringRef();
    checkpoint.modules = read_map(archive, "modules");
    checkpoint.extra = read_map(archive, "extra");
    checkpoint.rng = read_map(archive, "rng");
    torch::serialize::InputArchive optimizer_archive;
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
  } catch (const c10::Error& e) {
    throw Error(fmt::format("checkpoint {} cannot be read: {}", path, e.what_without_backtrace()));
  }
  return checkpoint;
}

ReadableCheckpoint load_newest_readable_checkpoint(const CheckpointFolder& folder, torch::optim::Optimizer& optimizer) {
  ReadableCheckpoint found;
  const std::vector<std::string> paths = folder.list();
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    try {
      found.checkpoint = load_checkpoint(*it, optimizer);
      found.path = *it;
      return found;
    } catch (const Error& e) {
      found.unreadable.push_back(e.what());
    }
  }
  throw Error(fmt::format("no checkpoint of the run can be read:\n  {}", fmt::join(found.unreadable, "\n  ")));
}

TensorMap load_checkpoint_modules(const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    return read_map(archive, "modules");
  } catch (const c10::Error& e) {
    throw Error(fmt::format("checkpoint {} cannot be read: {}", path, e.what_without_backtrace()));
  }
}

std::string CheckpointFolder::path_for(int64_t step) const {
  return (fs::path(folder_) / fmt::format("step_{:08d}.pt", step)).string();
}

std::vector<std::string> CheckpointFolder::list() const {
  std::vector<std::string> files;
  if (!fs::is_directory(folder_)) return files;
  static const std::regex pattern("step_[0-9]{8}\\.pt");
  for (const auto& entry : fs::directory_iterator(folder_))
    if (std::regex_match(entry.path().filename().string(), pattern)) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<std::string> CheckpointFolder::latest() const {
  auto files = list();
  if (files.empty()) return std::nullopt;
  return files.back();
}

void CheckpointFolder::keep_newest(size_t count) const {
  auto files = list();
  for (size_t i = 0; i + count < files.size(); ++i) fs::remove(files[i]);
}

TensorMap rng_state() {
  TensorMap state;
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    state["cpu"] = generator.get_state();
  }
  if (torch::cuda::is_available())
    for (int64_t d = 0; d < static_cast<int64_t>(torch::cuda::device_count()); ++d) {
      auto generator = at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, d));
      std::lock_guard<std::mutex> lock(generator.mutex());
      state["cuda." + std::to_string(d)] = generator.get_state();
    }
  return state;
}

void set_rng_state(const TensorMap& state) {
  for (const auto& [key, value] : state) {
    if (key == "cpu") {
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(value);
    } else if (key.rfind("cuda.", 0) == 0 && torch::cuda::is_available()) {
      const auto d = std::stoll(key.substr(5));
      if (d >= static_cast<int64_t>(torch::cuda::device_count())) continue;
      auto generator = at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, d));
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(value);
    }
  }
}

}  // namespace mmkd
