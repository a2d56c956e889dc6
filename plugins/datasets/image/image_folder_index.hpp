#pragma once
// The files and labels of an image folder dataset.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mmkd::image {

struct ImageIndex {
  std::vector<std::string> files;   // absolute paths
  std::vector<int64_t> labels;
  std::vector<std::string> classes;  // label -> class folder name; empty for a label file
};

// One sub-folder per class (ImageNet train): classes sorted by name get labels 0, 1, ...;
// the .jpg, .jpeg and .png files anywhere below a class folder, sorted by path. A symbolic
// link that resolves outside the root is an error naming it.
ImageIndex index_class_folders(const std::filesystem::path& canonical_root);

// A flat folder and a label file (ImageNet val): one `filename label` line per image,
// whitespace-separated, the label a class index (the sorted position of its class folder in
// the training set, as in Caffe's val.txt). Blank lines are skipped; a malformed line, or a
// file name that resolves outside the root, is an error naming the label file and line.
ImageIndex index_label_file(const std::filesystem::path& canonical_root, const std::filesystem::path& label_file);

}  // namespace mmkd::image
