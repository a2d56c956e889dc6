#pragma once
// Loading a module from a checkpoint named the way another library names it (Hugging Face,
// timm), and writing the module back under those names.
#include <mmkd/options.hpp>
#include <mmkd/safetensors.hpp>

#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

namespace mmkd {

struct ComponentInfo;
struct Context;

// One parameter or buffer of a module and the checkpoint keys that hold it. Several keys are
// concatenated along dim 0 (separate query, key and value weights of a fused projection).
struct KeyBinding {
  std::string name;               // as in module.named_parameters() / named_buffers()
  std::vector<std::string> keys;  // in the checkpoint
  bool optional = false;          // ours only (e.g. a projection head): loaded when present
};

// How one module is named in one checkpoint format.
struct CheckpointLayout {
  std::string format;                         // e.g. "hf_bert", "timm_vit"
  std::vector<KeyBinding> bindings;
  std::vector<std::string> ignored_prefixes;  // keys not loaded on purpose (layers not selected)
  std::vector<std::string> ignored_keys;      // keys without meaning here (position_ids buffers)
  std::vector<std::string> base_prefixes;     // what a whole-model checkpoint puts first ("bert.")
  // Older names a checkpoint may use for a key ending: {"LayerNorm.weight", "LayerNorm.gamma"}.
  std::vector<std::pair<std::string, std::string>> legacy_endings;
  // Export only: the config.json the format's library reads beside the weights (transformers'
  // from_pretrained, timm's local-dir:); empty = the library has no such model.
  std::string library_config;

  void bind(std::string name, std::string key);                     // one key, same shape
  void bind(std::string name, std::vector<std::string> keys);       // concatenated along dim 0
  void bind_optional(std::string name, std::string key);            // loaded when the checkpoint has it
  void bind_same(const torch::nn::Module& module, const std::string& prefix);  // every tensor under its own name
  // Ignores the checkpoint's layers "<layer_prefix><k>." that `layers` does not select (none when empty).
  void ignore_other_layers(const std::string& layer_prefix, const std::vector<int64_t>& layers);
  // A key ending in `ending` may be named with `legacy` instead (BERT files on the hub: gamma, beta).
  void accept_legacy_ending(std::string ending, std::string legacy);
};

// What a load found. Entries read "key [shape]"; mismatches "key: checkpoint [..], model [..]".
struct CheckpointReport {
  std::string path, prefix;
  int64_t loaded = 0, ignored = 0;
  std::vector<std::string> missing, unexpected, mismatched;
  std::vector<std::string> uninitialised;  // the module's tensors that kept their initial values
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  std::string summary() const;  // "loaded 12 tensors from F (prefix 'bert.'); 3 keys ignored"
  std::string problems() const;  // one line per missing, unexpected or mismatched key
  std::string warning() const;   // names every uninitialised tensor; empty when there is none
};

// Loads what `layout` binds from `file` into `module` (under no_grad). `prefix` is put before
// every checkpoint key; "auto" tries "" and the layout's base prefixes and keeps the one that
// finds the most keys. Strict: throws mmkd::Error listing every missing key, unexpected key and
// shape mismatch, and changes nothing. Not strict: loads what matches.
CheckpointReport load_checkpoint_into(torch::nn::Module& module, const CheckpointLayout& layout,
                                 const SafetensorsFile& file, const std::string& prefix, bool strict);

// The module's tensors under the layout's keys (fused tensors split back along dim 0).
TensorMap export_checkpoint(const torch::nn::Module& module, const CheckpointLayout& layout);

// The options `checkpoint`, `format`, `layers`, `strict` and `prefix`, declared once for every
// encoder and teacher that starts from a checkpoint.
struct CheckpointOptions {
  std::string path;             // resolved against the experiment's folder; empty = none
  std::string format;
  std::vector<int64_t> layers;  // checkpoint layer of each of our layers; empty = 0, 1, ...
  bool strict = true;
  std::string prefix;
  Options options;              // for error locations

  static void declare(ComponentInfo& info, const std::vector<std::string>& formats, bool with_layers);
  static CheckpointOptions read(const Options& options, const Context& context);

  // Fails at `layers` when the list is given and does not have `depth` entries or names a
  // layer twice.
  void check_layers(int64_t depth) const;
  // Loads `path` (when set) into `module`; a strict failure becomes a ConfigError at the
  // `checkpoint` option, with every problem listed. Prints the summary to stderr.
  void load_into(torch::nn::Module& module, const CheckpointLayout& layout) const;
};

// Number of elements of the module's parameters (trainable or not).
int64_t parameter_count(const torch::nn::Module& module);
std::string format_parameter_count(int64_t count);  // "66,364,416 (66.4M)"

}  // namespace mmkd
