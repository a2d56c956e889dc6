#include "image_folder_index.hpp"

#include <mmkd_image/dataset_paths.hpp>

#include <mmkd/error.hpp>
#include <mmkd/progress.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace mmkd::image {

namespace {

bool has_image_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png";
}

void refuse_link_outside(const fs::directory_entry& entry, const fs::path& canonical_root) {
  if (entry.is_symlink() && !resolves_inside(entry.path(), canonical_root))
    throw Error("image_folder: " + entry.path().string() + " is a symbolic link to " +
                fs::read_symlink(entry.path()).string() + ", outside the root " + canonical_root.string());
}

}  // namespace

ImageIndex index_class_folders(const fs::path& canonical_root) {
  ImageIndex index;
  for (const fs::directory_entry& entry : fs::directory_iterator(canonical_root)) {
    refuse_link_outside(entry, canonical_root);
    if (entry.is_directory()) index.classes.push_back(entry.path().filename().string());
  }
  std::sort(index.classes.begin(), index.classes.end());
  CountProgress progress("index " + canonical_root.filename().string(), static_cast<int64_t>(index.classes.size()),
                         "classes");
  for (size_t label = 0; label < index.classes.size(); ++label) {
    std::vector<std::string> files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(canonical_root / index.classes[label])) {
      refuse_link_outside(entry, canonical_root);
      if (entry.is_regular_file() && has_image_extension(entry.path())) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    index.files.insert(index.files.end(), files.begin(), files.end());
    index.labels.insert(index.labels.end(), files.size(), static_cast<int64_t>(label));
    progress.advance();
  }
  progress.finish();
  return index;
}

ImageIndex index_label_file(const fs::path& canonical_root, const fs::path& label_file) {
  std::ifstream in(label_file);
  if (!in) throw DataError("image_folder: cannot open the label file " + label_file.string());
  ImageIndex index;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    std::string name, rest;
    int64_t label = -1;
    if (!(fields >> name)) continue;
    const std::string where = "image_folder: " + label_file.string() + ":" + std::to_string(number) + ": ";
    if (!(fields >> label) || label < 0 || (fields >> rest))
      throw DataError(where + "expected `filename label` with a class index >= 0, got '" + line + "'");
    const fs::path path = canonical_root / name;
    if (fs::path(name).is_absolute() || !resolves_inside(path, canonical_root))
      throw DataError(where + name + " resolves outside the root " + canonical_root.string());
    index.files.push_back(path.lexically_normal().string());
    index.labels.push_back(label);
  }
  return index;
}

}  // namespace mmkd::image
