#include "cli/describe.hpp"

#include "cli/probe_command.hpp"
#include "util/names.hpp"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <filesystem>
#include <optional>

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

// What the text and the Markdown descriptions share.

std::string component_name(const Registry::Entry& entry) { return std::string(kind_name(entry.kind)) + "/" + entry.info.type; }

// "optional", "default batch.image" or "" for an input port.
std::string input_qualifier(const Port& port) {
  if (port.optional) return "optional";
  return port.default_source.empty() ? "" : "default " + port.default_source;
}

// Losses' and evaluators' outputs are metric names.
std::string outputs_heading(Kind kind) { return kind == Kind::Loss || kind == Kind::Evaluator ? "metrics" : "outputs"; }

// Parameters of an encoder, teacher or loss created from its default options alone; none for
// other kinds, for a required option or when creation fails.
std::optional<int64_t> default_parameter_count(const Registry& registry, const Registry::Entry& entry) {
  for (const auto& option : entry.info.options)
    if (!option.default_value) return std::nullopt;
  const Options options = options_from_yaml(entry, component_name(entry), "{}");
  std::shared_ptr<torch::nn::Module> module;
  try {
    if (entry.kind == Kind::Encoder) module = registry.create<Kind::Encoder>(entry, options, Context{});
    if (entry.kind == Kind::Teacher) module = registry.create<Kind::Teacher>(entry, options, Context{});
    if (entry.kind == Kind::Loss) module = registry.create<Kind::Loss>(entry, options, Context{});
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!module) return std::nullopt;
  return parameter_count(*module);
}

std::string describe_entry(const Registry& registry, const Registry::Entry& entry) {
  const auto& info = entry.info;
  std::string out = fmt::format("{}: {}\nlibrary: {}\n", component_name(entry), info.doc, entry.library);
  if (!info.inputs.empty()) {
    out += "inputs:\n";
    for (const auto& port : info.inputs) {
      const std::string qualifier = input_qualifier(port);
      out += fmt::format("  {}{}: {}\n", port.name, qualifier.empty() ? "" : " (" + qualifier + ")", port.doc);
    }
  }
  if (!info.outputs.empty()) {
    out += outputs_heading(entry.kind) + ":\n";
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
  if (const auto parameters = default_parameter_count(registry, entry))
    out += fmt::format("parameters with default options: {}\n", format_parameter_count(*parameters));
  return out;
}

// The Markdown reference.

// Text as Markdown on one line, fit for a table cell: pipes escaped, and '<' outside code spans
// (else `<run folder>` would read as an HTML tag).
std::string markdown_inline(const std::string& text) {
  std::string out;
  bool in_code = false;
  for (char c : text) {
    if (c == '`') in_code = !in_code;
    if (c == '|' || (c == '<' && !in_code)) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string code_span(const std::string& text) { return "`" + text + "`"; }

// The anchor GitHub gives a heading: lower case, spaces as hyphens, punctuation but - and _ dropped.
std::string heading_anchor(const std::string& heading) {
  std::string anchor;
  for (unsigned char c : heading) {
    if (std::isalnum(c) || c == '-' || c == '_') anchor += static_cast<char>(std::tolower(c));
    else if (c == ' ') anchor += '-';
  }
  return anchor;
}

std::string ports_table(const std::string& heading, const std::vector<Port>& ports) {
  std::string out = fmt::format("| {} | Description |\n|---|---|\n", heading);
  for (const auto& port : ports) {
    const std::string qualifier = input_qualifier(port);
    out += fmt::format("| {}{} | {} |\n", code_span(port.name), qualifier.empty() ? "" : " (" + qualifier + ")",
                       markdown_inline(port.doc));
  }
  return out + "\n";
}

std::string options_table(const std::vector<OptionSpec>& options) {
  if (options.empty()) return "No options.\n\n";
  std::string out = "| Options | Type | Default | Constraint | Description |\n|---|---|---|---|---|\n";
  for (const auto& option : options)
    out += fmt::format("| {} | {} | {} | {} | {} |\n", code_span(option.name), option_type_name(option.type),
                       markdown_inline(option.default_value ? code_span(format_option_value(*option.default_value)) : "required"),
                       markdown_inline(option.constraint.to_string()), markdown_inline(option.doc));
  return out + "\n";
}

std::string component_section(const Registry& registry, const Registry::Entry& entry) {
  const auto& info = entry.info;
  // The library's file name without folder and extension, e.g. mmkd_losses_contrastive.
  const std::string library = std::filesystem::path(entry.library).stem().string();
  std::string out = fmt::format("### {}\n\n{}\n\nLibrary: {}.\n\n", component_name(entry), markdown_inline(info.doc), code_span(library));
  if (!info.inputs.empty()) out += ports_table("Inputs", info.inputs);
  std::string outputs = outputs_heading(entry.kind);
  outputs[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(outputs[0])));
  if (!info.outputs.empty()) out += ports_table(outputs, info.outputs);
  else if (info.dynamic_outputs) out += "Outputs depend on the options.\n\n";
  out += options_table(info.options);
  if (const auto parameters = default_parameter_count(registry, entry))
    out += fmt::format("Parameters with default options: {}.\n\n", format_parameter_count(*parameters));
  return out;
}

std::string reference_contents(const Registry& registry) {
  std::string out = "## Contents\n\n";
  for (Kind kind : all_kinds()) {
    const auto entries = registry.entries(kind);
    if (entries.empty()) continue;
    std::vector<std::string> links;
    for (const auto* entry : entries)
      links.push_back(fmt::format("[{}](#{})", entry->info.type, heading_anchor(component_name(*entry))));
    out += fmt::format("- [{}](#{}): {}\n", kind_name(kind), heading_anchor(kind_name(kind)), fmt::join(links, ", "));
  }
  return out + "\n";
}

}  // namespace

std::vector<std::string> component_names(const Registry& registry) {
  std::vector<std::string> names;
  for (Kind kind : all_kinds())
    for (const auto* entry : registry.entries(kind)) names.push_back(component_name(*entry));
  return names;
}

std::string describe_component(const Registry& registry, const std::string& kind_and_type) {
  return describe_entry(registry, find_component(registry, kind_and_type));
}

std::string describe_all_components(const Registry& registry) {
  std::string out;
  for (Kind kind : all_kinds())
    for (const auto* entry : registry.entries(kind)) out += (out.empty() ? "" : "\n") + describe_entry(registry, *entry);
  return out.empty() ? "no components loaded\n" : out;
}

std::string components_reference_markdown(const Registry& registry) {
  std::string out =
      "Generated by `mmkd describe --all --markdown > docs/reference.md` (run from the repository root); do not edit.\n\n"
      "# Component reference\n\n"
      "Every component of the plugins built with mmkd, as `mmkd describe KIND/TYPE` prints it: its inputs, outputs "
      "(metrics for losses and evaluators) and options with their types, defaults and constraints, and for a model "
      "component the number of parameters its default options give.\n\n" +
      reference_contents(registry);
  for (Kind kind : all_kinds()) {
    const auto entries = registry.entries(kind);
    if (entries.empty()) continue;
    out += fmt::format("## {}\n\n", kind_name(kind));
    for (const auto* entry : entries) out += component_section(registry, *entry);
  }
  out.pop_back();  // one newline at the end, not a blank line
  return out;
}

}  // namespace mmkd
