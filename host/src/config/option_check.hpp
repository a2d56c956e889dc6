#pragma once
// Checking a component's config node against its declared options.
#include "config/config_node.hpp"

#include <mmkd/options.hpp>

#include <set>
#include <string>
#include <vector>

namespace mmkd {

// Builds the Options of one component from `node` (a map). Keys in `reserved` (type,
// inputs, weight, ...) are the host's and skipped. Every problem is appended to `errors`
// with file, line and key path: an unknown key (with "did you mean" when one is close), a
// missing required option, a value of the wrong type, a value outside its constraint.
// Integers are accepted for float options; "1e-3" parses as a float.
Options check_options(const std::vector<OptionSpec>& specs, const ConfigNode& node, const std::string& key_path,
                      const std::set<std::string>& reserved, std::vector<Diagnostic>& errors);

}  // namespace mmkd
