#pragma once
// The key layouts `mmkd convert --format` writes: which keys of a state dict are left out and how
// the others are renamed. A new layout is one more entry of checkpoint_formats().
#include <string>
#include <vector>

namespace mmkd {

struct KeyRename {
  std::string pattern;      // ECMAScript regular expression, searched in the key
  std::string replacement;  // std::regex_replace format: $1 is the first group
};

struct CheckpointFormat {
  std::string name;
  std::string summary;
  std::vector<std::string> dropped;  // regular expressions: a key in which one is found is left out
  std::vector<KeyRename> renames;    // the first whose pattern is found renames a kept key
};

const std::vector<CheckpointFormat>& checkpoint_formats();

// Throws mmkd::Error listing the known formats when `name` is not one.
const CheckpointFormat& find_checkpoint_format(const std::string& name);

}  // namespace mmkd
