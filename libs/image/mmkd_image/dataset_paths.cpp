#include <mmkd_image/dataset_paths.hpp>

#include <mmkd/error.hpp>

namespace fs = std::filesystem;

namespace mmkd::image {

fs::path canonical_folder(const fs::path& folder, const std::string& what) {
  std::error_code error;
  const fs::path canonical = fs::canonical(folder, error);
  if (error || !fs::is_directory(canonical)) throw Error(what + " " + folder.string() + " is not a folder");
  return canonical;
}

bool resolves_inside(const fs::path& path, const fs::path& canonical_root) {
  std::error_code error;
  const fs::path resolved = fs::weakly_canonical(path, error);
  if (error) return false;
  const fs::path relative = resolved.lexically_relative(canonical_root);
  return !relative.empty() && *relative.begin() != ".." && relative != ".";
}

}  // namespace mmkd::image
