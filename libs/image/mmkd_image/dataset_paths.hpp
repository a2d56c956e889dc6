#pragma once
// Where a dataset's files are: roots relative to the experiment file, and paths that must
// stay inside their root.
#include <filesystem>
#include <string>

namespace mmkd::image {

// The canonical form of an existing folder; throws mmkd::Error naming `what` and the path.
std::filesystem::path canonical_folder(const std::filesystem::path& folder, const std::string& what);

// Whether `path`, with its symbolic links resolved, is inside `canonical_root`.
bool resolves_inside(const std::filesystem::path& path, const std::filesystem::path& canonical_root);

}  // namespace mmkd::image
