#include <mmkd_wandb/run_folders.hpp>

#include <mmkd_wandb/run_settings.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace mmkd::wandb {

bool has_wandb_files(const std::string& folder) {
  std::error_code error;
  return fs::is_regular_file(fs::path(wandb_folder(folder)) / "run.json", error);
}

std::vector<std::string> run_folders_under(const std::string& root) {
  if (has_wandb_files(root)) return {root};
  std::vector<std::string> found;
  std::error_code error, unreadable;
  fs::recursive_directory_iterator entry(root, fs::directory_options::skip_permission_denied, error);
  for (; !error && entry != fs::recursive_directory_iterator(); entry.increment(error)) {
    if (entry->is_symlink(unreadable) || !entry->is_directory(unreadable)) continue;
    const bool run_folder = has_wandb_files(entry->path().string());
    if (run_folder) found.push_back(entry->path().string());
    if (run_folder || entry->path().filename() == "wandb") entry.disable_recursion_pending();
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace mmkd::wandb
