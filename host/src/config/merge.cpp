#include "config/experiment_file.hpp"

namespace mmkd {

void deep_merge(ConfigNode& base, const ConfigNode& over) {
  if (!base.is_map() || !over.is_map()) {
    base = over;
    return;
  }
  for (const auto& [key, value] : over.entries()) {
    if (ConfigNode* existing = base.find(key))
      deep_merge(*existing, value);
    else
      base.entries().emplace_back(key, value);
  }
  base.set_where(over.where());
}

}  // namespace mmkd
