#pragma once
// Reading an experiment: YAML with line numbers, `extends:` (deep merge, lists replaced),
// command-line overrides, `${a.b}` interpolation, and writing the resolved config back out.
#include "config/config_node.hpp"

#include <string>
#include <vector>

namespace mmkd {

// Parses one YAML file (no extends); ConfigError with file and line on malformed YAML or a
// missing file.
ConfigNode parse_yaml_file(const std::string& path);
ConfigNode parse_yaml_string(const std::string& text, const std::string& source_name);

// Deep merge: maps merge key by key, everything else (lists, scalars) is replaced by `over`.
void deep_merge(ConfigNode& base, const ConfigNode& over);

// `key.path=value` (value parsed as YAML: `lr=1e-3`, `layers=[0,1]`, `name=null`); ConfigError
// for a malformed override. Intermediate maps are created as needed. Hydra's forms: `+key=value`
// adds a key the config lacks, `++key=value` adds or replaces, `~key` (or `~key=value`) removes one.
void apply_override(ConfigNode& root, const std::string& override_text);
// Puts `value` at `key` (a.b.c), creating maps as needed; ConfigError naming `context` when a
// segment is not a map.
void set_key_path(ConfigNode& root, const std::string& key, ConfigNode value, const std::string& context);

enum class ExperimentVariant {
  as_written,
  // `--smoke`: the experiment's `smoke:` map of key.path: value (tiny dimensions, synthetic
  // data) put into the tree, then 2 steps, no loggers, validation only at the end, and every
  // pretrained `checkpoint` and teacher `cached` file left out (random weights).
  smoke,
  // `mmkd bench`: the experiment's `bench:` map (synthetic data of the real shapes) put into
  // the tree, with random weights; the experiment as written when it has no `bench:` map.
  bench,
};

// The variant's section applied; the `smoke` and `bench` sections removed either way.
void apply_variant(ConfigNode& root, ExperimentVariant variant);

// Replaces every `${a.b}` in scalars by the value at that path (whole-scalar references keep
// the referenced node's type, e.g. a list). Reports unknown paths and cycles, all at once.
void interpolate(ConfigNode& root);

// parse + extends (relative to the including file, recursively, cycles reported) +
// apply_variant + overrides + interpolation. The `extends`, `smoke` and `bench` keys are
// removed from the result.
ConfigNode load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                           ExperimentVariant variant = ExperimentVariant::as_written);

// Block-style YAML of the tree (for config.yaml in the run directory); round-trips through
// parse_yaml_string.
std::string to_yaml(const ConfigNode& node);

}  // namespace mmkd
