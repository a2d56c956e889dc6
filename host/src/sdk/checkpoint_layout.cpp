#include <mmkd/checkpoint_layout.hpp>
#include <mmkd/config_path.hpp>
#include <mmkd/component.hpp>

#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <iostream>
#include <set>

namespace mmkd {

void CheckpointLayout::bind(std::string name, std::string key) { bindings.push_back({std::move(name), {std::move(key)}}); }

void CheckpointLayout::bind(std::string name, std::vector<std::string> keys) {
  bindings.push_back({std::move(name), std::move(keys)});
}

void CheckpointLayout::bind_optional(std::string name, std::string key) {
  bindings.push_back({std::move(name), {std::move(key)}, true});
}

void CheckpointLayout::bind_same(const torch::nn::Module& module, const std::string& prefix) {
  for (const auto& item : module.named_parameters()) bind(prefix + item.key(), prefix + item.key());
  for (const auto& item : module.named_buffers()) bind(prefix + item.key(), prefix + item.key());
}

void CheckpointLayout::ignore_other_layers(const std::string& layer_prefix, const std::vector<int64_t>& layers) {
  if (layers.empty()) return;
  const std::set<int64_t> selected(layers.begin(), layers.end());
  for (int64_t k = 0; k <= *selected.rbegin() + 256; ++k)
    if (!selected.count(k)) ignored_prefixes.push_back(layer_prefix + std::to_string(k) + ".");
}

void CheckpointLayout::accept_legacy_ending(std::string ending, std::string legacy) {
  legacy_endings.emplace_back(std::move(ending), std::move(legacy));
}

namespace {

std::string shape_text(c10::IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes, ", ")); }

std::map<std::string, torch::Tensor> module_tensors(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : module.named_parameters()) tensors[item.key()] = item.value();
  for (const auto& item : module.named_buffers()) tensors[item.key()] = item.value();
  return tensors;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& text, const std::string& ending) {
  return text.size() >= ending.size() && text.compare(text.size() - ending.size(), ending.size(), ending) == 0;
}

// `key` as the file names it: itself, or its legacy name when only that is present.
std::string key_in_file(const std::string& key, const CheckpointLayout& layout, const SafetensorsFile& file) {
  if (file.contains(key)) return key;
  for (const auto& [ending, legacy] : layout.legacy_endings) {
    if (!ends_with(key, ending)) continue;
    std::string renamed = key.substr(0, key.size() - ending.size()) + legacy;
    if (file.contains(renamed)) return renamed;
  }
  return key;
}

int64_t keys_found(const CheckpointLayout& layout, const SafetensorsFile& file, const std::string& prefix) {
  int64_t found = 0;
  for (const auto& binding : layout.bindings)
    for (const auto& key : binding.keys) found += file.contains(key_in_file(prefix + key, layout, file));
  return found;
}

std::string chosen_prefix(const CheckpointLayout& layout, const SafetensorsFile& file, const std::string& prefix) {
  if (prefix != "auto") return prefix;
  std::string best;
  int64_t best_found = keys_found(layout, file, "");
  for (const auto& candidate : layout.base_prefixes) {
    const int64_t found = keys_found(layout, file, candidate);
    if (found > best_found) best = candidate, best_found = found;
  }
  return best;
}

}  // namespace

std::string CheckpointReport::summary() const {
  std::string text = fmt::format("loaded {} tensors from {}", loaded, path);
  if (!prefix.empty()) text += fmt::format(" (keys under '{}')", prefix);
  if (ignored > 0) text += fmt::format("; {} keys ignored (layers not selected, buffers without meaning here)", ignored);
  if (!complete())
    text += fmt::format("; not loaded: {} missing, {} unexpected, {} of another shape", missing.size(),
                        unexpected.size(), mismatched.size());
  return text;
}

std::string CheckpointReport::problems() const {
  std::string text;
  for (const auto& key : missing) text += "\n  missing in the checkpoint: " + key;
  for (const auto& key : unexpected) text += "\n  unexpected in the checkpoint: " + key;
  for (const auto& key : mismatched) text += "\n  shape mismatch: " + key;
  return text;
}

std::string CheckpointReport::warning() const {
  if (uninitialised.empty()) return "";
  return fmt::format("WARNING: {} of the model's tensors were not in {} and keep their initial (random) values: {}",
                     uninitialised.size(), path, fmt::join(uninitialised, ", "));
}

