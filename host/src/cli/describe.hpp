#pragma once
// What `mmkd list` and `mmkd describe` print.
#include <mmkd/registry.hpp>

#include <string>

namespace mmkd {

std::string list_components(const Registry& registry);
// `kind_and_type` is "KIND/TYPE"; ConfigError for an unknown kind or type, with suggestions.
std::string describe_component(const Registry& registry, const std::string& kind_and_type);
// Parses "KIND/TYPE" into the registry entry; ConfigError with suggestions otherwise.
const Registry::Entry& find_component(const Registry& registry, const std::string& kind_and_type);

}  // namespace mmkd
