#pragma once
// What `mmkd list` and `mmkd describe` print: a component as text, or every component as the
// Markdown reference of docs/reference.md.
#include <mmkd/registry.hpp>

#include <string>
#include <vector>

namespace mmkd {

std::string list_components(const Registry& registry);
// Every component as "KIND/TYPE", by kind (in all_kinds() order), then by type.
std::vector<std::string> component_names(const Registry& registry);
// `kind_and_type` is "KIND/TYPE"; ConfigError for an unknown kind or type, with suggestions.
std::string describe_component(const Registry& registry, const std::string& kind_and_type);
// describe_component of every component of component_names(), separated by blank lines.
std::string describe_all_components(const Registry& registry);
// The same as Markdown (a table of contents by kind, a section with tables per component),
// without anything that depends on the machine, such as library paths.
std::string components_reference_markdown(const Registry& registry);
// Parses "KIND/TYPE" into the registry entry; ConfigError with suggestions otherwise.
const Registry::Entry& find_component(const Registry& registry, const std::string& kind_and_type);

}  // namespace mmkd