CheckpointReport load_checkpoint_into(torch::nn::Module& module, const CheckpointLayout& layout,
                                 const SafetensorsFile& file, const std::string& prefix, bool strict) {
  CheckpointReport report;
  report.path = file.path();
  report.prefix = chosen_prefix(layout, file, prefix);
  auto tensors = module_tensors(module);
  std::set<std::string> used;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // target, source
  for (const auto& binding : layout.bindings) {
    auto target = tensors.find(binding.name);
    TORCH_CHECK(target != tensors.end(), "checkpoint layout ", layout.format, " binds `", binding.name,
                "`, which the module does not have");
    std::vector<torch::Tensor> parts;
    bool all_present = true;
    for (const auto& key : binding.keys) {
      const std::string full_key = key_in_file(report.prefix + key, layout, file);
      used.insert(full_key);
      if (!file.contains(full_key)) {
        all_present = false;
        if (binding.optional) continue;
        const int64_t rows = target->second.dim() > 0 ? target->second.size(0) / int64_t(binding.keys.size()) : 1;
        std::vector<int64_t> shape = target->second.sizes().vec();
        if (!shape.empty()) shape[0] = rows;
        report.missing.push_back(full_key + " " + shape_text(shape));
        continue;
      }
      parts.push_back(file.tensor(full_key));
    }
    if (!all_present) {
      if (!binding.optional) report.uninitialised.push_back(binding.name);
      continue;
    }
    torch::Tensor source = parts.size() == 1 ? parts[0] : torch::cat(parts, 0);
    if (source.sizes() != target->second.sizes()) {
      report.mismatched.push_back(fmt::format("{}: checkpoint {}, model {} ({})", fmt::join(binding.keys, " + "),
                                              shape_text(source.sizes()), shape_text(target->second.sizes()),
                                              binding.name));
      report.uninitialised.push_back(binding.name);
      continue;
    }
    copies.emplace_back(target->second, source);
  }
  for (const auto& key : file.keys()) {
    if (used.count(key) || !starts_with(key, report.prefix)) continue;
    const std::string local = key.substr(report.prefix.size());
    bool ignored = std::find(layout.ignored_keys.begin(), layout.ignored_keys.end(), local) != layout.ignored_keys.end();
    for (const auto& skipped : layout.ignored_prefixes) ignored = ignored || starts_with(local, skipped);
    if (ignored) ++report.ignored;
    else report.unexpected.push_back(key + " " + shape_text(file.entry(key).shape));
  }
  if (strict && !report.complete())
    throw Error(fmt::format("checkpoint {} does not fit the model (format {}, {}):{}", file.path(), layout.format,
                            report.prefix.empty() ? "no key prefix" : "key prefix '" + report.prefix + "'",
                            report.problems()));
  torch::NoGradGuard no_grad;
  for (auto& [target, source] : copies) target.copy_(source.to(target.dtype()));
  report.loaded = static_cast<int64_t>(copies.size());
  return report;
}

TensorMap export_checkpoint(const torch::nn::Module& module, const CheckpointLayout& layout) {
  auto tensors = module_tensors(module);
  TensorMap out;
  for (const auto& binding : layout.bindings) {
    auto it = tensors.find(binding.name);
    TORCH_CHECK(it != tensors.end(), "checkpoint layout ", layout.format, " binds `", binding.name,
                "`, which the module does not have");
    torch::Tensor value = it->second.detach();
    if (binding.keys.size() == 1) {
      out[binding.keys[0]] = value;
      continue;
    }
    auto parts = value.chunk(static_cast<int64_t>(binding.keys.size()), 0);
    for (size_t i = 0; i < binding.keys.size(); ++i) out[binding.keys[i]] = parts[i];
  }
  return out;
}

void CheckpointOptions::declare(ComponentInfo& info, const std::vector<std::string>& formats, bool with_layers) {
  info.option<std::string>("checkpoint", "", "safetensors file to start from; empty = random initialisation")
      .option<std::string>("format", formats.front(), "key names of `checkpoint` and of `mmkd export`",
                           one_of(formats))
      .option<bool>("strict", true,
                    "fail on any missing key, unexpected key or shape mismatch; false loads what matches and lists "
                    "the rest")
      .option<std::string>("prefix", "auto",
                           "put before every checkpoint key, e.g. 'bert.'; auto = none or the model's usual one, "
                           "whichever finds more keys");
  if (with_layers)
    info.option<std::vector<int64_t>>("layers", std::vector<int64_t>{},
                                      "checkpoint layer each of our layers starts from, e.g. [0, 1, 2, 3, 4, 5]; "
                                      "empty = the first `depth`",
                                      at_least(0));
}

CheckpointOptions CheckpointOptions::read(const Options& options, const Context& context) {
  CheckpointOptions c;
  c.options = options;
  c.path = options.get<std::string>("checkpoint");
  if (!c.path.empty()) c.path = config_path(c.path, context).string();
  c.format = options.get<std::string>("format");
  c.strict = options.get<bool>("strict");
  c.prefix = options.get<std::string>("prefix");
  if (options.contains("layers")) c.layers = options.get<std::vector<int64_t>>("layers");
  return c;
}

void CheckpointOptions::check_layers(int64_t depth) const {
  if (layers.empty()) return;
  if (static_cast<int64_t>(layers.size()) != depth)
    options.fail("layers", fmt::format("lists {} layers, the model has depth {}", layers.size(), depth));
  std::set<int64_t> seen;
  for (int64_t layer : layers)
    if (!seen.insert(layer).second) options.fail("layers", fmt::format("names layer {} twice", layer));
}

void CheckpointOptions::load_into(torch::nn::Module& module, const CheckpointLayout& layout) const {
  if (path.empty()) return;
  if (!std::filesystem::exists(path)) options.fail("checkpoint", "no such file: " + path);
  try {
    SafetensorsFile file(path);
    CheckpointReport report = load_checkpoint_into(module, layout, file, prefix, strict);
    std::cerr << options.key_path() << ": " << report.summary() << report.problems() << "\n";
    if (!report.uninitialised.empty()) std::cerr << options.key_path() << ": " << report.warning() << "\n";
  } catch (const Error& e) {
    options.fail("checkpoint", e.what());
  }
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

std::string format_parameter_count(int64_t count) {
  std::string digits = std::to_string(count), grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return fmt::format("{} ({:.1f}M)", grouped, static_cast<double>(count) / 1e6);
}

}  // namespace mmkd
