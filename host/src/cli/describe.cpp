#include "cli/describe.hpp"

#include "cli/probe_command.hpp"
#include "util/names.hpp"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <fmt/format.h>

namespace mmkd {

std::string list_components(const Registry& registry) {
  std::string out;
  for (Kind kind : all_kinds()) {
    auto entries = registry.entries(kind);
    if (entries.empty()) continue;
    out += fmt::format("{}:\n", kind_name(kind));
    size_t width = 0;
    for (const auto* e : entries) width = std::max(width, e->info.type.size());
    for (const auto* e : entries) out += fmt::format("  {:<{}}  {}\n", e->info.type, width, e->library);
  }
  return out.empty() ? "no components loaded\n" : out;
}

const Registry::Entry& find_component(const Registry& registry, const std::string& kind_and_type) {
  const SourceLocation where{"<command line>", 0, 0};
  const auto slash = kind_and_type.find('/');
  std::vector<std::string> kinds;
  for (Kind k : all_kinds()) kinds.push_back(kind_name(k));
  if (slash == std::string::npos)
    throw ConfigError(where, kind_and_type, "expected KIND/TYPE, e.g. loss/clip_contrastive; kinds: " + join_names(kinds));
  const std::string kind_text = kind_and_type.substr(0, slash), type = kind_and_type.substr(slash + 1);
  for (Kind kind : all_kinds()) {
    if (kind_text != kind_name(kind)) continue;
    if (const auto* entry = registry.find(kind, type)) return *entry;
    auto types = registry.types(kind);
    throw ConfigError(where, kind_and_type,
                      fmt::format("unknown {} type `{}`{}; {} types: {}", kind_text, type, did_you_mean(type, types),
                                  kind_text, types.empty() ? "none" : join_names(types)));
  }
  throw ConfigError(where, kind_and_type,
                    fmt::format("unknown kind `{}`{}; kinds: {}", kind_text, did_you_mean(kind_text, kinds), join_names(kinds)));
}

namespace {
// "parameters with default options: N" for an encoder, teacher or loss that can be created
// from its defaults alone; "" otherwise.
std::string default_parameter_count(const Registry& registry, const Registry::Entry& entry, const std::string& name) {
  for (const auto& option : entry.info.options)
    if (!option.default_value) return "";
  const Options options = options_from_yaml(entry, name, "{}");
  std::shared_ptr<torch::nn::Module> module;
  try {
    if (entry.kind == Kind::Encoder) module = registry.create<Kind::Encoder>(entry, options, Context{});
    if (entry.kind == Kind::Teacher) module = registry.create<Kind::Teacher>(entry, options, Context{});
    if (entry.kind == Kind::Loss) module = registry.create<Kind::Loss>(entry, options, Context{});
  } catch (const std::exception&) {
    return "";
  }
  return module ? fmt::format("parameters with default options: {}\n", format_parameter_count(parameter_count(*module)))
                : "";
}
}  // namespace

std::string describe_component(const Registry& registry, const std::string& kind_and_type) {
  const auto& entry = find_component(registry, kind_and_type);
  const auto& info = entry.info;
  std::string out = fmt::format("{}/{}: {}\nlibrary: {}\n", kind_name(entry.kind), info.type, info.doc, entry.library);
  if (!info.inputs.empty()) {
    out += "inputs:\n";
    for (const auto& port : info.inputs)
      out += fmt::format("  {}{}: {}\n", port.name,
                         port.optional ? " (optional)" : (port.default_source.empty() ? "" : " (default " + port.default_source + ")"),
                         port.doc);
  }
  if (!info.outputs.empty()) {
    out += entry.kind == Kind::Loss || entry.kind == Kind::Evaluator ? "metrics:\n" : "outputs:\n";
    for (const auto& port : info.outputs) out += fmt::format("  {}: {}\n", port.name, port.doc);
  } else if (info.dynamic_outputs) {
    out += "outputs: depend on the options\n";
  }
  out += info.options.empty() ? "options: none\n" : "options:\n";
  for (const auto& option : info.options) {
    std::string detail = option_type_name(option.type);
    detail += option.default_value ? ", default " + format_option_value(*option.default_value) : ", required";
    const std::string constraint = option.constraint.to_string();
    if (!constraint.empty()) detail += ", " + constraint;
    out += fmt::format("  {} ({}): {}\n", option.name, detail, option.doc);
  }
  return out + default_parameter_count(registry, entry, kind_and_type);
}

}  // namespace mmkd
