#include "cli/convert_command.hpp"

#include "convert/checkpoint_formats.hpp"
#include "convert/key_conversion.hpp"
#include "convert/key_groups.hpp"
#include "convert/state_dict_search.hpp"
#include "io/torch_checkpoint.hpp"
#include "util/names.hpp"

#include <mmkd/error.hpp>
#include <mmkd/safetensors.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace mmkd {

namespace {

constexpr const char* kSafetensorsExtension = ".safetensors";

std::string state_dict_line(const StateDict& state) {
  std::string line = fmt::format("state dict: {} ({} tensors)", state.location, state.tensors.size());
  if (!state.other_entries.empty()) line += "; also in the file: " + join_names(state.other_entries);
  return line + "\n";
}

}  // namespace

std::string convert_checkpoint(const ConvertRequest& request) {
  const CheckpointFormat& format = find_checkpoint_format(request.format);
  if (std::filesystem::path(request.output).extension() != kSafetensorsExtension)
    throw Error(fmt::format("the output {} must be a {} file", request.output, kSafetensorsExtension));

  const TorchCheckpoint checkpoint = read_torch_checkpoint(request.input);
  const StateDict state = find_state_dict(*checkpoint.root, request.key, request.input);
  const ConvertedKeys converted = convert_keys(format, state.tensors, request.input);
  if (converted.tensors.empty())
    throw Error(fmt::format("{}: format {} keeps none of the {} tensors of {}", request.input, format.name,
                            state.tensors.size(), state.location));
  write_safetensors(request.output, converted.tensors,
                    {{"format", "pt"},
                     {"mmkd.converted_from", std::filesystem::path(request.input).filename().string()},
                     {"mmkd.conversion", format.name}});

  std::string report = fmt::format("read {} ({})\n", request.input, checkpoint.serialization) + state_dict_line(state);
  if (state.stripped_module_prefix > 0)
    report += fmt::format("stripped DataParallel's 'module.' from {} keys\n", state.stripped_module_prefix);
  report += fmt::format("format {}: kept {}, renamed {}, dropped {}\n", format.name, converted.kept.size(),
                        converted.renamed.size(), converted.dropped.size() + state.non_tensors.size());
  if (!converted.renamed.empty()) report += "renamed: " + grouped_renames(converted.renamed) + "\n";
  if (!converted.dropped.empty()) report += "dropped: " + grouped_key_names(converted.dropped) + "\n";
  if (!state.non_tensors.empty()) report += "dropped (not tensors): " + grouped_key_names(state.non_tensors) + "\n";
  return report + fmt::format("wrote {} ({} tensors)\n", request.output, converted.tensors.size());
}

}  // namespace mmkd
